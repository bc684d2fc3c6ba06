"""`sanshe match` — match needs against a service catalogue file, for staff and for other tools.

Contract (other tools depend on it exactly):
    sanshe match --catalog FILE [--top N] [--json] [--stdin | TEXT ...]
FILE is read like `sanshe catalog import` reads it: an Excel .xlsx by its extension, anything else as CSV.
Each TEXT argument is one need; with --stdin, each non-blank line is one need. With --json, one JSON
object per need and per line, in input order: {"query": ..., "matches": [{"service_id", "name",
"score", "reason"}]}, best first, at most N, only matches at or above the threshold ([] = nothing fits).
Exit status 2 for usage errors, for a file that cannot be read, and for a catalogue with errors (each printed to
stderr with its line); a malformed file or option is always one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from bot.cli_catalog import CatalogueUnusable, read_catalogue, row_line
from bot.cli_db import CliError, in_transaction
from bot.cli_text import both
from core.catalog import RowError, ServiceEntry
from core.catalog_sync import load_entries
from core.matching import Match, Matcher, load_synonyms
from core.matching.bank import load_bank

EXIT_USAGE = 2


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "match",
        help=both("cli.match.help"),
        description=both("cli.match.description", sep=" "),
    )
    parser.add_argument("--catalog", type=Path, help=both("cli.match.catalog_file_help"))
    parser.add_argument("--top", type=int, default=3, help=both("cli.match.top_help"))
    parser.add_argument("--json", action="store_true", help=both("cli.match.json_help"))
    parser.add_argument("--stdin", action="store_true", help=both("cli.match.stdin_help"))
    parser.add_argument("--community", help=both("cli.match.community_help"))
    parser.add_argument("--synonyms", type=Path, help=both("cli.match.synonyms_help"))
    parser.add_argument("--examples", type=Path, help=both("cli.match.examples_help"))
    parser.add_argument("--threshold", type=_threshold, help=both("cli.match.threshold_help"))
    parser.add_argument("texts", nargs="*", metavar="TEXT", help=both("cli.match.texts_help"))
    parser.set_defaults(func=run)


def _threshold(text: str) -> float:
    """A score from 0 to 100. float() alone takes "nan" (no match would ever reach it, silently) and "inf"."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:  # nan fails every comparison, so it is refused here too
        raise argparse.ArgumentTypeError(both("cli.match.bad_threshold", value=text))
    return value


def _error(message: str) -> int:
    print(f"sanshe match: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    if args.stdin and args.texts:
        return _error(both("cli.match.stdin_and_texts"))
    if not args.stdin and not args.texts:
        return _error(both("cli.match.no_needs"))
    if args.top < 1:
        return _error(both("cli.match.bad_top"))
    try:
        synonyms = load_synonyms(_text_file(args.synonyms)) if args.synonyms else None
        bank = load_bank(extra_examples=_text_file(args.examples)) if args.examples else None
        entries = _entries_from_file(args.catalog) if args.catalog else _entries_from_database()
    except OSError as exc:
        return _error(f"{both('cli.cannot_read')}: {exc}")
    except _Unusable as exc:
        return _error(str(exc))

    matcher = Matcher.build(entries, synonyms=synonyms, threshold=args.threshold, bank=bank)
    needs = _stdin_needs(sys.stdin) if args.stdin else iter(args.texts)
    for need in needs:
        matches = matcher.match(need, top=args.top, community=args.community)
        if args.json:
            print(json.dumps(_as_json(need, matches), ensure_ascii=False), flush=True)
        else:
            print(_as_table(need, matches), flush=True)
    return 0


class _Unusable(Exception):
    """The catalogue cannot be used; the message says why, in one line."""


def _text_file(path: Path) -> Path:
    """`path`, once it is known to be a UTF-8 text file (like a catalogue CSV): the loaders would raise
    UnicodeDecodeError on GBK, and the examples loader silently skips a file that is not there."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unusable(f"{both('cli.cannot_read')}: {exc}") from exc
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _Unusable(f"{path}: {row_line(RowError.of(line, 'cli.match.not_utf8'))}") from exc
    return path


def _entries_from_file(path: Path) -> list[ServiceEntry]:
    try:
        return read_catalogue(path, lambda count: both("cli.match.catalogue_errors", count=count))
    except CatalogueUnusable as exc:
        raise _Unusable(str(exc)) from exc


def _entries_from_database() -> list[ServiceEntry]:
    """Without --catalog: the active services imported with `sanshe catalog import`."""
    try:
        entries = in_transaction(lambda tx, _settings: load_entries(tx, include_inactive=False))
    except CliError as exc:
        raise _Unusable(str(exc)) from exc
    if not entries:
        raise _Unusable(both("cli.match.no_services"))
    return entries


def _stdin_needs(stream: TextIO) -> Iterator[str]:
    for line in stream:
        need = line.strip()
        if need:
            yield need


def _as_json(need: str, matches: Iterable[Match]) -> dict[str, object]:
    return {
        "query": need,
        "matches": [
            {"service_id": m.service_id, "name": m.name, "score": m.score, "reason": m.reason} for m in matches
        ],
    }


def display_width(text: str) -> int:
    """Terminal columns: Chinese and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _as_table(need: str, matches: list[Match]) -> str:
    lines = [f"{both('cli.match.need')}: {need}"]
    if not matches:
        lines.append(f"  （{both('cli.match.nothing_fits')}）")
        return "\n".join(lines) + "\n"
    header = (
        "#", both("cli.match.column_id", sep=" "), both("cli.match.column_service", sep=" "),
        both("cli.match.column_score", sep=" "), both("cli.match.column_reason", sep=" "),
    )  # fmt: skip
    rows = [(str(i), m.service_id, m.name, f"{m.score:.1f}", m.reason) for i, m in enumerate(matches, 1)]
    widths = [max(display_width(row[col]) for row in (header, *rows)) for col in range(len(header))]
    for row in (header, *rows):
        cells = [_pad(cell, widths[col]) for col, cell in enumerate(row)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(lines) + "\n"
