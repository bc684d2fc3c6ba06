"""A report as the bytes of a file, for sending it in the chat: written by the same writers as `sanshe export`
(so the chat's files are the command line's files, privacy rules included), into a temporary folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

from core.exports.report import Report
from core.exports.writers import check_format, write_report


def report_bytes(report: Report, fmt: str) -> bytes:
    """CPU and file work: call it from a worker thread, never while a database transaction is held."""
    fmt = check_format(fmt)
    with tempfile.TemporaryDirectory(prefix="sanshe-export-") as folder:
        path = Path(folder) / f"report.{fmt}"
        write_report(report, path, fmt)
        return path.read_bytes()
