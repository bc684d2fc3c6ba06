"""A follower of the community's 服务号, through the WeChat sandbox over HTTP, with the real bot: the answer
travels inside the HTTP answer to WeChat's callback (the passive reply) when it is ready within WeChat's 5
seconds, the rest as customer-service messages; the menu's CLICK keys work; outside the 48-hour window one
template notice says that something waits, and the messages come when the follower writes again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from channels.wechat import official
from sandbox.wechat import DEFAULT_AES_KEY, ReceivedMessage, WeChatResident, WeChatSandbox
from tests.conftest import Running, bot_running
from tests.flows.test_staff_loop import staff_member
from tests.flows.test_wechat_flow import City, until


@asynccontextmanager
async def with_official(city: City) -> AsyncIterator[tuple[Running, WeChatSandbox]]:
    async with WeChatSandbox() as wechat:
        settings = {
            "wechat_oa_app_id": wechat.oa_app_id, "wechat_oa_secret": "sandbox-oa-secret",
            "wechat_oa_token": wechat.token, "wechat_oa_aes_key": DEFAULT_AES_KEY, "wechat_oa_template_id": "TPL1",
            "wechat_oa_api_base": wechat.base_url, "wechat_listen": "127.0.0.1:0",
        }  # fmt: skip
        async with bot_running(city, **settings) as running:
            wechat.set_oa_callback_url(f"http://127.0.0.1:{running.app.bot_data.wechat.port}/wechat/oa")
            yield running, wechat


async def tap(follower: WeChatResident, message: ReceivedMessage, words: str) -> None:
    (ref, content) = next((ref, c) for kind, ref, c in message.items if kind == "click" and words in c)
    await follower.oa_send_text(content, bizmsgmenuid=ref)


async def onboard_follower(follower: WeChatResident) -> list[ReceivedMessage]:
    """Subscribe, choose Chinese, agree, choose 阳光社区; every message the follower got."""
    await follower.oa_subscribe()
    (language,) = await follower.wait_for_messages()
    await tap(follower, language, "中文")
    _chosen, consent = await follower.wait_for_messages(2)
    await follower.oa_send_text("1")
    await follower.wait_for_messages(2)
    await follower.oa_send_text("阳光社区")
    await follower.wait_for_messages(2)
    assert "您同意吗" in consent.text
    return await follower.messages()


async def test_answers_go_inside_the_callback_answer_then_as_customer_service_messages(city: City) -> None:
    async with with_official(city) as (_running, wechat):
        assert await wechat.verify_oa_url()
        follower = await wechat.resident()
        messages = await onboard_follower(follower)
        language = messages[0]
        assert language.channel == "oa_passive" and "请选择语言" in language.text
        assert [content for _kind, _ref, content in language.items] == ["1. 中文", "2. English"]  # tappable links
        channels = [m.channel for m in messages[1:]]
        assert channels == ["oa_passive", "oa_custom", "oa_passive", "oa_custom", "oa_passive", "oa_custom"]
        await follower.oa_click("HELP")  # the 服务号 menu's 更多 › 使用帮助
        (help_text,) = await follower.wait_for_messages()
        assert help_text.channel == "oa_passive" and "/privacy" in help_text.text

        record = wechat.last_oa_callback
        assert record is not None
        assert await wechat.post_raw_oa(record.query, record.body) == (200, "success")  # a retry: acted on once
        await follower.expect_silence(0.5)
        stats = wechat.stats()
        assert stats["passive_errors"] == 0 and stats["oa_callback_retries"] == 0


async def test_a_turn_slower_than_wechat_waits_answers_success_and_sends_the_reply_after(
    city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(official, "PASSIVE_WITHIN_S", 0.0)  # as if the turn took longer than WeChat waits
    async with with_official(city) as (_running, wechat):
        follower = await wechat.resident()
        await follower.oa_subscribe()
        (language,) = await follower.wait_for_messages()
        assert language.channel == "oa_custom" and "请选择语言" in language.text
        assert wechat.stats()["passive_replies"] == 0 and wechat.stats()["oa_callback_retries"] == 0


async def test_outside_the_window_one_notice_and_the_messages_when_the_follower_writes(city: City) -> None:
    async with with_official(city) as (running, wechat):
        staff = await staff_member(running)
        follower = await wechat.resident()
        await onboard_follower(follower)
        wechat.advance(49)
        for text in ("本周六上午九点，社区广场义诊。", "下周一停水。"):
            await staff.send_command("announce")
            await until(staff, "请输入公告内容")
            await staff.send_text(text)
            audience = await until(staff, "发给谁")
            await staff.press(audience.button_texts()[0])
            await staff.wait_for_edit(audience.message_id)
            await staff.press("📣 确认发送")
            await until(staff, "公告已开始发送")
        (notice,) = await follower.wait_for_messages(timeout=10)
        assert notice.channel == "oa_template" and "社区广场义诊" in notice.text  # one notice per closed window
        await follower.expect_silence(1.0)
        await follower.oa_send_text("你好")
        messages = await follower.wait_for_messages(3, timeout=10)
        texts = "\n".join(m.text for m in messages)
        assert "社区广场义诊" in texts and "下周一停水" in texts
