"""`sanshe catalog import/export` against a real SQLite file, as staff would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT

CATALOG = PROJECT_ROOT / "tests" / "data" / "catalog.csv"


def sanshe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
    env["SANSHE_DATABASE_URL"] = "sqlite:///sanshe.db"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def test_import_export_round_trip_and_reimport_is_idempotent(tmp_path: Path) -> None:
    first = sanshe(tmp_path, "catalog", "import", str(CATALOG))
    assert first.returncode == 0, first.stderr
    assert "新增 added: 39" in first.stdout and "新建社区" in first.stdout
    again = sanshe(tmp_path, "catalog", "import", str(CATALOG))
    assert "未变 unchanged: 39" in again.stdout
    exported = sanshe(tmp_path, "catalog", "export", "out.csv")
    assert exported.returncode == 0, exported.stderr
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    reimport = sanshe(tmp_path, "catalog", "import", "out.csv")
    assert "未变 unchanged: 39" in reimport.stdout, reimport.stdout + reimport.stderr


def test_a_file_with_bad_rows_imports_nothing_and_names_each_line(tmp_path: Path) -> None:
    sanshe(tmp_path, "catalog", "import", str(CATALOG))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "service_id,name,category,colour\nN1,修水管,家政维修,red\n,无名,为老,\nN3,X,火星,\n", encoding="utf-8"
    )
    result = sanshe(tmp_path, "catalog", "import", str(bad))
    assert result.returncode == 2
    assert "line 3" in result.stderr and "line 4" in result.stderr and "colour" in result.stderr
    # All or nothing: N1 was fine but is not there, and nothing was deactivated.
    sanshe(tmp_path, "catalog", "export", "after.csv")
    after = (tmp_path / "after.csv").read_text(encoding="utf-8-sig")
    assert "N1" not in after and ",0\n" not in after


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = sanshe(tmp_path, "catalog", "import", "nope.csv")
    assert result.returncode == 2 and "cannot read file" in result.stderr and "Traceback" not in result.stderr


def test_match_without_catalog_uses_the_imported_active_services(tmp_path: Path) -> None:
    empty = sanshe(tmp_path, "match", "--json", "厨房下水道堵了")
    assert empty.returncode == 2 and "catalog import" in empty.stderr
    sanshe(tmp_path, "catalog", "import", str(CATALOG))
    result = sanshe(tmp_path, "match", "--json", "厨房下水道堵了", "你好")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["matches"][0]["service_id"] == "S020" and second["matches"] == []


def test_provider_and_staff_add_from_the_command_line(tmp_path: Path) -> None:
    sanshe(tmp_path, "catalog", "import", str(CATALOG))
    chen = ["--role", "social_worker", "--name", "陈社工", "--organization", "阳光社工服务中心"]
    ok = sanshe(
        tmp_path, "provider", "add", "501", *chen, "--services", "S020,S021", "--communities", "阳光社区,桂花社区"
    )
    assert ok.returncode == 0, ok.stderr
    volunteer = sanshe(tmp_path, "provider", "add", "502", "--role", "volunteer", "--services", "S020",
                       "--communities", "阳光社区", "--supervisor", "501")  # fmt: skip
    assert volunteer.returncode == 0, volunteer.stderr
    for bad, why in (
        (["--role", "volunteer", "--services", "S999", "--communities", "阳光社区", "--supervisor", "501"], "S999"),
        (["--role", "volunteer", "--services", "S020", "--communities", "火星社区", "--supervisor", "501"], "火星社区"),
        (["--role", "volunteer", "--services", "S020", "--communities", "阳光社区"], "--supervisor"),
        (["--role", "boss", "--services", "S020", "--communities", "阳光社区"], "boss"),
    ):
        result = sanshe(tmp_path, "provider", "add", "503", *bad)
        assert result.returncode == 2 and why in result.stderr and "Traceback" not in result.stderr
    assert sanshe(tmp_path, "staff", "add", "600", "--community", "阳光社区").returncode == 0
    unknown = sanshe(tmp_path, "staff", "add", "600", "--community", "火星")
    assert unknown.returncode == 2 and "火星" in unknown.stderr
