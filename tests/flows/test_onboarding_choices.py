"""Onboarding choices: language guess and change, saying no (and changing one's mind), /privacy."""

from __future__ import annotations

from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard


async def test_english_is_guessed_and_the_notice_follows_the_choice(running: Running) -> None:
    user = await running.client.user(first_name="Tom", language_code="en-GB")
    await user.send_command("start")
    (prompt,) = await user.wait_for_messages()
    assert prompt.text.startswith("Hello! Please choose your language.")
    assert prompt.button_texts() == ["中文", "English"]
    await user.press("English")
    (notice,) = await user.wait_for_messages()
    assert notice.text.startswith("Welcome to Sanshe") and notice.button_texts()[0] == "✅ I agree"


async def test_language_can_be_changed_later_and_the_step_is_repeated(running: Running) -> None:
    user = await running.client.user(language_code="zh-hans")
    await onboard(user)
    await user.send_command("language")
    await user.wait_for_messages()
    await user.press("English")
    (menu,) = await user.wait_for_messages()
    assert menu.text == "Press a button below, or just tell me what help you need."
    assert menu.reply_keyboard is not None and menu.reply_keyboard[0][0].text == "🙋 Ask for help"
    async with running.db.transaction() as tx:
        stored = await tx.users.get(user.id)
    assert stored is not None and stored.locale == "en"


async def test_no_is_respected_keeps_nothing_and_is_reversible(running: Running) -> None:
    user = await running.client.user(language_code="zh-hans")
    await user.send_command("start")
    await user.wait_for_messages()
    await user.press("中文")
    (notice,) = await user.wait_for_messages()
    await user.press("❌ 不同意")
    declined = await user.wait_for_edit(notice.message_id)
    assert "不会保存" in declined.text and declined.button_texts() == ["重新查看说明"]
    async with running.db.transaction() as tx:
        stored = await tx.users.get(user.id)
    assert stored is not None
    assert stored.consent_at is None and stored.community_id is None and not stored.roles

    await user.send_text("我想找人修水管")  # a need before consent is not kept, and the bot says why
    (reminder,) = await user.wait_for_messages()
    assert "还没有同意" in reminder.text

    await user.press("重新查看说明", message_id=reminder.message_id)
    (notice_again,) = await user.wait_for_messages()
    await user.press("✅ 同意", message_id=notice_again.message_id)
    (community_prompt,) = await user.wait_for_messages()
    assert community_prompt.text == "请选择您所在的社区："


async def test_typed_consent_is_understood(running: Running) -> None:
    user = await running.client.user(language_code="zh-hans")
    await user.send_command("start")
    await user.wait_for_messages()
    await user.send_text("中文")
    await user.wait_for_messages()
    await user.send_text("同意")
    (community_prompt,) = await user.wait_for_messages()
    assert community_prompt.text == "请选择您所在的社区："


async def test_privacy_shows_what_is_kept_in_chinese_and_withdrawal_wipes_it(running: Running) -> None:
    user = await running.client.user(language_code="zh-hans")
    await onboard(user)
    await user.send_command("privacy")
    (summary,) = await user.wait_for_messages()
    assert "社区：阳光社区" in summary.text
    assert "年" in summary.text and "月" in summary.text and "日" in summary.text  # 2026年11月28日 10:16
    await user.press("撤回同意并删除我的信息")
    confirm = await user.wait_for_edit(summary.message_id)
    assert confirm.button_texts() == ["确定删除", "不删了"]
    await user.press("确定删除")
    (closed,) = await user.wait_for_messages()
    assert closed.remove_keyboard
    async with running.db.transaction() as tx:
        stored = await tx.users.get(user.id)
    assert stored is not None and stored.consent_at is None and stored.community_id is None
    assert stored.locale == "zh_CN"
