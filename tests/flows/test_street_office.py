"""A street office (街道) over 阳光社区 and 桂花社区, through the sandbox on both backends: /stats, /report and /supply
show both communities' figures (and not 东塘社区's), /export sends the workbook, moving a provider between the
communities changes whose tasks they get, and every command and button refuses anyone else — forged ones too."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from core.people import register_provider, register_street_office
from sandbox import SimUser
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_privacy_withdrawal import document_bytes
from tests.flows.test_provider_flow import CHEN, ZHAO, file_pipe_request, providers
from tests.flows.test_staff_loop import STAFF_ID, staff_member

OFFICE = 950001
REFUSED = "这个功能只给街道/区工作人员使用。"
STALE = "这个按钮已经过期了。"
EVER = (utc_now().replace(year=2000), utc_now().replace(year=2100))  # every move recorded


async def street_office(running: Running, communities: tuple[str, ...] = ("阳光社区", "桂花社区")) -> SimUser:
    async with running.db.transaction() as tx:
        await tx.users.create(OFFICE, "zh_CN", utc_now())
        await register_street_office(tx, OFFICE, list(communities), "zh_CN", utc_now())
    office = await running.client.user(OFFICE, first_name="街道王科长")
    await office.send_command("start")  # opens the chat; the privacy question is left for later
    await office.wait_for_messages()
    return office


async def file_unserved(resident: SimUser, phone: str) -> None:
    """file_pipe_request where nobody serves the community: the request goes to its staff."""
    for step in (
        "厨房下水道堵了，水下不去",
        "管道疏通 · 巧手便民维修队",
        "今天",
        "阳光小区3栋2单元501",
        phone,
        "跳过",
        "✅ 提交",
    ):
        if step in ("管道疏通 · 巧手便民维修队", "今天", "✅ 提交"):
            await resident.press(step)
        else:
            await resident.send_text(step)
        (answer,) = await resident.wait_for_messages()
    assert "已经转给社区工作人员" in (answer.text or "")


async def community_id(running: Running, name: str) -> int:
    async with running.db.transaction() as tx:
        community = await tx.communities.by_name(name)
    assert community is not None
    return community.id


async def test_figures_across_communities_supply_and_the_workbook(running: Running) -> None:
    (chen,) = await providers(running, CHEN)  # serves 阳光社区 only
    sunshine = await running.client.user(first_name="王阿姨")
    await onboard(sunshine)
    await file_pipe_request(sunshine)
    (push,) = await chen.wait_for_messages(timeout=10)
    await chen.press("✅ 接单", message_id=push.message_id)
    await chen.wait_for_edit(push.message_id)
    osmanthus = await running.client.user(first_name="李大爷")  # nobody serves 桂花社区: unmet
    await onboard(osmanthus, "桂花社区")
    await file_unserved(osmanthus, "13912345678")
    dongtang = await running.client.user(first_name="赵奶奶")  # not the office's community: never counted
    await onboard(dongtang, "东塘社区")
    await file_unserved(dongtang, "13712345678")
    office = await street_office(running)

    await office.send_command("stats")
    (stats,) = await office.wait_for_messages()
    lines = stats.text.splitlines()
    assert lines[0].startswith("📊 街道统计 · 2 个社区 · 近 30 天")
    assert lines[lines.index("【合计】") + 1].startswith("合计：求助 2 · 已解决 0 · 未满足 1 · 推送 1 · 响应率 100%")
    assert any(line.startswith("阳光社区：求助 1 · 已解决 0 · 未满足 0 · 推送 1 · 响应率 100%") for line in lines)
    assert any(line.startswith("桂花社区：求助 1 · 已解决 0 · 未满足 1 · 推送 0 · 响应率 —") for line in lines)
    assert "桂花社区 · 家政维修：未满足 1 件（共 1 件）" in lines and "东塘社区" not in stats.text
    assert stats.button_texts() == ["🧭 供需", "📥 导出 Excel", "👥 服务人员"]

    await office.send_command("report")
    (choice,) = await office.wait_for_messages()
    assert choice.text == "要看哪段时间的报告？" and choice.button_texts() == ["本周", "上周", "本月", "上月"]
    await office.press("本周", message_id=choice.message_id)
    (report,) = await office.wait_for_messages()
    assert report.text.startswith("📊 街道本周报告 · 2 个社区（")
    assert "桂花社区 · 家政维修：未满足 1 件（共 1 件）" in report.text and "东塘社区" not in report.text

    await office.press("🧭 供需", message_id=report.message_id)
    (supply,) = await office.wait_for_messages()
    assert supply.text.startswith("🧭 哪个社区缺哪类服务 · 2 个社区（")
    shortages = [line for line in supply.text.splitlines() if line[:1].isdigit()]
    assert shortages and shortages[0].startswith("1. 桂花社区缺「家政维修」：求助 1 件，未满足 1 件；")
    assert shortages[0].endswith("在岗服务人员 0 人") and not any("阳光社区" in line for line in shortages)
    await office.send_command("supply", "7")
    (again,) = await office.wait_for_messages()
    assert again.text.splitlines()[2] == shortages[0]

    await office.send_command("export")
    (book,) = await office.wait_for_messages(timeout=15)
    assert book.kind == "document" and (book.text or "").startswith("📥 街道统计 · 2 个社区（")
    workbook = load_workbook(io.BytesIO(await document_bytes(running, book)))
    assert workbook.sheetnames == ["汇总", "各社区指标", "供需", "服务人员负荷", "人员调动"]
    figures = [row for row in workbook["各社区指标"].iter_rows(values_only=True)]
    assert [row[0] for row in figures] == ["社区", "桂花社区", "阳光社区", "合计"]
    assert figures[2][1:4] == (1, 100, 1) and figures[1][10:] == (1, 0, 1)
    gaps = [row for row in workbook["供需"].iter_rows(values_only=True) if row[7] == "是"]
    assert [(row[0], row[1]) for row in gaps] == [("桂花社区", "家政维修")]
    loads = [row for row in workbook["服务人员负荷"].iter_rows(values_only=True)][1:]
    assert [(row[0], row[3], row[5]) for row in loads] == [("陈社工", "阳光社区", 1)]
    await office.expect_silence(0.5)


async def test_moving_a_provider_changes_whose_tasks_they_get(running: Running) -> None:
    chen, zhao = await providers(running, CHEN, ZHAO)  # both serve 阳光社区
    office = await street_office(running)
    await office.send_command("providers")
    (listing,) = await office.wait_for_messages()
    assert listing.text.startswith("👥 服务人员 2 人")
    assert "陈社工（阳光社工服务中心）：阳光社区 进行中 0 · 完成 0（全部社区进行中 0）" in listing.text
    await office.press("陈社工", message_id=listing.message_id)
    view = await office.wait_for_edit(listing.message_id)
    assert view.button_texts() == ["➕ 加入 桂花社区", "➖ 移出 阳光社区", "↩️ 返回名单"]

    answer = await office.press("➕ 加入 桂花社区", message_id=listing.message_id)
    assert answer is not None and answer.text == "已加入桂花社区"
    (told,) = await chen.wait_for_messages(timeout=10)
    assert told.text == "🏛 街道调整了您的服务社区：加入桂花社区。现在您服务：阳光社区、桂花社区。进行中的任务不变。"
    view = await office.wait_for_edit(listing.message_id)
    assert view.button_texts() == ["➖ 移出 桂花社区", "➖ 移出 阳光社区", "↩️ 返回名单"]
    answer = await office.press("➖ 移出 阳光社区", message_id=listing.message_id)
    assert answer is not None and answer.text == "已移出阳光社区"
    (told,) = await chen.wait_for_messages(timeout=10)
    assert "不再服务阳光社区。现在您服务：桂花社区。" in told.text
    answer = await office.press("➖ 移出 桂花社区", message_id=listing.message_id)  # the last one: refused
    assert answer is not None and answer.show_alert and "唯一的服务社区" in (answer.text or "")

    osmanthus = await running.client.user(first_name="李大爷")
    await onboard(osmanthus, "桂花社区")
    reference = await file_pipe_request(osmanthus)
    (push,) = await chen.wait_for_messages(timeout=10)  # 陈社工 now gets 桂花社区's task …
    assert push.text.startswith(f"🆕 新任务 {reference}")
    await zhao.expect_silence(0.5)  # … and 赵社工, who still serves only 阳光社区, does not
    sunshine = await running.client.user(first_name="王阿姨")
    await onboard(sunshine)
    reference = await file_pipe_request(sunshine, "13912345678")
    (push,) = await zhao.wait_for_messages(timeout=10)
    assert push.text.startswith(f"🆕 新任务 {reference}")
    await chen.expect_silence(0.5)  # no longer 阳光社区's

    osmanthus_id, sunshine_id = await community_id(running, "桂花社区"), await community_id(running, "阳光社区")
    async with running.db.transaction() as tx:
        moves = await tx.street_reports.moves([osmanthus_id, sunshine_id], *EVER)
    assert [(m.provider_id, m.community_id, m.action, m.moved_by) for m in moves] == [
        (CHEN, osmanthus_id, "add", OFFICE),
        (CHEN, sunshine_id, "remove", OFFICE),
    ]


async def test_only_a_street_office_may_and_only_within_its_communities(running: Running) -> None:
    await providers(running, CHEN)
    office = await street_office(running, ("阳光社区",))
    staff = await staff_member(running)
    resident = await running.client.user()
    await onboard(resident)
    for person in (staff, resident):
        for command in ("supply", "providers"):
            await person.send_command(command)
            (refusal,) = await person.wait_for_messages()
            assert refusal.text == REFUSED, (person, command)
    await staff.send_command("stats")  # staff keep their community's own view
    (own,) = await staff.wait_for_messages()
    assert own.text.startswith("📊 阳光社区 · 近 30 天")

    await office.send_command("providers")
    (listing,) = await office.wait_for_messages()
    await office.press("陈社工", message_id=listing.message_id)
    view = await office.wait_for_edit(listing.message_id)
    real = [b.callback_data for row in view.inline_keyboard for b in row if b.callback_data]
    for person in (staff, resident):
        for data in (*real, "so:r:week", "so:x:20261101:20261130", "so:l:0"):
            answer = await person.press_forged(data)
            assert answer is not None and answer.show_alert and answer.text == REFUSED, (person, data)

    dongtang = await community_id(running, "东塘社区")  # exists, but not the office's
    answer = await office.press_forged(f"so:a:{CHEN}:{dongtang}")
    assert answer is not None and answer.show_alert and answer.text == "这个社区不归您管理。"
    sunshine = await community_id(running, "阳光社区")
    async with running.db.transaction() as tx:
        chen = await tx.providers.get(CHEN)
    assert chen is not None and chen.community_ids == (sunshine,)
    answer = await office.press_forged(f"so:p:{ZHAO}")  # not registered at all
    assert answer is not None and answer.text == "这位服务人员不在您管理的社区服务。"
    for garbage in ("so", "so:zz", "so:a:abc:1", "so:a:1", "so:x:20261301:20261302", "so:r:year", "so:l:²",
                    "so:p:99999999999999999999", "so:s:20261130:20261101",
                    "so:s:99991231:99991231", "so:x:00010101:00010101", "so:x:19991231:20000101",
                    "so:s:20250101:20261231", f"so:p:{CHEN}:99999999", "so:p:1:2:3"):  # fmt: skip
        answer = await office.press_forged(garbage)
        assert answer is not None and answer.text == STALE, garbage
    async with running.db.transaction() as tx:  # nothing refused was recorded as a move
        assert await tx.street_reports.moves([sunshine, dongtang], *EVER) == []


async def test_hostile_export_dates_from_a_street_office_are_refused(running: Running) -> None:
    office = await street_office(running)
    for args in (("0001-01-01",), ("9999-12-31", "9999-12-31"), ("2025-01-01", "2026-12-01")):
        await office.send_command("export", " ".join(args))
        (answer,) = await office.wait_for_messages()
        assert answer.text == "时间段最长 366 天，日期要在 2000 年到明年之间。", args


async def test_a_provider_moved_out_of_the_set_keeps_their_open_task_in_sight(running: Running) -> None:
    async with running.db.transaction() as tx:  # 陈社工 serves 阳光社区 (the office's) and 东塘社区 (another's)
        await register_provider(
            tx, CHEN, "social_worker", name="陈社工", organization=None, service_ids=["S020"],
            communities=["阳光社区", "东塘社区"], supervisor_id=None, locale="zh_CN", now=utc_now(),
        )  # fmt: skip
    chen = await running.client.user(CHEN, first_name="陈社工")
    await chen.send_command("start")
    await chen.wait_for_messages()
    sunshine = await running.client.user(first_name="王阿姨")
    await onboard(sunshine)
    await file_pipe_request(sunshine)
    (push,) = await chen.wait_for_messages(timeout=10)
    await chen.press("✅ 接单", message_id=push.message_id)
    await chen.wait_for_edit(push.message_id)
    office = await street_office(running)

    await office.send_command("providers")
    (listing,) = await office.wait_for_messages()
    await office.press("陈社工", message_id=listing.message_id)
    view = await office.wait_for_edit(listing.message_id)
    assert view.button_texts() == ["➕ 加入 桂花社区", "➖ 移出 阳光社区", "↩️ 返回名单"]
    answer = await office.press("➖ 移出 阳光社区", message_id=listing.message_id)
    assert answer is not None and not answer.show_alert and answer.text == "已移出阳光社区"
    (told,) = await chen.wait_for_messages(timeout=10)
    assert "不再服务阳光社区。现在您服务：东塘社区。" in told.text
    back = await office.wait_for_edit(listing.message_id)  # the list: nothing left to move here
    assert back.text.startswith("👥 服务人员 1 人")
    assert "陈社工：阳光社区（已不服务）进行中 1 · 完成 0（全部社区进行中 1）" in back.text
    await office.press("陈社工", message_id=listing.message_id)
    view = await office.wait_for_edit(listing.message_id)
    assert "阳光社区（已不服务）进行中 1" in view.text and view.button_texts() == ["↩️ 返回名单"]
    answer = await office.press_forged(f"so:a:{CHEN}:{await community_id(running, '阳光社区')}")
    assert answer is not None and answer.show_alert and answer.text == "这位服务人员不在您管理的社区服务。"


async def test_staff_who_are_also_a_street_office_keep_their_own_views(running: Running) -> None:
    staff = await staff_member(running)
    async with running.db.transaction() as tx:
        await register_street_office(tx, STAFF_ID, ["阳光社区", "桂花社区"], "zh_CN", utc_now())

    await staff.send_command("stats")
    street_view, own = await staff.wait_for_messages(2)
    assert street_view.text.startswith("📊 街道统计 · 2 个社区 · 近 30 天")
    assert own.text.startswith("📊 阳光社区 · 近 30 天")

    await staff.send_command("report")
    own_choice, street_choice = await staff.wait_for_messages(2)
    assert own_choice.text == "要看哪段时间的报告？" and street_choice.text == "街道报告（2 个社区）要看哪段时间？"
    assert next(b.callback_data for row in street_choice.inline_keyboard for b in row).startswith("so:r:")
    assert not next(b.callback_data for row in own_choice.inline_keyboard for b in row).startswith("so:")

    await staff.send_command("export")
    (choice,) = await staff.wait_for_messages()
    assert choice.button_texts()[-1] == "📥 街道统计 Excel（2 个社区）" and len(choice.button_texts()) == 7
    await staff.press("📥 街道统计 Excel（2 个社区）", message_id=choice.message_id)
    (book,) = await staff.wait_for_messages(timeout=15)
    assert book.kind == "document" and (book.text or "").startswith("📥 街道统计 · 2 个社区（")
