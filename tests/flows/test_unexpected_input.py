"""/help and /cancel everywhere; stickers, huge messages, stale buttons and strangers get a kind answer."""

from __future__ import annotations

from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard


async def test_text_before_start_asks_for_start(running: Running) -> None:
    user = await running.client.user()
    await user.send_text("你好")
    (reply,) = await user.wait_for_messages()
    assert reply.text == "您好！请发送 /start 开始。"


async def test_help_and_cancel_during_onboarding_repeat_the_step(running: Running) -> None:
    user = await running.client.user()
    await user.send_command("start")
    await user.wait_for_messages()
    await user.press("中文")
    await user.wait_for_messages()
    await user.send_command("help")
    help_text, prompt = await user.wait_for_messages(2)
    assert "/cancel" in help_text.text and "您同意吗" in prompt.text
    await user.send_command("cancel")
    cancelled, prompt = await user.wait_for_messages(2)
    assert cancelled.text.startswith("好的。设置还没完成") and "您同意吗" in prompt.text


async def test_help_and_cancel_in_the_menu(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("求助")  # typed without the emoji
    (need_prompt,) = await user.wait_for_messages()
    assert need_prompt.text.startswith("请用一句话说说")
    await user.send_command("cancel")
    cancelled, menu = await user.wait_for_messages(2)
    assert cancelled.text == "已取消。" and menu.reply_keyboard is not None
    await user.send_command("help")
    (help_text,) = await user.wait_for_messages()
    assert "求助" in help_text.text and "/privacy" in help_text.text


async def test_sticker_photo_and_voice_get_a_hint_and_the_step_again(running: Running) -> None:
    user = await running.client.user()
    await user.send_command("start")
    await user.wait_for_messages()
    await user.send_sticker()
    hint, prompt = await user.wait_for_messages(2)
    assert hint.text == "收到您的表情，不过这一步我用不上它。"
    assert "请选择语言" in prompt.text
    await user.send_voice()
    hint, _ = await user.wait_for_messages(2)
    assert "语音" in hint.text


async def test_a_4000_character_message_is_refused_politely_and_nothing_breaks(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("帮" * 4000)
    (reply,) = await user.wait_for_messages()
    assert reply.text == "这条消息有 4,000 个字，太长了。请说得简短一些（不超过 500 个字）。"
    await user.send_text("帮助")
    (help_text,) = await user.wait_for_messages()
    assert "求助" in help_text.text


async def test_a_stale_consent_button_is_answered_and_disarmed(running: Running) -> None:
    user = await running.client.user()
    await user.send_command("start")
    await user.wait_for_messages()
    await user.press("中文")
    (older,) = await user.wait_for_messages()
    await user.send_command("help")  # repeats the notice: two messages now carry consent buttons
    _help, newer = await user.wait_for_messages(2)
    await user.press("✅ 同意", message_id=newer.message_id)
    await user.wait_for_messages()
    # Pressing "no" on the older notice: the chat has moved on, nothing changes.
    answer = await user.press("❌ 不同意", message_id=older.message_id)
    assert answer is not None and answer.text == "这个按钮已经过期了。"
    assert not (await user.wait_for_edit(older.message_id)).inline_keyboard
    (again,) = await user.wait_for_messages()
    assert again.text == "请选择您所在的社区："
    async with running.db.transaction() as tx:
        stored = await tx.users.get(user.id)
    assert stored is not None and stored.has_consented


async def test_unknown_command(running: Running) -> None:
    user = await running.client.user()
    await user.send_command("foo")
    (reply,) = await user.wait_for_messages()
    assert "/help" in reply.text
