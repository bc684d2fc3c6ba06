"""A resident on WeChat (微信客服), through the WeChat sandbox over HTTP, with the real bot: the same dialog as on
Telegram, choices answered by number, by words or by tapping a menu item; a provider on Telegram serves them;
the 48-hour window holds what cannot be sent; forged, stale, broken and replayed callbacks do nothing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from sandbox import SandboxClient, SandboxServer
from sandbox.client import BotMessage, SimUser
from sandbox.wechat import DEFAULT_AES_KEY, ReceivedMessage, WeChatResident, WeChatSandbox
from storage.records import utc_now
from tests.conftest import DbLocation, Running, bot_running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, file_pipe_request, providers
from tests.flows.test_staff_loop import staff_member
from tests.flows.test_votes import open_round

City = tuple[SandboxServer, SandboxClient, DbLocation]
# WeChat busy becomes PTB's RetryAfter (bot/channel_bot.py), whose retry_after PTB warns about reading.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@asynccontextmanager
async def with_wechat(city: City, **overrides: object) -> AsyncIterator[tuple[Running, WeChatSandbox]]:
    async with WeChatSandbox() as wechat:
        settings = {
            "wechat_corp_id": wechat.corp_id, "wechat_secret": "sandbox-secret", "wechat_token": "sandboxtoken",
            "wechat_aes_key": DEFAULT_AES_KEY, "wechat_kf_id": wechat.open_kfid, "wechat_api_base": wechat.base_url,
            "wechat_listen": "127.0.0.1:0", **overrides,
        }  # fmt: skip
        async with bot_running(city, **settings) as running:
            wechat.set_callback_url(f"http://127.0.0.1:{running.app.bot_data.wechat.port}/wechat")
            yield running, wechat


def item(message: ReceivedMessage, words: str) -> tuple[str, str]:
    """The menu item (its id and what it says) whose words contain `words`."""
    (found,) = [(ref, content) for kind, ref, content in message.items if kind == "click" and words in content]
    return found


async def pick(resident: WeChatResident, message: ReceivedMessage, words: str) -> None:
    """Choose the choice that says `words`: tap its menu item, or, when the choices came as numbered lines (more
    than a menu holds), type its number."""
    if message.items:
        await resident.tap_menu(*item(message, words))
        return
    (number,) = [line.split(".")[0] for line in message.text.splitlines() if line[:1].isdigit() and words in line]
    await resident.send_text(number)


async def answer(resident: WeChatResident, count: int) -> ReceivedMessage:
    """The bot's answer: `count` messages (WeChat cannot edit, so the acknowledgement of a choice comes as a
    message of its own before the next question); the last one."""
    return (await resident.wait_for_messages(count, timeout=10))[-1]


async def until(person: SimUser, start: str) -> BotMessage:
    """The next message of a Telegram user that starts with `start` (what came before it is passed over)."""
    while True:
        (message,) = await person.wait_for_messages(timeout=10)
        if (message.text or "").startswith(start):
            return message


async def onboard_on_wechat(resident: WeChatResident) -> None:
    await resident.enter_session()  # opened from the community's QR code, before writing anything
    language = await answer(resident, 1)
    assert language.msgtype == "msgmenu" and "请选择语言" in language.text
    await resident.tap_menu(*item(language, "中文"))
    consent = await answer(resident, 2)  # 语言已设为：中文, then the notice
    assert "您同意吗" in consent.text
    await resident.send_text("1")  # the number of ✅ 同意
    communities = await answer(resident, 2)
    assert "请选择您所在的社区" in communities.text
    await resident.send_text("阳光社区")  # the words of a choice
    menu = await answer(resident, 2)  # 您的社区：阳光社区, then 设置完成 and the menu as one message
    assert "回复数字" in menu.text or menu.items


async def file_on_wechat(resident: WeChatResident) -> str:
    await resident.send_text("厨房下水道堵了，水下不去")
    services = await answer(resident, 1)
    await resident.tap_menu(*item(services, "管道疏通"))
    await answer(resident, 2)  # 您选择了：管道疏通, 什么时候需要？
    await resident.send_text("今天")
    where = await answer(resident, 2)
    assert all("位置" not in content for _kind, _ref, content in where.items)  # WeChat cannot share a location
    await resident.send_text("阳光小区3栋2单元501")
    contact = await answer(resident, 1)
    assert "请输入您的11位手机号" in contact.text  # WeChat's own words: there is no "share my phone" here
    offered = [content for _kind, _ref, content in contact.items]
    assert offered[0] == "1. 💬 只在这里联系我" and not any("电话" in words for words in offered)
    await resident.send_text("13812345678")
    await answer(resident, 1)
    await resident.send_text("跳过")
    summary = await answer(resident, 1)
    assert "13812345678" in summary.text
    await resident.tap_menu(*item(summary, "提交"))
    filed = await answer(resident, 2)  # 正在提交…… then the reference
    assert "正在为您联系服务人员" in filed.text
    return filed.text.split("编号是 ")[1].split("，")[0]


async def test_a_wechat_resident_files_a_telegram_provider_serves_and_they_rate(city: City) -> None:
    async with with_wechat(city, dispatch_top_k=1) as (running, wechat):
        (chen,) = await providers(running, CHEN)
        resident = await wechat.resident("王阿姨")
        await onboard_on_wechat(resident)
        reference = await file_on_wechat(resident)

        (push,) = await chen.wait_for_messages(timeout=10)
        assert push.text.startswith(f"🆕 新任务 {reference}") and "13812345678" not in push.text
        await chen.press("✅ 接单")
        won = await chen.wait_for_edit(push.message_id)
        assert "• 电话：13812345678" in won.text and "• 地址：阳光小区3栋2单元501" in won.text
        (accepted,) = await resident.wait_for_messages(timeout=10)
        assert "陈社工（阳光社工服务中心）会为您服务" in accepted.text
        await chen.press("✅ 完成")
        await chen.wait_for_messages()
        await chen.send_text("疏通好了，下水正常")
        await chen.wait_for_messages()
        (done,) = await resident.wait_for_messages(timeout=10)
        assert "疏通好了，下水正常" in done.text
        await resident.tap_menu(*item(done, "⭐⭐⭐⭐⭐"))
        await answer(resident, 2)

        async with running.db.transaction() as tx:
            person = await tx.wechat.person_for(wechat.open_kfid, resident.external_userid, utc_now())
            (request,) = await tx.requests.of_resident(person.person_id)
            history = [h.to_status for h in await tx.requests.history(request.id)]
        assert request.provider_id == CHEN and request.rating == 5 and person.person_id >= 1 << 53
        assert history == ["submitted", "dispatched", "accepted", "done", "rated"]
        stats = wechat.stats()
        assert stats["callback_retries"] == 0 and set(stats["send_msg"]) == {0}  # no refusals, no retries


async def test_outside_the_window_a_message_waits_until_the_resident_writes_again(city: City) -> None:
    async with with_wechat(city, dispatch_top_k=1) as (running, wechat):
        (chen,) = await providers(running, CHEN)
        resident = await wechat.resident()
        await onboard_on_wechat(resident)
        reference = await file_on_wechat(resident)
        (push,) = await chen.wait_for_messages(timeout=10)
        wechat.advance(49)  # two days later, the provider accepts
        await chen.press("✅ 接单")
        await chen.wait_for_edit(push.message_id)
        await resident.expect_silence(1.0)  # WeChat refuses (45015): held, not lost, not retried for ever
        assert wechat.stats()["send_msg"].get(45015) == 1
        await resident.send_text("有人来吗？")
        messages = await resident.wait_for_messages(2, timeout=10)
        assert any(f"您的求助 {reference}" in m.text and "会为您服务" in m.text for m in messages)


async def test_forged_stale_broken_and_replayed_callbacks_do_nothing(city: City) -> None:
    async with with_wechat(city) as (_running, wechat):
        resident = await wechat.resident()
        await onboard_on_wechat(resident)
        await resident.send_text("/help")
        await resident.wait_for_messages()
        record = wechat.last_callback
        assert record is not None
        before = len(await resident.messages())

        assert await wechat.post_raw(record.query, record.body) == (200, "success")  # WeChat's retry: acted on once
        forged = {**record.query, "msg_signature": "0" * 40}
        assert (await wechat.post_raw(forged, record.body))[0] == 403
        stale = dict(record.query)
        stale["timestamp"] = str(int(time.time()) - 3600)
        stale["msg_signature"] = wechat.crypto.sign(stale["timestamp"], stale["nonce"], _encrypt(record.body))
        assert (await wechat.post_raw(stale, record.body))[0] == 403
        assert (await wechat.post_raw(record.query, b"<xml><Encrypt>"))[0] == 400
        billion = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
        assert (await wechat.post_raw(record.query, billion))[0] in (400, 403)
        await resident.expect_silence(1.0)
        assert len(await resident.messages()) == before


def _encrypt(body: bytes) -> str:
    return body.split(b"<Encrypt><![CDATA[")[1].split(b"]]>")[0].decode()


async def test_announcements_reach_wechat_residents_one_by_one_and_wait_for_a_closed_window(city: City) -> None:
    async with with_wechat(city) as (running, wechat):
        staff = await staff_member(running)
        resident = await wechat.resident()
        await onboard_on_wechat(resident)
        await staff.send_command("announce")
        await until(staff, "请输入公告内容")
        await staff.send_text("本周六上午九点，社区广场义诊。")
        audience = await until(staff, "发给谁")
        await staff.press(audience.button_texts()[0])
        await staff.wait_for_edit(audience.message_id)
        wechat.expire_tokens()  # WeChat answers 42001 once: a new token is fetched and the send tried again
        await staff.press("📣 确认发送")
        (news,) = await resident.wait_for_messages(timeout=10)
        assert news.text.startswith("📣 阳光社区公告") and "社区广场义诊" in news.text
        assert wechat.stats()["gettoken"] == 2

        wechat.advance(49)  # the window is closed: the next announcement waits for the resident
        await staff.send_command("announce")
        await until(staff, "请输入公告内容")
        await staff.send_text("下周一停水。")
        audience = await until(staff, "发给谁")
        await staff.press(audience.button_texts()[0])
        await staff.wait_for_edit(audience.message_id)
        await staff.press("📣 确认发送")
        await resident.expect_silence(1.5)
        await resident.send_text("/privacy")  # opens the window again: the held notice goes too
        messages = await resident.wait_for_messages(2, timeout=10)
        assert any("下周一停水" in m.text for m in messages)


async def test_wechat_busy_is_tried_again_and_the_message_arrives_once(city: City) -> None:
    async with with_wechat(city) as (_running, wechat):
        resident = await wechat.resident()
        await onboard_on_wechat(resident)
        wechat.fail_next("/cgi-bin/kf/send_msg", -1)  # 系统繁忙
        await resident.send_text("/help")
        (help_text,) = await resident.wait_for_messages(timeout=15)
        assert "/privacy" in help_text.text
        await resident.expect_silence(1.0)
        sends = wechat.stats()["send_msg"]
        assert sends[-1] == 1  # refused once, then sent once: not twice


async def test_a_wechat_resident_withdraws_consent_and_is_told_so_on_wechat(city: City) -> None:
    async with with_wechat(city) as (running, wechat):
        resident = await wechat.resident()
        await onboard_on_wechat(resident)
        async with running.db.transaction() as tx:
            person = await tx.wechat.person_for(wechat.open_kfid, resident.external_userid, utc_now())
        await resident.send_text("/privacy")
        summary = await answer(resident, 1)
        await resident.tap_menu(*item(summary, "撤回同意"))
        confirm = await answer(resident, 1)
        assert "确定要撤回同意并删除吗" in confirm.text
        await resident.tap_menu(*item(confirm, "确定删除"))
        messages = await resident.wait_for_messages(2, timeout=10)
        assert any("已删除您的个人信息" in m.text for m in messages)  # an edit on Telegram: a message here
        async with running.db.transaction() as tx:
            user = await tx.users.get(person.person_id)
            assert user is not None and user.consent_at is None and user.community_id is None


async def arrived(
    person: WeChatResident,
    wanted: Callable[[ReceivedMessage], bool],
    *,
    newest: bool,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> ReceivedMessage:
    """A message the person received that is `wanted` (the newest such, or the first), waiting for it."""
    async with asyncio.timeout(timeout):
        while True:
            messages = await person.messages()
            for message in reversed(messages) if newest else messages:
                if wanted(message):
                    return message
            await asyncio.sleep(0.05)


async def newest_with(person: WeChatResident, words: str) -> ReceivedMessage:
    """The newest message with a menu item containing `words`, waiting for it (edits arrive as new messages)."""
    return await arrived(
        person, lambda m: any(words in content for kind, _ref, content in m.items if kind == "click"), newest=True
    )


async def says(person: WeChatResident, words: str) -> ReceivedMessage:
    """The first message whose words contain `words`, waiting for it."""
    return await arrived(person, lambda m: words in m.text, newest=False)


async def test_a_volunteer_registers_and_serves_from_wechat(city: City) -> None:
    async with with_wechat(city, dispatch_top_k=2) as (running, wechat):
        staff = await staff_member(running)
        await staff.send_command("invite", "志愿者 阳光社工服务中心")
        invite = await until(staff, "邀请链接")
        payload = invite.text.split("?start=")[1].split()[0]
        await providers(running, CHEN)  # a social worker to supervise the volunteer

        li = await wechat.resident("小李")
        await li.enter_session(scene_param=payload)  # the 客服 link with the invitation in it
        (welcome,) = await li.wait_for_messages()  # one message only may answer an opened chat: the two as one
        assert welcome.text.startswith("欢迎！您被邀请登记为志愿者。\n\n请告诉我怎么称呼您")
        await li.send_text("小李")
        services = await answer(li, 1)
        for _ in range(2):  # the third page of services (a new message each time: WeChat cannot edit)
            await pick(li, services, "下一页")
            services = await answer(li, 1)
        await pick(li, services, "管道疏通")
        await pick(li, await answer(li, 1), "选好了")
        communities = await answer(li, 2)  # the services chosen, then the communities
        assert "✅ 阳光社区" in communities.as_text()
        await pick(li, communities, "选好了")
        await pick(li, await answer(li, 2), "陈社工")
        await newest_with(li, "我的任务")  # the provider's menu: registered
        async with running.db.transaction() as tx:
            person = await tx.wechat.person_for(wechat.open_kfid, li.external_userid, utc_now())
            registered = await tx.providers.get(person.person_id)
        assert registered is not None and registered.kind == "volunteer" and "S020" in registered.service_ids

        resident = await running.client.user(first_name="王阿姨")  # a resident on Telegram
        await onboard(resident)
        reference = await file_pipe_request(resident)
        push = await newest_with(li, "接单")
        assert push.text.startswith(f"🆕 新任务 {reference}") and "13812345678" not in push.text
        await li.tap_menu(*item(push, "接单"))
        details = await newest_with(li, "出发")
        assert "• 电话：13812345678" in details.text  # the contact, to the one who accepted, on WeChat
        (accepted,) = await resident.wait_for_messages(timeout=10)
        assert "小李（阳光社工服务中心）会为您服务" in accepted.text


async def test_a_wechat_resident_gets_their_data_as_a_file(city: City) -> None:
    async with with_wechat(city) as (_running, wechat):
        resident = await wechat.resident()
        await onboard_on_wechat(resident)
        await resident.send_text("/privacy")
        summary = await answer(resident, 1)
        await pick(resident, summary, "导出我的数据")
        # 正在发送文件… (Telegram shows it as a toast), the caption, the file.
        _toast, _caption, document = await resident.wait_for_messages(3, timeout=10)
        assert document.msgtype == "file"
        kind, filename, content = wechat.state.media[document.raw["file"]["media_id"]]
        assert kind == "file" and filename.startswith("sanshe-my-data-") and filename.endswith(".json")
        exported = json.loads(content.decode("utf-8"))
        assert exported["profile"]["community"] == "阳光社区"


async def test_a_callback_for_another_kf_account_of_the_corp_is_not_read(city: City) -> None:
    async with with_wechat(city) as (_running, wechat):
        inner = (
            "<xml><ToUserName><![CDATA[wwsandbox]]></ToUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]>"
            "</MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[t]]></Token>"
            "<OpenKfId><![CDATA[wkSTAFFEDBYPEOPLE]]></OpenKfId></xml>"
        )
        encrypted = wechat.crypto.encrypt(inner)
        timestamp, nonce = str(int(time.time())), "n1"
        query = {"msg_signature": wechat.crypto.sign(timestamp, nonce, encrypted), "timestamp": timestamp,
                 "nonce": nonce}  # fmt: skip
        body = f"<xml><ToUserName><![CDATA[wwsandbox]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        assert await wechat.post_raw(query, body.encode()) == (200, "success")
        assert wechat.stats()["sync_msg"] == 0  # its messages are not ours to read or act on


async def test_messages_whose_callbacks_were_lost_are_read_when_the_bot_starts(city: City) -> None:
    async with WeChatSandbox(callback_timeout=0.5, retries=1) as wechat:
        settings = {
            "wechat_corp_id": wechat.corp_id, "wechat_secret": "sandbox-secret", "wechat_token": "sandboxtoken",
            "wechat_aes_key": DEFAULT_AES_KEY, "wechat_kf_id": wechat.open_kfid, "wechat_api_base": wechat.base_url,
            "wechat_listen": "127.0.0.1:0",
        }  # fmt: skip
        resident = await wechat.resident()
        wechat.set_callback_url("http://127.0.0.1:9/wechat")  # the bot is down: WeChat's callbacks go nowhere
        await resident.send_text("你好")
        await wechat.callbacks_idle(timeout=10)
        assert wechat.stats()["callback_failures"] == 1
        async with bot_running(city, **settings):
            (greeting,) = await resident.wait_for_messages(timeout=10)  # read at start, answered
        assert "请选择语言" in greeting.text


async def test_a_wechat_resident_votes_on_the_community_projects(city: City) -> None:
    async with with_wechat(city) as (running, wechat):
        staff = await staff_member(running)
        resident = await wechat.resident()
        await onboard_on_wechat(resident)
        await open_round(staff)
        news = await newest_with(resident, "去投票")
        assert news.text.startswith("🗳 阳光社区项目评议：2027年微实事项目")
        await pick(resident, news, "去投票")
        ballot = await newest_with(resident, "儿童四点半课堂")
        assert "您还没有投票" in ballot.text
        await pick(resident, ballot, "儿童四点半课堂")
        await says(resident, "您现在投给了：2. 儿童四点半课堂")  # the ballot as it is now (an edit on Telegram)
        assert any(m.text == "已投给 2. 儿童四点半课堂" for m in await resident.messages())  # Telegram's toast
        async with running.db.transaction() as tx:
            cursor = await tx.conn.execute("SELECT COUNT(*) FROM votes")
            assert (await cursor.fetchone())[0] == 1
