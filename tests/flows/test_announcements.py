"""Announcements through the sandbox: staff write, choose the audience, preview and confirm; residents of
that community receive it (muted ones do not); progress and the delivery report edit the staff's message;
residents cannot announce."""

from __future__ import annotations

from core import broadcast
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_staff_loop import staff_member


async def test_staff_announce_to_residents_with_progress_and_report(running: Running) -> None:
    staff = await staff_member(running)
    residents = [await running.client.user(first_name=f"居民{i}") for i in range(3)]
    for resident in residents:
        await onboard(resident)
    elsewhere = await running.client.user(first_name="别的社区")
    await onboard(elsewhere, "桂花社区")
    await residents[2].send_command("mute")
    (muted,) = await residents[2].wait_for_messages()
    assert muted.text.startswith("好的，您不会再收到社区公告")

    await staff.send_command("announce")
    (ask,) = await staff.wait_for_messages()
    assert ask.text.startswith("请输入公告内容")
    await staff.send_text("本周六上午九点，社区广场义诊，请带好医保卡。\n欢迎大家参加！")
    (audience,) = await staff.wait_for_messages()
    assert audience.button_texts()[0] == "社区居民（3 人）"  # the staff member is a resident of 阳光社区 too
    await staff.press("社区居民（3 人）")
    preview = await staff.wait_for_edit(audience.message_id)
    assert "📣 阳光社区公告" in preview.text and "将发送给 3 人" in preview.text
    await staff.press("📣 确认发送")
    (queued,) = await staff.wait_for_messages()
    assert queued.text.startswith("公告已开始发送（共 3 人）")
    for resident in residents[:2]:
        (news,) = await resident.wait_for_messages(timeout=10)
        assert news.text.startswith("📣 阳光社区公告\n\n本周六上午九点") and "欢迎大家参加！" in news.text
    await residents[2].expect_silence(0.5)
    await elsewhere.expect_silence(0.1)
    for _ in range(50):
        report = next(m for m in await staff.messages() if m.message_id == audience.message_id)
        if report.text.startswith("📣 发送完成"):
            break
        await staff.wait_for_edit(audience.message_id, timeout=5)
    assert report.text == "📣 发送完成：送达 3 / 3，失败 0，已屏蔽机器人 0。"


async def test_residents_cannot_announce(running: Running) -> None:
    resident = await running.client.user()
    await onboard(resident)
    await resident.send_command("announce")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "只有社区工作人员可以发公告。"


async def test_needs_shows_open_needs_by_category_to_staff_only(running: Running) -> None:
    from tests.flows.test_my_requests import file_quick_request

    staff = await staff_member(running)
    resident = await running.client.user()
    await onboard(resident)
    await file_quick_request(resident, "楼道的灯坏了")
    await staff.wait_for_messages(timeout=10)  # the case itself
    await staff.send_command("needs")
    (book,) = await staff.wait_for_messages()
    assert book.text.startswith("📒 阳光社区 待处理需求，共 1 条：") and "• 未匹配：1 条，最久已等 0 小时" in book.text
    await resident.send_command("needs")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "只有社区工作人员可以查看需求册。"


async def test_an_announcement_with_a_photo_reaches_residents_as_a_photo(running: Running) -> None:
    staff = await staff_member(running)
    resident = await running.client.user(first_name="居民")
    await onboard(resident)
    await staff.send_command("announce")
    await staff.wait_for_messages()
    await staff.send_photo()  # no caption: the text is asked for next
    (asked,) = await staff.wait_for_messages()
    assert asked.text.startswith("图片已收到。请再输入公告文字")
    await staff.send_text("长" * 901)
    (too_long,) = await staff.wait_for_messages()
    assert too_long.text == "配图公告的文字不能超过 900 字，请缩短一些。"
    await staff.send_text("社区新建的健身角已经开放，欢迎来看看！")
    (audience,) = await staff.wait_for_messages()
    await staff.press("社区居民（2 人）")
    preview = await staff.wait_for_edit(audience.message_id)
    assert "🖼（附图片一张）" in preview.text
    await staff.press("📣 确认发送")
    for person in (resident, staff):  # the staff member lives in 阳光社区 too
        news = next(m for m in await person.wait_for_messages(2 if person is staff else 1, timeout=10)
                    if m.kind == "photo")  # fmt: skip
        assert news.file_id and news.text is not None and news.text.startswith("📣 阳光社区公告\n\n社区新建的健身角")


async def test_needs_of_another_community_stay_out_of_the_staffs_needs_book(running: Running) -> None:
    from tests.flows.test_my_requests import file_quick_request

    staff = await staff_member(running)
    elsewhere = await running.client.user(first_name="桂花居民")
    await onboard(elsewhere, "桂花社区")
    await file_quick_request(elsewhere, "楼道的灯坏了")
    await staff.send_command("needs")
    (book,) = await staff.wait_for_messages()
    assert book.text == "目前没有待处理的需求。"
    await staff.expect_silence(0.3)  # and the case itself went to 桂花社区's staff, not to 阳光社区's


async def test_an_announcement_started_mid_request_returns_to_the_request(running: Running) -> None:
    staff = await staff_member(running)  # lives in 阳光社区 too, so can ask for help
    await staff.send_text("🙋 求助")
    await staff.wait_for_messages()
    await staff.send_text("需要有人帮忙送饭")
    (pick,) = await staff.wait_for_messages()
    async with running.db.transaction() as tx:
        before = await tx.dialogs.get(staff.id)
    assert before is not None and before.state == "need.pick"
    await staff.send_command("announce")
    await staff.wait_for_messages()
    await staff.send_text("✖️ 取消")
    cancelled, asked_again = await staff.wait_for_messages(2)
    assert cancelled.text == "公告已取消，没有发送。"
    assert asked_again.text == pick.text  # the request's question again, with what was typed kept
    async with running.db.transaction() as tx:
        after = await tx.dialogs.get(staff.id)
    assert after is not None and after.state == "need.pick" and after.data == before.data


async def test_a_photo_telegram_refuses_still_delivers_the_words(running: Running) -> None:
    staff = await staff_member(running)
    resident = await running.client.user(first_name="居民")
    await onboard(resident)
    async with running.db.transaction() as tx:
        await broadcast.announce(tx, staff.id, "停水通知", "residents", lambda locale: "📣 停水通知", utc_now(),
                                 photo="no-such-file-id")  # fmt: skip
    running.app.bot_data.services.wake_outbox()
    (news,) = await resident.wait_for_messages(timeout=10)
    assert news.kind == "text" and news.text == "📣 停水通知"


async def test_slash_cancel_in_an_announcement_also_returns_to_the_request(running: Running) -> None:
    staff = await staff_member(running)
    await staff.send_text("🙋 求助")
    await staff.wait_for_messages()
    await staff.send_text("需要有人帮忙送饭")
    (pick,) = await staff.wait_for_messages()
    await staff.send_command("announce")
    await staff.wait_for_messages()
    await staff.send_command("cancel")
    cancelled, asked_again = await staff.wait_for_messages(2)
    assert cancelled.text == "已取消。" and asked_again.text == pick.text


async def test_a_notice_for_one_building_reaches_only_that_building(running: Running) -> None:
    staff = await staff_member(running)
    in_3, in_3_too, in_5, no_building = [await running.client.user(first_name=f"居民{i}") for i in range(4)]
    for resident in (in_3, in_3_too, in_5, no_building):
        await onboard(resident)
    await in_3.send_command("building")
    (asked,) = await in_3.wait_for_messages()
    assert asked.text.startswith("您还没有登记楼栋。\n您住在哪一栋楼？")
    await in_3.send_text("这是一个非常非常非常非常非常非常长的楼栋名字呀")
    (bad,) = await in_3.wait_for_messages()
    assert bad.text.startswith("没看懂，请输入楼栋")
    await in_3.send_text("3号楼")
    (saved,) = await in_3.wait_for_messages()
    assert saved.text == "好的，已登记：3栋。本楼的社区通知会发给您。" and saved.reply_keyboard is not None
    await in_3_too.send_command("building", "３幢")  # written another way, the same building
    await in_3_too.wait_for_messages()
    await in_5.send_command("building", "5栋")
    await in_5.wait_for_messages()

    await staff.send_command("announce")
    await staff.wait_for_messages()
    await staff.send_text("明天上午9点到12点，3栋停水检修，请提前储水。")
    (audience,) = await staff.wait_for_messages()
    await staff.press("🏢 按楼栋选择…")
    buildings = await staff.wait_for_edit(audience.message_id)
    assert buildings.button_texts() == ["3栋（2 人）", "5栋（1 人）", "✖️ 取消"]
    await staff.press("3栋（2 人）")
    preview = await staff.wait_for_edit(audience.message_id)
    assert "🏢 只发给 3栋 的居民" in preview.text and "将发送给 2 人" in preview.text
    await staff.press("📣 确认发送")
    for resident in (in_3, in_3_too):
        (news,) = await resident.wait_for_messages(timeout=10)
        assert "3栋停水检修" in news.text
    await in_5.expect_silence(0.5)
    await no_building.expect_silence(0.1)

    await in_3.send_command("privacy")
    (summary,) = await in_3.wait_for_messages()
    assert "• 楼栋：3栋" in summary.text
