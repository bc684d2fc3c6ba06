"""A resident asks for help through the real bot: need → matches → when → where → contact → note → filed."""

from __future__ import annotations

from sandbox import SimUser
from storage.records import HistoryEntry, OutboxMessage, RequestRecord
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard


async def _ask(user: SimUser, need: str) -> None:
    await user.send_text("🙋 求助")
    await user.wait_for_messages()
    await user.send_text(need)


async def _requests_of(
    running: Running, user: SimUser
) -> tuple[list[RequestRecord], list[list[HistoryEntry]], list[OutboxMessage]]:
    async with running.db.transaction() as tx:
        requests = list(await tx.requests.of_resident(user.id))
        histories = [list(await tx.requests.history(r.id)) for r in requests]
        cursor = await tx.conn.execute("SELECT id, chat_id, text, reply_markup, attempts FROM outbox ORDER BY id")
        outbox = [OutboxMessage(r[0], r[1], r[2], None, r[4]) for r in await cursor.fetchall()]
    return requests, histories, outbox


async def test_happy_path_files_a_request_with_a_reference_and_tells_staff(running: Running) -> None:
    user = await running.client.user(first_name="王阿姨", phone_number="13812345678")
    await onboard(user)
    await _ask(user, "厨房下水道堵了，水下不去")
    (pick,) = await user.wait_for_messages()
    assert pick.text == "这些服务可能适合您，请点选一个："
    assert pick.button_texts()[0] == "管道疏通 · 巧手便民维修队"
    assert pick.button_texts()[-3:] == ["都不是", "↩️ 返回", "✖️ 取消"]

    await user.press("管道疏通 · 巧手便民维修队")
    assert (await user.wait_for_edit(pick.message_id)).text == "您选择了：管道疏通"
    (when,) = await user.wait_for_messages()
    assert when.button_texts()[:4] == ["尽快", "今天", "本周内", "约个时间"]
    await user.press("约个时间")
    (when_text,) = await user.wait_for_messages()
    assert when_text.text.startswith("请告诉我什么时间方便")
    await user.send_text("明天上午")
    (where,) = await user.wait_for_messages()
    assert where.reply_keyboard is not None and where.reply_keyboard[0][0].request_location
    await user.send_text("阳光小区3栋2单元501")
    (contact,) = await user.wait_for_messages()
    assert contact.reply_keyboard is not None and contact.reply_keyboard[0][0].request_contact
    await user.press_reply_button("📞 分享我的电话")
    (note,) = await user.wait_for_messages()
    assert note.text.startswith("还有什么要补充的吗")
    await user.send_text("门铃坏了，请敲门")
    (summary,) = await user.wait_for_messages()
    for line in ("• 需要：厨房下水道堵了，水下不去", "• 服务：管道疏通", "• 时间：明天上午",
                 "• 地点：阳光小区3栋2单元501", "• 联系方式：13812345678", "• 补充：门铃坏了，请敲门"):  # fmt: skip
        assert line in summary.text, line
    await user.press("✅ 提交")
    (filed,) = await user.wait_for_messages()
    assert filed.text.startswith("✅ 已提交！您的求助编号是 YG-")
    assert filed.reply_keyboard is not None  # back to the main menu

    requests, histories, pending = await _requests_of(running, user)
    (request,) = requests
    assert request.service_id == "S020" and request.contact_phone == "13812345678"
    assert request.when_code == "time" and request.when_text == "明天上午"
    assert request.reference in filed.text and request.reference.endswith("-0001")
    assert [h.to_status for h in histories[0]] == ["submitted", "escalated"]  # no provider registry yet
    staff_news = [m for m in pending if m.chat_id == 900001]
    assert len(staff_news) == 1 and request.reference in staff_news[0].text
    assert "13812345678" not in staff_news[0].text  # contact details stay private


async def test_back_and_cancel_at_every_step(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await _ask(user, "想找人陪我妈去医院看病")
    (pick,) = await user.wait_for_messages()
    await user.press(pick.button_texts()[0])
    (_when,) = await user.wait_for_messages()
    await user.press("↩️ 返回")
    (pick_again,) = await user.wait_for_messages()
    assert pick_again.text == "这些服务可能适合您，请点选一个："
    await user.press(pick_again.button_texts()[0])
    await user.wait_for_messages()
    await user.press("今天")
    (_where,) = await user.wait_for_messages()
    await user.send_text("↩️ 返回")  # the reply-keyboard button
    (when_again,) = await user.wait_for_messages()
    assert when_again.text == "什么时候需要？"
    await user.send_text("随便吧")  # text where a button is expected
    hint, repeated = await user.wait_for_messages(2)
    assert hint.text == "请点击上面的按钮来选择。" and repeated.text == "什么时候需要？"
    await user.press("✖️ 取消", message_id=repeated.message_id)
    (menu,) = await user.wait_for_messages()
    assert menu.reply_keyboard is not None
    requests, _, _ = await _requests_of(running, user)
    assert requests == []


async def test_none_of_these_files_an_unmatched_need_for_staff(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await _ask(user, "楼道的灯坏了好几天")
    (_pick,) = await user.wait_for_messages()
    await user.press("都不是")
    await user.wait_for_messages()
    await user.press("尽快")
    await user.wait_for_messages()
    await user.send_text("阳光小区1栋")
    await user.wait_for_messages()
    await user.send_text("💬 只在这里联系我")
    await user.wait_for_messages()
    await user.send_text("跳过")
    (summary,) = await user.wait_for_messages()
    assert "未匹配，转社区工作人员" in summary.text and "• 联系方式：只在这里联系" in summary.text
    await user.press("✅ 提交")
    (filed,) = await user.wait_for_messages()
    assert "转给社区工作人员" in filed.text
    requests, _histories, _ = await _requests_of(running, user)
    assert requests[0].status == "unmatched" and requests[0].service_id is None
    assert requests[0].contact_phone is None


async def test_bad_answers_are_explained_and_the_step_is_kept(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await _ask(user, "需要送饭")
    await user.wait_for_messages()
    await user.press("都不是")
    await user.wait_for_messages()
    await user.press("尽快")
    await user.wait_for_messages()
    await user.send_text("地" * 200)
    (too_long,) = await user.wait_for_messages()
    assert too_long.text == "太长了，请简短一些（不超过 120 个字）。"
    await user.send_location(28.19, 112.97)
    (contact,) = await user.wait_for_messages()
    await user.send_text("123")
    (bad_phone,) = await user.wait_for_messages()
    assert bad_phone.text.startswith("这个号码好像不对")
    await user.send_contact("13900000000", own=False)
    (not_own,) = await user.wait_for_messages()
    assert not_own.text.startswith("为了保护隐私")
    await user.send_sticker()
    hint, repeat = await user.wait_for_messages(2)
    assert hint.text.startswith("收到您的表情") and repeat.text == contact.text
    await user.send_text("139 0000 0000")
    (note,) = await user.wait_for_messages()
    assert note.text.startswith("还有什么要补充的吗")


async def test_a_voice_note_goes_to_staff_with_the_recording_attached(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("🙋 求助")
    await user.wait_for_messages()
    await user.send_voice(duration=5)
    received, when = await user.wait_for_messages(2)
    assert received.text.startswith("语音收到了") and when.text == "什么时候需要？"
    await user.press("今天")
    await user.wait_for_messages()
    await user.send_text("阳光小区5栋")
    await user.wait_for_messages()
    await user.send_text("💬 只在这里联系我")
    await user.wait_for_messages()
    await user.send_text("跳过")
    (summary,) = await user.wait_for_messages()
    assert "• 附件：1 个" in summary.text
    await user.press("✅ 提交")
    await user.wait_for_messages()
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(user.id)
        attachments = await tx.requests.attachments(request.id)
    assert request.status == "unmatched" and [kind for kind, _ in attachments] == ["voice"]


async def test_help_mid_intake_repeats_the_question_and_old_buttons_are_stale(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await _ask(user, "想找人教我用智能手机")
    await user.wait_for_messages()
    await user.press("都不是")
    (older,) = await user.wait_for_messages()
    await user.send_command("help")
    _help, newer = await user.wait_for_messages(2)
    assert newer.text == older.text == "什么时候需要？"
    await user.press("今天", message_id=newer.message_id)
    (where,) = await user.wait_for_messages()
    answer = await user.press("尽快", message_id=older.message_id)
    assert answer is not None and answer.text == "这个按钮已经过期了。"
    (again,) = await user.wait_for_messages()
    assert again.text == where.text  # still at "where", and "today" was kept
    async with running.db.transaction() as tx:
        dialog = await tx.dialogs.get(user.id)
    assert dialog is not None and dialog.data["when_code"] == "today"
