"""The code base stays ruff clean: a lint error fails the test run like any other defect."""

from __future__ import annotations

import subprocess
import sys

from bot.config import PROJECT_ROOT


def test_ruff_check_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
