"""我的求助: listing and cancelling; an intake left for hours; an update Telegram delivers twice."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from sandbox import SimUser
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard


async def file_quick_request(user: SimUser, need: str = "楼道的灯坏了") -> str:
    """A request through the real dialog with the fewest taps; returns the bot's confirmation text."""
    await user.send_text("🙋 求助")
    await user.wait_for_messages()
    await user.send_text(need)
    await user.wait_for_messages()
    await user.press("都不是")
    await user.wait_for_messages()
    await user.press("尽快")
    await user.wait_for_messages()
    await user.send_text("阳光小区1栋")
    await user.wait_for_messages()
    await user.send_text("💬 只在这里联系我")
    await user.wait_for_messages()
    await user.send_text("跳过")
    await user.wait_for_messages()
    await user.press("✅ 提交")
    (filed,) = await user.wait_for_messages()
    return filed.text or ""


async def test_my_requests_lists_and_cancels_with_confirmation(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("📋 我的求助")
    (empty,) = await user.wait_for_messages()
    assert empty.text == "您还没有求助记录。"
    filed = await file_quick_request(user)
    reference = filed.split("编号是 ")[1].split("，")[0]
    await user.send_text("📋 我的求助")
    (listing,) = await user.wait_for_messages()
    assert reference in listing.text and "社区工作人员处理中" in listing.text and "年" in listing.text
    assert listing.button_texts() == [f"取消 {reference}"]
    await user.press(f"取消 {reference}")
    confirm = await user.wait_for_edit(listing.message_id)
    assert confirm.button_texts() == ["确定取消", "不取消"]
    await user.press("确定取消")
    done = await user.wait_for_edit(listing.message_id, timeout=5)
    assert done.text == f"求助 {reference} 已取消。"
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(user.id)
        history = await tx.requests.history(request.id)
    assert request.status == "cancelled"
    assert [(h.from_status, h.to_status, h.actor_id) for h in history][-1] == ("unmatched", "cancelled", user.id)


async def test_someone_elses_request_cannot_be_cancelled(running: Running) -> None:
    owner = await running.client.user()
    await onboard(owner)
    await file_quick_request(owner)
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(owner.id)
    stranger = await running.client.user()
    await onboard(stranger)
    menu = (await stranger.messages())[-1]
    # A forged button press: the stranger's client sends callback data naming the owner's request.
    forged = {
        "update_id": 555001,
        "callback_query": {
            "id": "forged-1", "chat_instance": "x", "data": f"rq:cancel_yes:{request.id}",
            "from": {"id": stranger.id, "is_bot": False, "first_name": "Y"},
            "message": {"message_id": menu.message_id, "date": 0, "chat": {"id": stranger.id, "type": "private"}},
        },
    }  # fmt: skip
    await running.app.process_update(Update.de_json(forged, running.app.bot))
    async with running.db.transaction() as tx:
        still = await tx.requests.get(request.id)
    assert still is not None and still.status == "unmatched"


async def test_an_intake_left_for_hours_asks_before_continuing(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("🙋 求助")
    await user.wait_for_messages()
    await user.send_text("需要有人帮忙送饭")
    await user.wait_for_messages()
    async with running.db.transaction() as tx:
        dialog = await tx.dialogs.get(user.id)
        assert dialog is not None and dialog.state == "need.pick"
        stale = dict(dialog.data, touched=(utc_now() - timedelta(hours=7)).isoformat())
        await tx.dialogs.save(user.id, dialog.state, stale, utc_now())
    await user.send_text("你好")
    (question,) = await user.wait_for_messages()
    assert question.text == "您上次的求助还没填完：“需要有人帮忙送饭”。要接着填吗？"
    await user.press("▶️ 接着填")
    (pick,) = await user.wait_for_messages()
    assert pick.text == "这些服务可能适合您，请点选一个："


async def test_an_update_delivered_twice_is_processed_once(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    app = running.app
    payload = {
        "update_id": 987654,
        "message": {
            "message_id": 999, "date": int(utc_now().timestamp()), "text": "📋 我的求助",
            "chat": {"id": user.id, "type": "private"}, "from": {"id": user.id, "is_bot": False, "first_name": "X"},
        },
    }  # fmt: skip
    update = Update.de_json(payload, app.bot)
    await app.process_update(update)
    await app.process_update(update)
    (reply,) = await user.wait_for_messages()
    assert reply.text == "您还没有求助记录。"
    await user.expect_silence(0.5)
