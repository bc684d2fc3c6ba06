"""An install like production: build the wheel, install it into a fresh virtual environment outside the checkout,
and run `sanshe` from a folder that is not the checkout either.

The wheel is built from a copy of the checkout's files (tracked, and new ones not ignored), with pip's build
isolation as `pip install .` does it: building in place would leave build/ and *.egg-info in a work tree others
edit. The new environment gets the wheel alone (`--no-deps --no-index`); its third-party packages come from this
test's environment through a .pth line. That line adds the folder to sys.path after the wheel's own site-packages
and does not run the .pth files there, so the editable install of the checkout stays switched off: `bot` can only
be the wheel's, which the first tests check before the commands run.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT

pytestmark = pytest.mark.timeout(900)
PACKAGES = ("bot", "core", "handlers", "storage", "sandbox", "locales")  # pyproject's packages.find
NOT_SHIPPED = ("tests", "tools", "bench", "deploy", ".ci")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    workdir: Path  # an empty folder outside the checkout: the commands' working directory
    sources: list[str]  # the checkout's files the wheel was built from, relative paths


def checkout_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return sorted(name for name in listed.split("\0") if name and (PROJECT_ROOT / name).is_file())


def run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    assert not root.resolve().is_relative_to(PROJECT_ROOT.resolve())
    source, dist, venv, workdir = root / "src", root / "dist", root / "venv", root / "work"
    sources = checkout_files()
    for name in sources:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, source / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source], cwd=root,
                timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("sanshe-*.whl")
    made = run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    added = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
                cwd=root)  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root)
                .stdout.strip())  # fmt: skip
    (site / "zz_sanshe_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    workdir.mkdir()
    return Installed(wheel, venv, site, workdir, sources)


def sanshe_env(installed: Installed, **extra: str) -> dict[str, str]:
    """The environment of a deployment: the venv's bin first, no SANSHE_* or PYTHONPATH of this test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANSHE_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{installed.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONNOUSERSITE"] = "1"
    return env | extra


def sanshe(installed: Installed, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("sanshe", path=sanshe_env(installed)["PATH"])
    assert executable == str(installed.venv / "bin" / "sanshe")
    return run([executable, *args], cwd=installed.workdir, env=sanshe_env(installed, **env), timeout=timeout)


def test_the_wheel_holds_every_file_of_the_packages_and_the_notices(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = next(wheel.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    # Every file of a package folder, data included (.po, .sql in subfolders such as migrations/postgresql/,
    # the matching tables, the font): what is missing here is missing in production.
    wanted = {name for name in installed.sources if name.split("/")[0] in PACKAGES}
    assert {f"locales/{locale}/LC_MESSAGES/sanshe.po" for locale in ("en", "zh_CN")} <= wanted
    assert sorted(wanted - names) == []
    assert not [n for n in names if n.split("/")[0] in NOT_SHIPPED or n.endswith(".pyc")]
    licences = {n.split(".dist-info/licenses/", 1)[1] for n in names if ".dist-info/licenses/" in n}
    assert {"NOTICE", "bot/data/fonts/OFL.txt"} <= licences
    assert "bot/data/fonts/OFL.txt" in names  # also beside the font, as the OFL asks
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires and not [r for r in requires if r.lower().startswith("mplfonts")]
    assert installed.wheel.stat().st_size < 15 * 2**20


def test_the_installed_code_and_data_come_from_the_wheel_not_the_checkout(installed: Installed) -> None:
    probe = (
        "import json, bot, locales, storage.migrate as m, core.matching.normalize as n\n"
        "from bot.config import Settings\nfrom bot.charts import cjk_font_path\n"
        "print(json.dumps({'bot': bot.__file__, 'locales': str(locales.catalogue_dir()),"
        " 'settings': str(Settings().locales_dir.resolve()), 'migrations': str(m.MIGRATIONS_DIR),"
        " 'matching': str(n.DATA_DIR), 'font': str(cjk_font_path())}))"
    )
    result = run([installed.venv / "bin" / "python", "-c", probe], cwd=installed.workdir,
                 env=sanshe_env(installed))  # fmt: skip
    assert result.returncode == 0, result.stderr
    where = {key: Path(value) for key, value in json.loads(result.stdout).items()}
    for key, path in where.items():
        assert path.resolve().is_relative_to(installed.site_packages.resolve()), (key, path)
        assert not path.resolve().is_relative_to(PROJECT_ROOT.resolve()), (key, path)
    assert where["settings"] == where["locales"]  # the default locales_dir is the installed package
    assert (where["migrations"] / "0001_foundation.sql").is_file() and where["font"].is_file()


def test_migrate_then_import_and_match_from_the_installed_command(installed: Installed) -> None:
    database = installed.workdir / "state" / "sanshe.db"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    migrated = sanshe(installed, "migrate", SANSHE_DATABASE_URL=url)
    assert migrated.returncode == 0, migrated.stderr
    assert "applied migrations" in migrated.stdout
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = {n for n in wheel.namelist() if n.startswith("storage/migrations/") and n.count("/") == 2}
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"schema_migrations", "services", "organizations"} <= tables and len(shipped) >= 16
    again = sanshe(installed, "migrate", SANSHE_DATABASE_URL=url)
    assert again.returncode == 0, again.stderr

    catalogue = installed.site_packages / "bot" / "data" / "sample_catalog.csv"
    imported = sanshe(installed, "catalog", "import", str(catalogue), "--create-communities",
                      SANSHE_DATABASE_URL=url)  # fmt: skip
    assert imported.returncode == 0, imported.stdout + imported.stderr
    matched = sanshe(installed, "match", "--json", "厨房下水道堵了", SANSHE_DATABASE_URL=url)
    assert matched.returncode == 0, matched.stdout + matched.stderr
    (answer,) = [json.loads(line) for line in matched.stdout.splitlines() if line.strip()]
    best = answer["matches"][0]
    assert "疏通" in best["name"] or "下水" in best["name"], answer


def test_the_demo_runs_from_the_wheel_and_draws_the_chart(installed: Installed) -> None:
    demo = sanshe(installed, "demo", timeout=600)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "三社联动 Sanshe 演示" in demo.stdout and demo.stdout.rstrip().endswith("演示结束。")
    assert "/report" in demo.stdout and "[图片]" in demo.stdout  # the chart was drawn and sent
    assert "Traceback" not in demo.stderr and "missing from font" not in demo.stderr, demo.stderr[-3000:]
    assert not list(installed.workdir.glob("*.egg-info"))
