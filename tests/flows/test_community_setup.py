"""Setting a community up from an empty database, in the README's order: community → staff → catalogue →
providers → residents; and `sanshe community add/list` refusing bad input with one line and exit 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from sandbox import SandboxClient, SandboxServer
from tests.conftest import bot_running
from tests.core.test_import_totality import run_cli
from tests.flows.test_catalog_cli import sanshe
from tests.flows.test_onboarding_flow import onboard


@pytest.fixture(autouse=True)
def empty_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here on an empty database of each backend."""
    monkeypatch.setenv("SANSHE_DATABASE_URL", db_url)


def test_add_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    none = "还没有社区，请先用 sanshe community add 新建 / no communities yet: add one with sanshe community add\n"
    assert run_cli(["community", "list"], capsys) == (0, none, [])
    code, out, errors = run_cli(["community", "add", " 阳光社区 ", "--district", "雨花区"], capsys)
    assert (code, errors) == (0, []) and out == "已新建社区：阳光社区（雨花区） / community added: 阳光社区 (雨花区)\n"
    assert run_cli(["community", "add", "桂花社区"], capsys)[0] == 0
    assert run_cli(["community", "list"], capsys) == (0, "桂花社区\t—\n阳光社区\t雨花区\n", [])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["阳光社区"], "已经有这个社区了：阳光社区（输入的是“阳光社区”） / this community exists already"),
        (["阳光"], "已经有这个社区了：阳光社区（输入的是“阳光”）"),  # the same community in another spelling
        (["阳光社区居委会"], "已经有这个社区了：阳光社区"),
        (["东塘社区，桂花社区"], "一次只能建一个社区"),
        (["东塘社区\n"], "已新建"),  # a trailing line break is only whitespace
        (["   "], "社区名称不能为空 / the community's name is empty"),
        (["东塘" * 16], "太长"),
        (["望月湖社区", "--district", " "], "区的名称不能为空"),
    ],
)
def test_bad_names_are_one_line_and_exit_2(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["community", "add", "阳光社区"], capsys)[0] == 0
    code, out, errors = run_cli(["community", "add", *args], capsys)
    if says == "已新建":
        assert code == 0 and says in out
        return
    assert code == 2 and out == ""
    [line] = errors
    assert line.startswith("sanshe community: ") and says in line, line
    listed = run_cli(["community", "list"], capsys)[1]
    assert listed == "阳光社区\t—\n"  # nothing changed


def office_workbook(path: Path) -> Path:
    """A community office's own list: a title row, Chinese headers, its own category, full-width commas."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["阳光社区社区服务清单（2026年度）"],
        [],
        ["服务编号", "服务名称", "类别", "说明", "关键词", "机构", "社区", "联系电话"],
        ["YG01", "水管疏通", "家政服务", "厨房、卫生间下水道堵了上门疏通", "下水道，堵了", "阳光物业", "阳光社区",
         "0731-84567890"],
        ["YG02", "代缴水电费", "便民服务", "帮老人缴水费电费", "缴费", "阳光物业", "阳光社区，桂花社区", None],
    ):  # fmt: skip
        sheet.append(row)
    book.save(path)
    return path


async def test_the_readme_setup_order_works_from_an_empty_database(tmp_path: Path, db_url: str) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return sanshe(tmp_path, *args, database_url=db_url)

    # Staff before their community is refused: the community comes first.
    early = cli("staff", "add", "600", "--community", "阳光社区")
    assert early.returncode == 2 and "阳光社区" in early.stderr
    for args in (
        ("community", "add", "阳光社区", "--district", "雨花区"),
        ("community", "add", "桂花社区", "--district", "雨花区"),
        ("staff", "add", "600", "--community", "阳光社区"),
    ):
        step = cli(*args)
        assert step.returncode == 0, (args, step.stderr)
    catalogue = cli("catalog", "import", str(office_workbook(tmp_path / "清单.xlsx")))
    assert catalogue.returncode == 0, catalogue.stderr
    assert "新增 added: 2" in catalogue.stdout and "新建类别 new categories: 便民服务" in catalogue.stdout
    assert "新类别：便民服务" in catalogue.stderr  # the warning that lists the new categories
    provider = cli("provider", "add", "601", "--role", "social_worker", "--name", "陈社工",
                   "--services", "YG01", "--communities", "阳光社区")  # fmt: skip
    assert provider.returncode == 0, provider.stderr
    listed = cli("community", "list")
    assert listed.stdout == "桂花社区\t雨花区\n阳光社区\t雨花区\n"

    # Residents: the real bot on this database, a resident joins 阳光社区 and asks for what the catalogue offers.
    async with SandboxServer() as server, SandboxClient(server.base_url) as client:
        async with bot_running((server, client, db_url)):
            resident = await client.user(first_name="王阿姨")
            await onboard(resident, "阳光社区")
            await resident.send_text("厨房下水道堵了")
            (offer,) = await resident.wait_for_messages(timeout=15)
            assert "水管疏通" in (offer.text or "") + " ".join(offer.button_texts())
