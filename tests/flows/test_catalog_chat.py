"""A catalogue file sent in the chat, through the sandbox: staff of 阳光社区 send their workbook, see a preview
(nothing changes), confirm, and residents' needs are matched against the new catalogue at once; bad rows are
listed by the file's own row numbers; other communities' rows are refused; anyone else's file is not read."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

from core.catalog import ServiceEntry
from core.catalog_sync import import_entries, load_entries
from sandbox import SandboxClient, SandboxServer, SimUser
from storage.records import utc_now
from tests.conftest import Running, bot_running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_staff_loop import STAFF_ID

SOCIAL_WORKER_ID = 900002  # 陈社工, a provider in 阳光社区
ADMIN_ID = 900099
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["服务编号", "服务名称", "类别", "说明", "关键词", "社区", "联系电话", "是否启用"]


def workbook(*rows: list[object], title: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append(["阳光社区社区服务清单（2026年度）"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# S018 (助残出行接送) is 阳光社区's own service in the sample city; this file leaves it out.
OWN_FILE = workbook(
    ["Y001", "宠物寄养", "宠物服务", "主人住院时帮忙照看猫狗", "宠物，猫，狗，照看", None, "0731-84567890", "是"],
    ["Y002", "代缴水电费", "便民服务;为老", "帮老人缴水费电费", "缴费、水电费", "阳光", None, "否"],
)


async def services(running: Running) -> dict[str, ServiceEntry]:
    async with running.db.transaction() as tx:
        return {e.service_id: e for e in await load_entries(tx)}


async def catalogue_version(running: Running) -> int:
    async with running.db.transaction() as tx:
        return await tx.catalog.version()


async def get_file_calls(running: Running) -> int:
    return int((await running.client.stats())["requests"].get("getFile", 0))


async def staff(running: Running) -> SimUser:
    return await running.client.user(STAFF_ID, first_name="刘主任")


async def test_staff_preview_then_confirm_and_residents_are_matched_against_the_new_catalogue(running: Running) -> None:
    chief = await staff(running)
    before, version = await services(running), await catalogue_version(running)
    await chief.send_document(OWN_FILE, "阳光社区服务清单.xlsx", mime_type=XLSX)
    (preview,) = await chief.wait_for_messages(timeout=10)
    assert preview.text == (
        "📄 阳光社区服务清单.xlsx：阳光社区的服务目录，共 2 项服务。导入后：\n"
        "新增 2 项：Y001、Y002\n"
        "停用 1 项（文件里没有了）：S018\n"
        "⚠️ 新类别：宠物服务、便民服务（导入时新建，请确认不是笔误）\n"
        "确认导入吗？确认之前服务目录不会有任何改变。"
    )
    assert preview.button_texts() == ["✅ 确认导入", "✖️ 取消"]
    # Nothing has changed before confirmation.
    assert await services(running) == before and await catalogue_version(running) == version

    await chief.press("✅ 确认导入")
    done = await chief.wait_for_edit(preview.message_id, timeout=10)
    assert done.text == (
        "✅ 已导入 阳光社区服务清单.xlsx：新增 2 项，更新 0 项，停用 1 项。居民求助时马上就会用到新的目录。\n"
        "新建了类别：宠物服务、便民服务"
    )
    assert not done.inline_keyboard
    after = await services(running)
    assert after["Y001"].communities == ("阳光社区",) and after["Y001"].phone == "0731-84567890"
    assert after["Y002"].categories == ("便民服务", "elderly") and after["Y002"].active is False
    assert after["S018"].active is False and after["S001"].active  # shared services are not touched
    assert await catalogue_version(running) == version + 1

    # The next resident's need is matched against the new catalogue (the matcher saw the version move).
    async with running.db.transaction() as tx:
        matcher = await running.app.bot_data.services.matchers.get(tx)  # type: ignore[union-attr]
    assert "Y001" in {e.service_id for e in matcher.entries} and "S018" not in {e.service_id for e in matcher.entries}
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    await resident.send_text("我要住院了，家里的猫狗没人照看，谁能帮忙照看宠物")
    (offer,) = await resident.wait_for_messages(timeout=15)
    assert "宠物寄养" in (offer.text or "") + " ".join(offer.button_texts())


async def test_bad_rows_and_other_communities_are_listed_by_the_files_own_rows_and_nothing_changes(
    running: Running,
) -> None:
    chief = await staff(running)
    before, version = await services(running), await catalogue_version(running)
    bad = workbook(
        ["Y001", "宠物寄养", "宠物服务", None, None, None, None, None],  # row 3: fine
        ["Y002", "", "为老", None, None, None, None, None],  # row 4: no name
        ["Y003", "修水管", "家政维修", None, None, "桂花社区", None, None],  # row 5: another community
        ["S001", "助餐", "为老", None, None, "阳光社区", None, None],  # row 6: a service shared with others
        ["Y004", "理发", "为老", None, None, None, None, "也许"],  # row 7: active?
    )
    await chief.send_document(bad, "清单.xlsx", mime_type=XLSX)
    (answer,) = await chief.wait_for_messages(timeout=10)
    assert answer.text is not None
    assert answer.text.splitlines() == [
        "📄 清单.xlsx 有 2 处问题，什么都没有导入。请改好后重新发送：",
        "第 4 行：服务名称为空",
        "第 7 行：看不出“也许”是否启用：请填 是 或 否（1/0、启用/停用 也可以）",
    ]
    assert not answer.inline_keyboard
    # The rows parse now; the community checks come next.
    fixed = workbook(
        ["Y001", "宠物寄养", "宠物服务", None, None, None, None, None],
        ["Y003", "修水管", "家政维修", None, None, "桂花社区", None, None],
        ["S001", "助餐", "为老", None, None, "阳光社区", None, None],
    )
    await chief.send_document(fixed, "清单.xlsx", mime_type=XLSX)
    (answer,) = await chief.wait_for_messages(timeout=10)
    assert (answer.text or "").splitlines() == [
        "📄 清单.xlsx 有 2 处问题，什么都没有导入。请改好后重新发送：",
        "第 4 行：只能导入阳光社区的服务，这一行的社区写的是“桂花社区”",
        "第 5 行：服务编号“S001”已经用在不只属于阳光社区的服务上（别的社区的，或几个社区共用的），请换一个编号",
    ]
    assert not answer.inline_keyboard
    assert await services(running) == before and await catalogue_version(running) == version


async def test_cancel_changes_nothing_and_the_old_buttons_are_stale(running: Running) -> None:
    chief = await staff(running)
    before = await services(running)
    await chief.send_document(OWN_FILE, "清单.xlsx", mime_type=XLSX)
    (preview,) = await chief.wait_for_messages(timeout=10)
    await chief.press("✖️ 取消")
    assert (await chief.wait_for_edit(preview.message_id)).text == "已取消，服务目录没有改变。"
    forged = preview.inline_button("✅ 确认导入")
    assert forged is not None and forged.callback_data is not None
    answer = await chief.press_forged(forged.callback_data, message_id=preview.message_id)
    assert answer is not None and answer.text == "这个按钮已经过期了。"
    assert await services(running) == before


async def test_a_change_to_the_catalogue_after_the_preview_is_shown_again_before_importing(running: Running) -> None:
    chief = await staff(running)
    await chief.send_document(OWN_FILE, "清单.xlsx", mime_type=XLSX)
    (preview,) = await chief.wait_for_messages(timeout=10)
    async with running.db.transaction() as tx:  # another import meanwhile (the command line, another office)
        await import_entries(tx, [*await load_entries(tx), ServiceEntry("Z1", "新服务", "elderly")], utc_now())
    answer = await chief.press("✅ 确认导入")
    assert answer is not None and answer.text == "服务目录刚才被修改过，下面是重新核对的结果，请再确认一次。"
    again = await chief.wait_for_edit(preview.message_id)
    assert (again.text or "").startswith("服务目录刚才被修改过") and "新增 2 项：Y001、Y002" in (again.text or "")
    assert "Y001" not in await services(running)
    await chief.press("✅ 确认导入", message_id=preview.message_id)
    done = await chief.wait_for_edit(preview.message_id)
    assert (done.text or "").startswith("✅ 已导入")
    assert "Y001" in await services(running) and (await services(running))["Z1"].active


async def test_a_csv_file_works_too_and_an_xls_is_explained(running: Running) -> None:
    chief = await staff(running)
    text = "服务编号,服务名称,类别\nY010,理发,为老服务\n"
    await chief.send_document(text.encode("utf-8-sig"), "list.csv", mime_type="text/csv")
    (preview,) = await chief.wait_for_messages(timeout=10)
    assert "新增 1 项：Y010" in (preview.text or "") and "停用 1 项（文件里没有了）：S018" in (preview.text or "")
    await chief.send_document(b"\xd0\xcf\x11\xe0 old excel", "list.xls")
    (xls,) = await chief.wait_for_messages(timeout=10)
    assert xls.text == "只能导入 .xlsx 或 .csv 文件（.xls 请先在 Excel 中另存为 .xlsx）。"
    await chief.send_document(b"not a workbook", "broken.xlsx", mime_type=XLSX)
    (broken,) = await chief.wait_for_messages(timeout=10)
    assert broken.text == "读不了 broken.xlsx：文件不是有效的 Excel 工作簿（.xlsx），请在 Excel 中另存为 .xlsx"


async def test_a_file_from_anyone_else_is_answered_and_never_read(running: Running) -> None:
    calls = await get_file_calls(running)
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    await resident.send_document(OWN_FILE, "清单.xlsx", mime_type=XLSX)
    refusal, menu = await resident.wait_for_messages(2, timeout=10)
    assert refusal.text == "只有社区工作人员可以发送服务目录文件来导入。" and menu.reply_keyboard is not None
    worker = await running.client.user(SOCIAL_WORKER_ID, first_name="陈社工")
    await worker.send_document(OWN_FILE, "清单.xlsx", mime_type=XLSX)
    (refusal,) = await worker.wait_for_messages(timeout=10)
    assert refusal.text == "只有社区工作人员可以发送服务目录文件来导入。"
    stranger = await running.client.user(first_name="路人")  # never pressed /start
    await stranger.send_document(b"x,y\n", "a.csv", mime_type="text/csv")
    (refusal,) = await stranger.wait_for_messages(timeout=10)
    assert refusal.text == "只有社区工作人员可以发送服务目录文件来导入。"
    assert await get_file_calls(running) == calls  # not one of them was downloaded


async def test_a_file_over_the_limit_is_refused_without_reading_it(running: Running) -> None:
    chief = await staff(running)
    calls = await get_file_calls(running)
    big = b"service_id,name,category\n" + b"S1,x,elderly\n" * 170_000  # about 2.2 MB
    await chief.send_document(big, "big.csv", mime_type="text/csv")
    (refusal,) = await chief.wait_for_messages(timeout=10)
    assert refusal.text == "big.csv 太大了：服务目录文件最大 2 MB。"
    assert await get_file_calls(running) == calls


async def test_an_administrator_imports_for_the_city_and_may_create_communities(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    async with bot_running(city, admin_ids=[ADMIN_ID]) as running:
        admin = await running.client.user(ADMIN_ID, first_name="管理员")
        rows = workbook(["N1", "社区食堂", "为老", None, None, "新村社区，阳光社区", None, None], title=False)
        await admin.send_document(rows, "全市.xlsx", mime_type=XLSX)
        (preview,) = await admin.wait_for_messages(timeout=10)
        text = preview.text or ""
        assert text.startswith("📄 全市.xlsx：全市的服务目录，共 1 项服务。导入后：") and "停用 39 项" in text
        assert "未知社区“新村社区”（第 2 行）" in text
        assert preview.button_texts() == ["✅ 确认导入并新建社区", "✖️ 取消"]
        await admin.press("✅ 确认导入并新建社区")
        done = await admin.wait_for_edit(preview.message_id, timeout=10)
        assert "新建了社区：新村社区" in (done.text or "")
        async with running.db.transaction() as tx:
            assert await tx.communities.by_name("新村社区") is not None
            [active] = [e for e in await load_entries(tx) if e.active]
        assert active.service_id == "N1" and active.communities == ("新村社区", "阳光社区")


async def test_staff_who_speak_english_get_the_preview_in_english(running: Running) -> None:
    async with running.db.transaction() as tx:
        await tx.users.set_locale(STAFF_ID, "en", utc_now())
    chief = await staff(running)
    bad = workbook(["Y002", "", "为老", None, None, None, None, None], ["Y003", "修水管", "家政维修"] + [None] * 5)
    await chief.send_document(bad, "list.xlsx", mime_type=XLSX)
    (answer,) = await chief.wait_for_messages(timeout=10)
    assert (answer.text or "").splitlines() == [
        "📄 list.xlsx has 1 problem; nothing was imported. Please fix it and send the file again:",
        "line 3: empty name",
    ]
    await chief.send_document(workbook(["Y003", "修水管", "家政维修"] + [None] * 5), "list.xlsx", mime_type=XLSX)
    (preview,) = await chief.wait_for_messages(timeout=10)
    assert (preview.text or "").splitlines()[:3] == [
        "📄 list.xlsx: the service catalogue of 阳光社区, 1 service. Importing it will:",
        "add 1 service: Y003",
        "deactivate 1 service no longer in the file: S018",
    ]
    assert preview.button_texts() == ["✅ Import", "✖️ Cancel"]
