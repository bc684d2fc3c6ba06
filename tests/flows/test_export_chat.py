"""/export in the chat: staff of a community get its needs book and service directory as files (Excel, an A4 page,
CSV) made by the same code as `sanshe export`, so no resident's phone, address, location, note or id is in them;
anyone else is told it is for staff, and a forged button gets nobody another community's files."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from sandbox import SimUser
from sandbox.client_models import BotMessage
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_export_cli import ADDRESS, NOTE, PHONE, _file
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_privacy_withdrawal import document_bytes
from tests.flows.test_staff_loop import staff_member

RESIDENT = 987660001
NEED = f"楼道的灯坏了，请打{PHONE}找我"


async def _seed_request(running: Running, community: str = "阳光社区", need: str = NEED) -> None:
    async with running.db.transaction() as tx:
        await tx.users.create(RESIDENT, "zh_CN", utc_now())
        await _file(tx, RESIDENT, community, need, utc_now())


async def _press_for_file(running: Running, staff: SimUser, menu: BotMessage, button: str) -> tuple[BotMessage, bytes]:
    answer = await staff.press(button, message_id=menu.message_id)
    assert answer is not None and answer.text == "正在生成文件，请稍等…"
    (sent,) = await staff.wait_for_messages(timeout=15)
    return sent, await document_bytes(running, sent)


def _file_name(running: Running, message: BotMessage) -> str:
    stored = running.server.world.files.get(message.file_id or "")
    assert stored is not None and stored.file_name
    return stored.file_name


async def test_staff_get_the_needs_book_and_the_directory_as_files_without_private_data(running: Running) -> None:
    staff = await staff_member(running)
    await _seed_request(running)
    await _seed_request(running, "桂花社区", "别的社区的求助")
    await staff.send_command("export")
    (menu,) = await staff.wait_for_messages()
    assert menu.text.startswith("请选择要导出的文件：\n📒 居民需求册：")
    assert menu.button_texts() == [
        "📒 需求册 · Excel", "📗 服务目录 · Excel", "📒 需求册 · A4 打印版", "📗 服务目录 · A4 打印版",
        "📒 需求册 · CSV", "📗 服务目录 · CSV",
    ]  # fmt: skip

    book, data = await _press_for_file(running, staff, menu, "📒 需求册 · Excel")
    assert book.kind == "document" and book.text is not None
    assert book.text.startswith("📒 阳光社区 居民需求册（") and book.text.endswith("共 1 条求助。")
    assert _file_name(running, book).startswith("阳光社区_居民需求册_") and _file_name(running, book).endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert cells[:8] == ["编号", "提交时间", "类别", "服务", "需求", "状态", "服务人员", "评分"]
    assert "楼道的灯坏了，请打［电话已隐去］找我" in cells, str(cells)  # the phone typed into the need is blanked
    text = "\n".join(cells)
    for private in (PHONE, ADDRESS, NOTE, str(RESIDENT), "28.19", "别的社区的求助"):
        assert private not in text, private

    page, html = await _press_for_file(running, staff, menu, "📒 需求册 · A4 打印版")
    assert "用浏览器打开这个文件" in (page.text or "") and _file_name(running, page).endswith(".html")
    assert b"@page { size: A4" in html and "楼道的灯坏了".encode() in html and PHONE.encode() not in html

    listing, raw = await _press_for_file(running, staff, menu, "📗 服务目录 · CSV")
    assert listing.text is not None and listing.text.startswith("📗 阳光社区 服务目录，共 ")
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    # Its columns are the directory's own (core.exports.directory); what matters here is that it is the file.
    assert "类别" in rows[0] and any("管道疏通" in cell for row in rows for cell in row)


async def test_a_chosen_period_and_bad_dates(running: Running) -> None:
    staff = await staff_member(running)
    await _seed_request(running)
    await staff.send_command("export", "2020-01-01 2020-01-31")
    (menu,) = await staff.wait_for_messages()
    assert "2020年1月1日\u2009–\u200931日" in (menu.text or "")
    book, data = await _press_for_file(running, staff, menu, "📒 需求册 · CSV")
    assert (book.text or "").endswith("共 0 条求助。") and "求助总数,0" in data.decode("utf-8-sig")
    for args, expected in (("2026-13-01", "日期请写成 2026-11-01 这样"), ("2026-11-30 2026-11-01", "开始日期不能晚于"),
                           ("a b c", "日期请写成")):  # fmt: skip
        await staff.send_command("export", args)
        (said,) = await staff.wait_for_messages()
        assert (said.text or "").startswith(expected), said
        assert not said.inline_keyboard


async def test_only_staff_of_the_community_get_its_files(running: Running) -> None:
    staff = await staff_member(running)
    await _seed_request(running)
    resident = await running.client.user()
    await onboard(resident)
    await resident.send_command("export")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "只有社区工作人员可以导出本社区的需求册和服务目录。" and not refused.inline_keyboard

    await staff.send_command("export")
    (menu,) = await staff.wait_for_messages()
    button = menu.inline_button("📒 需求册 · Excel")
    assert button is not None and button.callback_data is not None
    answer = await resident.press_forged(button.callback_data)  # the staff member's button, pressed by a resident
    assert answer is not None and answer.show_alert and answer.text == refused.text
    await resident.expect_silence(0.5)
    for forged in ("ex:n:xlsx:20261301:20261130", "ex:n:pdf:20261101:20261130", "ex:s", "ex:x:csv", "ex:n:csv:1:2"):
        answer = await staff.press_forged(forged)
        assert answer is not None and answer.text == "这个按钮已经过期了。", forged
    await staff.expect_silence(0.5)
