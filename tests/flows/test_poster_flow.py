"""/poster through the sandbox: staff get a PNG and a PDF whose QR code holds their community's join link; anyone
else is refused; a new resident who opens the link chooses a language, consents and is in that community without
being asked which one; a code nobody issued is said so and onboarding goes on as usual."""

from __future__ import annotations

import re

from sandbox import SimUser
from tests.conftest import Running
from tests.flows.test_privacy_withdrawal import document_bytes
from tests.flows.test_staff_loop import staff_member


async def _poster(running: Running, staff: SimUser) -> tuple[str, bytes, bytes]:
    await staff.send_command("poster")
    png, pdf = await staff.wait_for_messages(2, timeout=20)
    assert png.kind == "document" and pdf.kind == "document"
    assert png.text is not None and png.text.startswith("🖼 阳光社区 居民扫码海报（图片）")
    assert pdf.text == "🖨 同一张海报的 PDF 版，用 A4 纸打印更清晰，适合贴在公告栏。"
    names = [running.server.world.files.get(m.file_id or "") for m in (png, pdf)]
    assert [n.file_name if n else None for n in names] == ["阳光社区_居民扫码海报.png", "阳光社区_居民扫码海报.pdf"]
    (link,) = re.findall(r"https://t\.me/\S+", png.text)
    return link, await document_bytes(running, png), await document_bytes(running, pdf)


async def test_staff_get_a_poster_whose_link_brings_a_new_resident_into_the_community(running: Running) -> None:
    staff = await staff_member(running)
    link, png, pdf = await _poster(running, staff)
    username = running.app.bot.username
    match = re.fullmatch(rf"https://t\.me/{username}\?start=c_([a-z2-7]{{8}})", link)
    assert match is not None, link
    code = match.group(1)
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
    assert pdf.startswith(b"%PDF-") and b"NotoSansCJKsc" in pdf
    async with running.db.transaction() as tx:
        yangguang = await tx.communities.by_name("阳光社区")
        assert yangguang is not None and await tx.community_codes.code_of(yangguang.id) == code
    again, _, _ = await _poster(running, staff)
    assert again == link  # the same code on every poster: a printed one keeps working

    resident = await running.client.user(first_name="扫码的居民")
    await resident.send_command("start", f"c_{code}")
    (language,) = await resident.wait_for_messages()
    assert "请选择语言" in (language.text or "")
    await resident.press("中文")
    (notice,) = await resident.wait_for_messages()
    assert "您同意吗" in (notice.text or "")
    async with running.db.transaction() as tx:  # before consent nothing but the id, the language and the dialog
        user = await tx.users.get(resident.id)
        assert user is not None and user.community_id is None and not user.roles
    await resident.press("✅ 同意")
    chosen, ready, menu = await resident.wait_for_messages(3)
    assert chosen.text == "您的社区：阳光社区（来自社区海报）"
    assert ready.text is not None and ready.text.startswith("设置完成！") and "阳光社区" in ready.text
    assert menu.reply_keyboard is not None and "🙋 求助" in menu.button_texts()
    assert all("请选择您所在的社区" not in (m.text or "") for m in await resident.messages())
    async with running.db.transaction() as tx:
        user = await tx.users.get(resident.id)
        dialog = await tx.dialogs.get(resident.id)
    assert user is not None and user.community_id == yangguang.id and "resident" in user.roles
    assert dialog is not None and dialog.state == "menu" and dialog.data == {}


async def test_an_unknown_code_is_said_and_onboarding_asks_for_the_community(running: Running) -> None:
    resident = await running.client.user()
    await resident.send_command("start", "c_zzzzzzzz")
    unknown, language = await resident.wait_for_messages(2)
    assert unknown.text == "这个二维码已经失效了，请在后面的步骤里选择您的社区。"
    assert "请选择语言" in (language.text or "")
    await resident.press("中文")
    await resident.wait_for_messages()
    await resident.press("✅ 同意")
    (community_prompt,) = await resident.wait_for_messages()
    assert community_prompt.text == "请选择您所在的社区："


async def test_only_staff_get_a_poster(running: Running) -> None:
    from tests.flows.test_onboarding_flow import onboard

    resident = await running.client.user()
    await onboard(resident)
    await resident.send_command("poster")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "只有社区工作人员可以生成本社区的海报。"
    await resident.expect_silence(1.0)  # no file follows
    async with running.db.transaction() as tx, tx.conn.execute("SELECT COUNT(*) FROM community_codes") as cursor:
        assert (await cursor.fetchone())[0] == 0
