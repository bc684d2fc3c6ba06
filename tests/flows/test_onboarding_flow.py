"""Resident onboarding through the real bot over HTTP: /start → language → consent → community → menu."""

from __future__ import annotations

from sandbox import SimUser
from tests.conftest import Running


async def onboard(user: SimUser, community_text: str = "阳光社区") -> None:
    await user.send_command("start")
    (language,) = await user.wait_for_messages()
    assert "请选择语言" in language.text
    await user.press("中文")
    edited = await user.wait_for_edit(language.message_id)
    assert edited.text == "语言已设为：中文" and not edited.inline_keyboard
    (notice,) = await user.wait_for_messages()
    assert "您同意吗" in notice.text
    await user.press("✅ 同意")
    assert (await user.wait_for_edit(notice.message_id)).text == "谢谢您的信任！"
    (community_prompt,) = await user.wait_for_messages()
    assert community_prompt.text == "请选择您所在的社区："
    await user.press(community_text)
    assert (await user.wait_for_edit(community_prompt.message_id)).text == f"您的社区：{community_text}"
    ready, menu = await user.wait_for_messages(2)
    assert community_text in ready.text
    assert menu.reply_keyboard is not None


async def test_happy_path_reaches_main_menu_and_is_stored(running: Running) -> None:
    user = await running.client.user(first_name="王阿姨", language_code="zh-hans")
    await onboard(user)
    menu = (await user.messages())[-1]
    buttons = [b.text for row in menu.reply_keyboard or [] for b in row]
    assert buttons == ["🙋 求助", "📋 我的求助", "❓ 帮助"]
    async with running.db.transaction() as tx:
        stored = await tx.users.get(user.id)
        dialog = await tx.dialogs.get(user.id)
    assert stored is not None and stored.has_consented and stored.locale == "zh_CN"
    assert "resident" in stored.roles
    assert stored.community_id is not None
    assert dialog is not None and dialog.state == "menu"
