"""Withdrawn consent means gone (PIPL), through the real bot and read back from the SQLite file's bytes:
a resident with a finished, rated request (photo, phone typed into the need, address, note, a provider's note
naming the address, an ID number in the rating comment) and a second, open one sees all of it listed under
/privacy, exports it, withdraws — and then the open request is cancelled (its provider told the reference
alone), nothing of theirs is left in the .db or the -wal, and the needs book and statistics still count both."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from core.privacy import NEED_ERASED
from sandbox import BotMessage, SandboxClient, SandboxServer, SimUser
from storage.db import Database
from storage.records import utc_now
from tests.conftest import Running, bot_running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, ZHAO, providers

RESIDENT = 734512986  # distinctive, so that its digits can be looked for in the file
PHONE = "13987654321"
ADDRESS = "阳光小区9栋3单元902室"
NEED_WORDS = "锅碗瓢盆泡了三天"
NOTE = "门口有只大黄狗别怕"
WHEN_TEXT = "周六上午十点以后"
PROVIDER_NOTE = "已到9栋3单元902疏通完毕"
ID_NUMBER = "110101195003071234"
COMMENT = f"师傅很好，身份证{ID_NUMBER}"
SECOND_NEED = "卫生间水龙头一直滴水吵得睡不着"
# What must not survive: everything the resident wrote, and every part of the address.
SECRETS = (PHONE, ADDRESS, "9栋3单元902", NEED_WORDS, NOTE, WHEN_TEXT, PROVIDER_NOTE, "疏通完毕", ID_NUMBER,
           "师傅很好", SECOND_NEED, "滴水吵得")  # fmt: skip


def file_bytes(db_path: Path) -> bytes:
    """The database as a file reader sees it: the main file and, if there is one, its write-ahead log."""
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def leftovers(data: bytes, values: tuple[str, ...]) -> list[str]:
    return [v for v in values if v.encode("utf-8") in data]


async def file_request(resident: SimUser, *, photo: bool, need: str, service: str, when: str) -> str:
    if photo:
        await resident.send_photo(caption=need)
    else:
        await resident.send_text(need)
    (pick,) = await resident.wait_for_messages()
    await resident.press(service, message_id=pick.message_id)
    await resident.wait_for_messages()  # when
    await resident.press(when)
    if when == "约个时间":
        await resident.wait_for_messages()
        await resident.send_text(WHEN_TEXT)
    await resident.wait_for_messages()
    await resident.send_text(ADDRESS)
    await resident.wait_for_messages()
    await resident.send_text(PHONE)
    await resident.wait_for_messages()
    await resident.send_text(NOTE if photo else "跳过")
    (summary,) = await resident.wait_for_messages()
    await resident.press("✅ 提交", message_id=summary.message_id)
    (filed,) = await resident.wait_for_messages()
    assert "编号是 " in (filed.text or ""), filed
    return (filed.text or "").split("编号是 ")[1].split("，")[0]


async def push_for(provider: SimUser, reference: str) -> BotMessage:
    (push,) = await provider.wait_for_messages(timeout=10)
    assert push.text is not None and push.text.startswith(f"🆕 新任务 {reference}"), push
    return push


async def document_bytes(running: Running, message: BotMessage) -> bytes:
    assert message.kind == "document" and message.file_id is not None, message
    file = await running.app.bot.get_file(message.file_id)
    return bytes(await file.download_as_bytearray())


@pytest.mark.sqlite_only  # it reads the database file's bytes; PostgresDatabase.checkpoint says what PostgreSQL does
async def test_withdrawal_cancels_erases_and_leaves_no_trace_in_the_file(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    _, _, db_path = city
    assert leftovers(file_bytes(db_path), SECRETS) == []  # the values are distinctive: the seed has none of them
    async with bot_running(city) as running:
        chen, zhao = await providers(running, CHEN, ZHAO)
        resident = await running.client.user(RESIDENT, first_name="王阿姨")
        await onboard(resident)

        # A finished request: photo, phone in the need, address, note; the provider's note names the address.
        first = await file_request(resident, photo=True, need=f"厨房下水道堵了，{NEED_WORDS}，电话{PHONE}",
                                   service="管道疏通 · 巧手便民维修队", when="今天")  # fmt: skip
        push_chen_1, push_zhao_1 = await push_for(chen, first), await push_for(zhao, first)
        await chen.press("✅ 接单", message_id=push_chen_1.message_id)
        await chen.wait_for_edit(push_chen_1.message_id)
        await resident.wait_for_messages(timeout=10)  # 已有人接单
        await chen.press("🚶 出发", message_id=push_chen_1.message_id)
        await resident.wait_for_messages(timeout=10)  # 服务人员已出发
        await chen.press("✅ 完成", message_id=push_chen_1.message_id)
        await chen.wait_for_messages()
        await chen.send_text(PROVIDER_NOTE)
        await chen.wait_for_messages(2)  # thanks, then how long it took (left unanswered)
        (done,) = await resident.wait_for_messages(timeout=10)
        await resident.press("⭐⭐⭐⭐", message_id=done.message_id)
        await resident.wait_for_messages()  # 还想说点什么吗
        await resident.send_text(COMMENT)
        await resident.wait_for_messages(2)  # 收到，谢谢您！ and the menu

        # A second request, accepted and not yet done when the resident withdraws.
        second = await file_request(resident, photo=False, need=SECOND_NEED, service="水电维修 · 巧手便民维修队",
                                    when="约个时间")  # fmt: skip
        push_chen_2, push_zhao_2 = await push_for(chen, second), await push_for(zhao, second)
        await chen.press("✅ 接单", message_id=push_chen_2.message_id)
        won = await chen.wait_for_edit(push_chen_2.message_id)
        assert PHONE in (won.text or "")  # the winner sees the contact, as before
        await resident.wait_for_messages(timeout=10)  # 已有人接单

        async with running.db.transaction() as tx:
            requests = {r.reference: r for r in await tx.requests.of_resident(RESIDENT)}
            ((_, photo_id),) = await tx.requests.attachments(requests[first].id)
            community_id = requests[first].community_id
        secrets = (*SECRETS, photo_id)
        assert leftovers(file_bytes(db_path), secrets) == list(secrets)  # the check sees what is there

        # /privacy lists it all, by kind; the export holds it all.
        await resident.send_command("privacy")
        (summary,) = await resident.wait_for_messages()
        for line in ("• 社区：阳光社区", "• 求助记录：2 条（其中进行中 1 条）", "留了电话的：2 条",
                     "留了地址或位置的：2 条", "照片和语音：1 个", "评价：1 条（其中写了评语的 1 条）",
                     "处理备注：1 条"):  # fmt: skip
            assert line in (summary.text or ""), (line, summary.text)
        assert summary.button_texts() == ["导出我的数据", "撤回同意并删除我的信息"]
        await resident.press("导出我的数据", message_id=summary.message_id)
        (export,) = await resident.wait_for_messages()
        exported = json.loads((await document_bytes(running, export)).decode("utf-8"))
        assert exported["telegram_id"] == RESIDENT and exported["profile"]["community"] == "阳光社区"
        by_reference = {r["reference"]: r for r in exported["requests"]}
        assert by_reference[first]["phone"] == PHONE and by_reference[first]["address"] == ADDRESS
        assert by_reference[first]["rating"] == 4 and by_reference[first]["rating_comment"] == COMMENT
        assert by_reference[first]["attachments"][0]["file_id"] == photo_id
        assert PROVIDER_NOTE in [h["note"] for h in by_reference[first]["history"]]
        assert by_reference[second]["when_text"] == WHEN_TEXT and by_reference[second]["status"] == "accepted"
        assert "服务人员已出发" in json.dumps(exported["messages_to_you"], ensure_ascii=False)

        # Withdraw.
        await resident.press("撤回同意并删除我的信息", message_id=summary.message_id)
        confirm = await resident.wait_for_edit(summary.message_id)
        assert "进行中的求助会取消" in (confirm.text or "")
        await resident.press("确定删除", message_id=summary.message_id)
        (closed,) = await resident.wait_for_messages()
        assert closed.remove_keyboard
        withdrawn = await resident.wait_for_edit(summary.message_id)
        assert second in (withdrawn.text or "") and first not in (withdrawn.text or "")

        # The provider of the open request is told its reference and nothing else.
        (cancelled,) = await chen.wait_for_messages(timeout=10)
        assert second in (cancelled.text or "") and "已取消" in (cancelled.text or "")
        assert leftovers((cancelled.text or "").encode(), secrets) == []
        # Every message that showed the resident's requests to a provider is blanked in their chat.
        for provider, push in ((chen, push_chen_1), (chen, push_chen_2), (zhao, push_zhao_1), (zhao, push_zhao_2)):
            blanked = await provider.wait_for_edit(push.message_id, timeout=10)
            assert "求助人已撤回同意" in (blanked.text or "") and not blanked.inline_keyboard, blanked
        for provider in (chen, zhao):
            shown = "\n".join(m.text or "" for m in await provider.messages())
            assert leftovers(shown.encode(), secrets) == [], shown
        # The task is over: setting off does nothing, and the resident hears nothing more.
        await chen.press_forged(f"tk:start:{requests[second].id}")
        await resident.expect_silence(0.5)

        # /privacy now has nothing to list.
        await resident.send_command("privacy")
        (after,) = await resident.wait_for_messages()
        assert after.text == "我们没有保存您的个人信息，只记得您的 Telegram 编号和语言，以便和您对话。"

        # While the bot still runs, the erased values leave the .db and the -wal (checkpointed after commit).
        for _ in range(100):
            if not leftovers(file_bytes(db_path), secrets):
                break
            await asyncio.sleep(0.05)
        assert leftovers(file_bytes(db_path), secrets) == []

    # The bot has stopped and closed the file: not a byte of it, nor their id written out as text.
    data = file_bytes(db_path)
    assert leftovers(data, (*secrets, str(RESIDENT))) == []

    db = await Database.open(f"sqlite:///{db_path}")
    try:
        async with db.transaction() as tx:
            now = utc_now()
            facts = {f.reference: f for f in await tx.reports.needs(community_id, now - timedelta(days=1), now)}
            offers = [f for f in await tx.providers.offer_facts(now - timedelta(days=1), now) if f.provider_id == CHEN]
            assert await tx.requests.of_resident(RESIDENT) == []
            user = await tx.users.get(RESIDENT)
            cursor = await tx.conn.execute("SELECT text FROM outbox WHERE chat_id = ?", (RESIDENT,))
            to_resident = [row[0] for row in await cursor.fetchall()]
    finally:
        await db.close()
    # The needs book and the statistics still count both requests, anonymously.
    assert facts[first].status == "rated" and facts[first].rating == 4 and facts[first].category is not None
    assert facts[second].status == "cancelled"
    assert {f.need_text for f in facts.values()} == {NEED_ERASED}
    assert sorted(f.answer or "" for f in offers) == ["accepted", "accepted"] and [f.rating for f in offers].count(4)
    # What is left of the person is what is kept before consent: the id, the language, that they said no.
    assert user is not None and user.consent_at is None and user.community_id is None and user.building is None
    assert user.locale == "zh_CN" and user.consent_declined_at is not None and "resident" not in user.roles
    # Messages to them that the outbox keeps are only the replies from the withdrawal on (if replies are kept).
    assert not [text for text in to_resident if first in text or "新进展" in text], to_resident


@pytest.mark.parametrize("how", ["button", "typed"])
async def test_saying_no_to_the_notice_shown_again_is_a_withdrawal_too(running: Running, how: str) -> None:
    (chen,) = await providers(running, CHEN)
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    await resident.send_text(SECOND_NEED)
    (pick,) = await resident.wait_for_messages()
    await resident.press("水电维修 · 巧手便民维修队", message_id=pick.message_id)
    await resident.wait_for_messages()
    await resident.press("尽快")
    await resident.wait_for_messages()
    await resident.send_text(ADDRESS)
    await resident.wait_for_messages()
    await resident.send_text(PHONE)
    await resident.wait_for_messages()
    await resident.send_text("跳过")
    (summary,) = await resident.wait_for_messages()
    await resident.press("✅ 提交", message_id=summary.message_id)
    await resident.wait_for_messages()
    await chen.wait_for_messages(timeout=10)

    await resident.send_command("privacy")
    (shown,) = await resident.wait_for_messages()
    assert "• 求助记录：1 条（其中进行中 1 条）" in (shown.text or "")
    # /privacy for someone who has consented offers no "show the notice again"; the notice's own button does.
    await resident.press_forged("consent:show", message_id=shown.message_id)
    (notice,) = await resident.wait_for_messages()
    assert "您同意吗" in (notice.text or "")
    if how == "button":
        await resident.press("❌ 不同意", message_id=notice.message_id)
        declined = await resident.wait_for_edit(notice.message_id)
    else:
        await resident.send_text("不同意")
        (declined,) = await resident.wait_for_messages()
    assert "不会保存" in (declined.text or "") and declined.button_texts() == ["重新查看说明"]

    (cancelled,) = await chen.wait_for_messages(timeout=10)
    assert "已取消" in (cancelled.text or "") and PHONE not in (cancelled.text or "")
    async with running.db.transaction() as tx:
        assert await tx.requests.of_resident(resident.id) == []
        cursor = await tx.conn.execute("SELECT status, need_text, address, contact_phone FROM requests")
        rows = [tuple(r) for r in await cursor.fetchall()]
    assert rows == [("cancelled", NEED_ERASED, None, None)]
