"""With many communities the resident types a name and picks from what matches."""

from __future__ import annotations

from storage.records import utc_now
from tests.conftest import Running


async def _many_communities(running: Running) -> None:
    async with running.db.transaction() as tx:
        for name in ("书院路社区", "天心阁社区", "白沙社区", "侯家塘社区", "左家塘社区", "井湾子社区"):
            await tx.communities.add(name, utc_now())


async def _to_community_step(running: Running, language_code: str = "zh-hans"):
    user = await running.client.user(language_code=language_code)
    await user.send_command("start")
    await user.wait_for_messages()
    await user.press("中文")
    await user.wait_for_messages()
    await user.press("✅ 同意")
    (prompt,) = await user.wait_for_messages()
    return user, prompt


async def test_search_by_name_offers_matches_and_retype(running: Running) -> None:
    await _many_communities(running)
    user, prompt = await _to_community_step(running)
    assert prompt.text.startswith("请输入您所在社区的名称") and not prompt.inline_keyboard

    await user.send_text("火星社区")
    (missing,) = await user.wait_for_messages()
    assert "没有找到“火星社区”" in missing.text

    await user.send_text("家塘")
    (choices,) = await user.wait_for_messages()
    assert choices.button_texts() == ["侯家塘社区", "左家塘社区", "都不是，重新输入"]
    await user.press("左家塘社区")
    ready, _menu = await user.wait_for_messages(2)
    assert "左家塘社区" in ready.text


async def test_stale_community_button_after_choice_is_refused_kindly(running: Running) -> None:
    await _many_communities(running)
    user, _ = await _to_community_step(running)
    await user.send_text("阳光")
    (older,) = await user.wait_for_messages()
    await user.send_text("阳光社区")
    (newer,) = await user.wait_for_messages()
    assert older.button_texts() == newer.button_texts() == ["阳光社区", "都不是，重新输入"]
    await user.press("阳光社区", message_id=newer.message_id)
    await user.wait_for_messages(2)
    answer = await user.press("都不是，重新输入", message_id=older.message_id)
    assert answer is not None and answer.text == "这个按钮已经过期了。"
    disarmed = await user.wait_for_edit(older.message_id)
    assert disarmed.text == "（这条消息的按钮已过期）" and not disarmed.inline_keyboard
    (repeat,) = await user.wait_for_messages()
    assert repeat.text == "请点下面的按钮，或直接说说您需要什么帮助。"
