"""Settings from the environment, and the CLI's promises (exit 2 with one clear line, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings


def test_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite:///data/sanshe.db"
    assert settings.default_locale == "zh_CN" and settings.timezone == "Asia/Shanghai"
    assert settings.bot_token is None and settings.admin_ids == []


def test_environment_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANSHE_ADMIN_IDS", "11, 22，33")
    monkeypatch.setenv("SANSHE_BOT_TOKEN", "1:secret")
    monkeypatch.setenv("SANSHE_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_ids == [11, 22, 33]
    assert "secret" not in repr(settings)
    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANSHE_ADMIN_IDS", "abc")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]


def _sanshe(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_token_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = _sanshe(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "SANSHE_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = _sanshe(tmp_path, "migrate", SANSHE_DATABASE_URL="sqlite:///db/x.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "db" / "x.db").exists()
    again = _sanshe(tmp_path, "migrate", SANSHE_DATABASE_URL="sqlite:///db/x.db")
    assert "up to date" in again.stdout
