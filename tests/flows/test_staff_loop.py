"""The whole loop through the sandbox: a resident files, staff get the case through the outbox and close it
with a note, the resident is told and rates it — or says 没有解决 and it goes back to staff."""

from __future__ import annotations

from sandbox import SimUser
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_my_requests import file_quick_request
from tests.flows.test_onboarding_flow import onboard

STAFF_ID = 900001  # 刘主任, staff of 阳光社区 in the sample city


async def staff_member(running: Running) -> SimUser:
    staff = await running.client.user(STAFF_ID, first_name="刘主任")
    await staff.send_command("start")  # registered by the community: consent, then community
    await staff.wait_for_messages()
    await staff.press("✅ 同意")
    await staff.wait_for_messages()
    await staff.press("阳光社区")
    await staff.wait_for_messages(2)
    return staff


async def test_staff_close_with_a_note_then_the_resident_rates(running: Running) -> None:
    staff = await staff_member(running)
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    filed = await file_quick_request(resident, "楼道的灯坏了好几天")
    reference = filed.split("编号是 ")[1].split("，")[0]

    (case,) = await staff.wait_for_messages(timeout=10)
    assert case.text.startswith(f"🆕 待处理求助 {reference}（没有匹配的服务）")
    assert case.button_texts() == ["指派服务", "关闭并备注"]
    await staff.press("关闭并备注")
    (_ask_note,) = await staff.wait_for_messages()
    await staff.send_text("已联系物业，明天换灯。")
    (closed,) = await staff.wait_for_messages()
    assert closed.text == f"已关闭 {reference}，居民会收到您的说明和评价邀请。"

    (news,) = await resident.wait_for_messages(timeout=10)
    assert news.text.startswith(f"您的求助 {reference} 有新进展：已完成\n说明：已联系物业，明天换灯。")
    assert "⭐⭐⭐⭐⭐" in news.button_texts() and "😟 没有解决" in news.button_texts()
    await resident.press("⭐⭐⭐⭐")
    (_comment_prompt,) = await resident.wait_for_messages()
    await resident.send_text("很快就修好了")
    await resident.wait_for_messages()
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(resident.id)
        history = await tx.requests.history(request.id)
    assert (request.status, request.rating, request.rating_comment) == ("rated", 4, "很快就修好了")
    assert [h.to_status for h in history] == ["submitted", "unmatched", "done", "rated"]
    assert history[2].actor_id == STAFF_ID and history[2].note == "已联系物业，明天换灯。"
    # The rating message lost its buttons: it cannot be rated twice.
    rated = next(m for m in await resident.messages() if m.message_id == news.message_id)
    assert rated.text == f"谢谢您的评价：⭐⭐⭐⭐（{reference}）" and not rated.inline_keyboard


async def test_not_solved_reopens_and_staff_hear_again(running: Running) -> None:
    staff = await staff_member(running)
    resident = await running.client.user()
    await onboard(resident)
    await file_quick_request(resident)
    await staff.wait_for_messages(timeout=10)
    await staff.press("关闭并备注")
    await staff.wait_for_messages()
    await staff.send_text("已处理")
    await staff.wait_for_messages()
    (news,) = await resident.wait_for_messages(timeout=10)
    await resident.press("😟 没有解决")
    assert "已重新提交" in (await resident.wait_for_edit(news.message_id)).text
    (again,) = await staff.wait_for_messages(timeout=10)
    assert again.text.startswith("🆕 待处理求助")


async def test_a_resident_cannot_use_staff_buttons(running: Running) -> None:
    staff = await staff_member(running)
    resident = await running.client.user()
    await onboard(resident)
    await file_quick_request(resident)
    (case,) = await staff.wait_for_messages(timeout=10)
    close = case.inline_button("关闭并备注")
    assert close is not None and close.callback_data is not None
    # The same callback data pressed by the resident (a forged press) is refused with a clear alert.
    from telegram import Update

    forged = {
        "update_id": 777001,
        "callback_query": {
            "id": "forged-2", "chat_instance": "x", "data": close.callback_data,
            "from": {"id": resident.id, "is_bot": False, "first_name": "R"},
            "message": {"message_id": 1, "date": 0, "chat": {"id": resident.id, "type": "private"}},
        },
    }  # fmt: skip
    await running.app.process_update(Update.de_json(forged, running.app.bot))
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(resident.id)
        dialog = await tx.dialogs.get(resident.id)
    assert request.status == "unmatched"
    assert dialog is not None and dialog.state == "menu"


async def test_messages_decided_before_a_crash_are_sent_once_after_restart(running: Running) -> None:
    resident = await running.client.user()
    await onboard(resident)
    async with running.db.transaction() as tx:  # committed, as a change and its message would be
        await tx.outbox.enqueue(resident.id, "您的求助 YG-0000-0001 有新进展：已完成", None, utc_now())
    running.app.bot_data.services.wake_outbox()  # type: ignore[union-attr]
    (news,) = await resident.wait_for_messages(timeout=10)
    assert news.text == "您的求助 YG-0000-0001 有新进展：已完成"
    await resident.expect_silence(1.5)
