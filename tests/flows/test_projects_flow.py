"""Funds, projects and calls through the sandbox, on both backends: a street office creates a fund, opens a call;
an organisation member applies; the office sees the capacity assessment, awards with a reason (the applicant is
told), allocates money, a request done by the organisation in the project's community counts as delivered, the
office records spending and confirms a 以奖代补 payment after seeing its breakdown; the ledger reconciles.
Residents, org members and forged buttons are refused."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from bot.sample_city import STAFF
from core import calls, funds, projects
from core.broadcast import NotAllowed
from core.funds import FundError
from core.people import register_provider, register_street_office
from sandbox import SimUser
from storage.records import to_db_time, utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_privacy_withdrawal import document_bytes
from tests.flows.test_provider_flow import CHEN, file_pipe_request, providers

OFFICE, MEMBER, OTHER_OFFICE = 920001, 920002, 920003
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORG = "阳光社工服务中心"
STREET_ONLY = "这是街道/区工作人员的功能，只管理自己所辖社区的项目和资金。"
CALLS_ONLY = "项目征集是街道工作人员和社会组织成员的功能。"
STALE = "这个按钮已经过期了。"
AWARD_LATER = "征集截止后才能选定承接机构，截止前各机构都还可以申请或修改申请。"
NOT_SERVED = "这个社区的资金只能拨给服务该社区的项目。"


async def _deadline_passes(running: Running, call_id: int) -> None:
    """The call's deadline is now behind us (the sandbox's clock is real time: the row is moved instead)."""
    async with running.db.transaction() as tx:
        await tx.conn.execute(  # type: ignore[attr-defined]
            "UPDATE calls SET deadline_at = ? WHERE id = ?", (to_db_time(utc_now() - timedelta(minutes=1)), call_id)
        )


async def _people(running: Running) -> tuple[SimUser, SimUser]:
    async with running.db.transaction() as tx:
        await register_street_office(tx, OFFICE, ["阳光社区"], "zh_CN", utc_now())
        await register_provider(
            tx,
            MEMBER,
            "org_member",
            name="周主任",
            organization=ORG,
            service_ids=["S005"],
            communities=["阳光社区"],
            supervisor_id=None,
            locale="zh_CN",
            now=utc_now(),
        )
    office = await running.client.user(OFFICE, first_name="街道王科长")
    member = await running.client.user(MEMBER, first_name="周主任")
    for person in (office, member):  # they consent and say they only work here
        await person.send_command("start")
        await person.wait_for_messages()
        await person.press("✅ 同意")
        await person.wait_for_messages()
        await person.press("🏢 我不住在这里，只用来工作")
        await person.wait_for_messages()
    return office, member


async def _confirm(person: SimUser, typed: str, shown: str) -> None:
    await person.send_text(typed)
    (preview,) = await person.wait_for_messages()
    assert shown in preview.text, preview.text
    await person.press("✅ 确认")
    done, _work_menu = await person.wait_for_messages(2)  # done, then back to the work menu
    assert done.text.startswith("✅"), done.text


async def test_call_award_allocate_deliver_spend_and_performance_pay(running: Running) -> None:
    office, member = await _people(running)
    (chen,) = await providers(running, CHEN)
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    # A resident gets nothing of it, and a forged project or call button of a resident is refused.
    await resident.send_command("projects")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "这是街道/区工作人员的功能，只管理自己所辖社区的项目和资金。"
    for forged in ("pj:sp:1", "pj:newfund", "pj:ok:abc", "cl:new", "cl:ap:1"):
        answer = await resident.press_forged(forged)
        assert answer is not None and answer.text in (STREET_ONLY, "项目征集是街道工作人员和社会组织成员的功能。"), (
            forged
        )

    await office.send_command("projects")
    (home,) = await office.wait_for_messages()
    assert home.text.startswith("💼 项目与资金") and "➕ 新建资金" in home.button_texts()
    await office.press("➕ 新建资金")
    await office.wait_for_messages()
    await office.send_text("2027年福彩公益金｜福彩｜50万")
    (preview,) = await office.wait_for_messages()
    assert preview.text == "新建资金“2027年福彩公益金”，来源：福彩公益金，到账 ¥500,000.00。确认吗？"
    await office.press("✅ 确认")
    await office.wait_for_messages(2)

    await office.send_command("calls")
    (listing,) = await office.wait_for_messages()
    assert listing.text == "现在没有项目征集。", listing.text
    await office.press("➕ 发布征集")
    await office.wait_for_edit(listing.message_id)
    await office.press("2027年福彩公益金 · 政府购买服务")
    await office.wait_for_messages()
    await office.send_text("长者助餐服务｜10万｜30")
    (preview,) = await office.wait_for_messages()
    assert preview.text.startswith("发布征集“长者助餐服务”，预算上限 ¥100,000.00")
    await office.press("✅ 确认")
    opened, _work_menu = await office.wait_for_messages(2)
    assert opened.text == "✅ 征集已发布，已通知 2 位社会组织成员；他们用 /calls 申请。"  # 周主任 and 陈社工
    await chen.wait_for_messages(timeout=10)  # 陈社工 hears of it too
    (news,) = await member.wait_for_messages(timeout=10)
    assert news.text.startswith("📣 新的项目征集：长者助餐服务\n预算上限 ¥100,000.00，截止 ")
    await member.press("📣 查看征集")
    shown_call = await member.wait_for_edit(news.message_id)
    assert shown_call.button_texts() == ["✍️ 申请", "📄 下载申请表", "↩️ 返回"]
    await member.press("✍️ 申请")
    await member.wait_for_messages()
    await member.send_text("每周三次上门送餐｜12万｜阳光社区")  # over the ceiling: said, nothing saved
    (over,) = await member.wait_for_messages()
    assert over.text == "超过预算上限 ¥100,000.00。"
    await member.send_text("每周两次上门送餐｜7万｜阳光社区")
    (earlier,) = await member.wait_for_messages()
    await _confirm(member, "每周三次上门送餐｜8万｜阳光社区", "预算 ¥80,000.00，服务 阳光社区")
    # 确认 under the earlier preview (7万) is stale: it neither saves 7万 nor the draft typed after it.
    answer = await member.press("✅ 确认", message_id=earlier.message_id)
    assert answer is not None and answer.text == STALE
    # An org member cannot award, see the office's funds or act on a project (forged buttons).
    for forged in ("cl:aw:1", "pj:show:1", "pj:mv:1:P:c1", "pj:home"):
        answer = await member.press_forged(forged)
        assert answer is not None and answer.text in (
            "项目征集是街道工作人员和社会组织成员的功能。",
            "这是街道/区工作人员的功能，只管理自己所辖社区的项目和资金。",
        )

    await office.send_command("calls")
    (listing,) = await office.wait_for_messages()
    await office.press("长者助餐服务（征集中）")
    shown = await office.wait_for_edit(listing.message_id)
    assert f"🏢 {ORG}：每周三次上门送餐" in shown.text and "能力评估" in shown.text and "过往项目 0 个" in shown.text
    # Before the deadline nobody is chosen (others may still apply): no 选定 button, and a forged one is refused.
    assert AWARD_LATER in shown.text and not [b for b in shown.button_texts() if b.startswith("🏆")]
    async with running.db.transaction() as tx:
        (call,) = await tx.calls.all()
        (application,) = await tx.calls.applications(call.id)
    answer = await office.press_forged(f"cl:aw:{application.id}")
    assert answer is not None and answer.text == AWARD_LATER
    await _deadline_passes(running, call.id)
    await office.press("↩️ 返回", message_id=listing.message_id)
    await office.wait_for_edit(listing.message_id)
    await office.press("长者助餐服务（征集中）")
    shown = await office.wait_for_edit(listing.message_id)
    assert AWARD_LATER not in shown.text
    await office.press(f"🏆 选定 {ORG}")
    await office.wait_for_messages()
    await _confirm(office, "方案具体，助餐经验丰富", "理由：方案具体，助餐经验丰富")
    (told,) = await member.wait_for_messages(timeout=10)
    assert told.text.startswith("🏆 “长者助餐服务”选定了您的机构")

    async with running.db.transaction() as tx:
        (project,) = await tx.projects.all()
        assert project.organization == ORG and project.budget_fen == 8_000_000 and project.kind == "purchase"
    await office.press_forged(f"pj:show:{project.id}")
    await office.press("💰 从资金池拨款")
    await office.wait_for_messages()
    await office.send_text("9万 全年")  # more than the budget: refused when it is to be booked, nothing booked
    (too_much,) = await office.wait_for_messages()
    answer = await office.press("✅ 确认")
    assert answer is not None and answer.text == "超出项目预算：预算 ¥80,000.00，已拨付 ¥0.00。"
    await office.send_text("5 万元 第一期")  # typed again in the same step; the amount with spaces read whole
    (preview,) = await office.wait_for_messages()
    assert "从 资金池（未分配） 划 ¥50,000.00 到 长者助餐服务，事由：第一期" in preview.text, preview.text
    answer = await office.press("✅ 确认", message_id=too_much.message_id)  # the 9万 preview's 确认: stale now
    assert answer is not None and answer.text == STALE
    async with running.db.transaction() as tx:
        assert [e.kind for e in await tx.funds.entries(project.fund_id)] == ["fund_in"]  # nothing booked by it
    await office.press("✅ 确认", message_id=preview.message_id)
    await office.wait_for_messages(2)

    reference = await file_pipe_request(resident)  # done by 陈社工 of the same organisation: delivered
    (push,) = await chen.wait_for_messages(timeout=10)
    await chen.press("✅ 接单")
    await chen.wait_for_edit(push.message_id)
    await resident.wait_for_messages(timeout=10)
    await chen.press("✅ 完成")
    await chen.wait_for_messages()
    await chen.send_text("疏通好了")
    await chen.wait_for_messages(2)
    await resident.wait_for_messages(timeout=10)
    await resident.press("⭐⭐⭐⭐⭐")

    await office.press_forged(f"pj:show:{project.id}")
    await office.press("🧾 记录支出")
    await office.wait_for_messages()
    await _confirm(office, "3000.50 购买食材", "支出 ¥3,000.50，事由：购买食材")
    await office.press_forged(f"pj:show:{project.id}")
    await office.press("🎁 以奖代补")
    await office.wait_for_messages()
    await office.send_text("每单 100元，满意奖 500元，满意度 4.5，封顶 1万")
    (breakdown,) = await office.wait_for_messages()
    assert "完成求助 1 件 → ¥100.00" in breakdown.text and "奖励 ¥500.00" in breakdown.text, breakdown.text
    assert "本次应付 ¥600.00" in breakdown.text
    async with running.db.transaction() as tx:  # nothing booked before 确认
        assert not [e for e in await tx.funds.entries(project.fund_id) if e.kind == funds.PERFORMANCE]
    await office.press("✅ 确认")
    booked, _work_menu = await office.wait_for_messages(2)
    assert booked.text == "✅ 已记入资金台账。"

    async with running.db.transaction() as tx:
        money = await funds.project_money(tx, project.fund_id, project.id)
        totals = funds.totals(await tx.funds.balances(project.fund_id))
        delivered = await tx.projects.delivered(project.id, project.organization_id or 0)
    assert [d.reference for d in delivered] == [reference]
    assert (money.allocated, money.spent, money.performance_paid) == (5_000_000, 300_050 + 60_000, 60_000)
    assert money.allocated == money.spent + money.remaining and totals.reconciles and totals.funded == 50_000_000

    await office.send_command("projects")
    (home,) = await office.wait_for_messages()
    assert "📁 长者助餐服务：已拨 ¥50,000.00，已支出 ¥3,600.50，完成求助 1 件" in home.text, home.text
    await office.press("📊 各社区分配与成效")
    per_community = await office.wait_for_edit(home.message_id)
    assert "阳光社区：分配 ¥50,000.00（项目 ¥50,000.00），支出 ¥3,600.50，完成 1 件" in per_community.text
    await office.press("↩️ 返回")
    await office.wait_for_edit(home.message_id)
    answer = await office.press("📤 导出 Excel")
    assert answer is not None and answer.text == "正在生成文件，请稍等…"
    files = await office.wait_for_messages(3, timeout=15)
    assert [f.text for f in files] == ["📤 项目台账", "📤 社区资金与成效", "📤 资金流水"]
    ledger = load_workbook(io.BytesIO(await document_bytes(running, files[2])))
    cells = [cell.value for row in ledger.worksheets[0].iter_rows() for cell in row]
    assert "以奖代补" in cells and 600.0 in cells and 3000.5 in cells and 500000.0 in cells
    book = load_workbook(io.BytesIO(await document_bytes(running, files[0])))
    rows = [[cell.value for cell in row] for row in book.worksheets[0].iter_rows()]
    (line,) = [r for r in rows if "长者助餐服务" in r]
    assert line[6:12] == [80000.0, 50000.0, 3600.5, 46399.5, 600.0, 1]


async def _closed_round(running: Running) -> int:
    """A published vote of 阳光社区 whose winner is 楼道照明改造; returns the winner's vote project id."""
    async with running.db.transaction() as tx:
        sun = await tx.communities.by_name("阳光社区")
        assert sun is not None
        now = utc_now()
        round_id = await tx.votes.create_round(
            sun.id, "2027年微实事", 1, now + timedelta(days=1), STAFF.telegram_id, now
        )
        won = await tx.votes.add_project(round_id, 1, "楼道照明改造", ORG, 20_000, "")
        lost = await tx.votes.add_project(round_id, 2, "儿童四点半课堂", ORG, 8_000, "")
        assert await tx.votes.close(round_id, [(won, 12, 3, True), (lost, 5, 1, False)], now)
        return won


async def test_a_vote_winner_becomes_one_project_and_other_offices_are_refused(running: Running) -> None:
    office, _member = await _people(running)
    won = await _closed_round(running)
    async with running.db.transaction() as tx:
        await register_street_office(tx, OTHER_OFFICE, ["桂花社区"], "zh_CN", utc_now())
        fund_id = await projects.create_fund(tx, OFFICE, "2027年街道微实事资金", "street", 10_000_000, utc_now())
    other = await running.client.user(OTHER_OFFICE, first_name="另一街道")
    await other.send_command("start")
    await other.wait_for_messages()

    await office.send_command("projects")
    (home,) = await office.wait_for_messages()
    await office.press("🗳 居民评议胜出项目")
    listing = await office.wait_for_edit(home.message_id)
    assert listing.button_texts() == ["楼道照明改造（2027年微实事）", "↩️ 返回"]
    await office.press("楼道照明改造（2027年微实事）")
    card = await office.wait_for_edit(home.message_id)
    assert (
        card.text.startswith("📁 楼道照明改造\n类型：居民评议立项　资金来源：街道财政")
        and "预算 ¥20,000.00" in card.text
    )
    await office.press_forged(f"pj:vw:{won}")  # pressed again (an old list): the same project, not a second one
    async with running.db.transaction() as tx:
        (project,) = await tx.projects.all()
    assert project.vote_project_id == won and project.organization == ORG and project.kind == "vote"

    # Milestones: added by typing, ticked by a button. A bad amount is explained and the step kept; /cancel ends it.
    await office.press("🏁 添加里程碑", message_id=home.message_id)
    await office.wait_for_messages()
    await office.send_text("启动培训 2027-03-31")
    added, _work_menu = await office.wait_for_messages(2)
    assert added.text == "已添加里程碑：启动培训"
    await office.press_forged(f"pj:show:{project.id}", message_id=home.message_id)
    await office.press("⬜ 启动培训", message_id=home.message_id)
    ticked = await office.wait_for_edit(home.message_id)
    assert "✅ 启动培训（2027-03-31）" in ticked.text and "✅ 启动培训" in ticked.button_texts()
    async with running.db.transaction() as tx:
        (milestone,) = await tx.projects.milestones(project.id)
    answer = await office.press_forged(f"pj:md:{project.id}:{milestone.id}:1", message_id=home.message_id)
    assert answer is not None and answer.text == STALE  # an old ⬜ press: already done, not undone
    async with running.db.transaction() as tx:
        assert (await tx.projects.milestones(project.id))[0].done_at is not None
    await office.press("🧾 记录支出", message_id=home.message_id)
    await office.wait_for_messages()
    await office.send_text("三千块 材料")
    (unread,) = await office.wait_for_messages()
    assert unread.text.startswith("没看懂这个金额")
    await office.send_text("3000")  # no reason: asked for one
    (reason,) = await office.wait_for_messages()
    assert reason.text == "请在金额后写上事由。"
    await office.send_command("cancel")
    await office.wait_for_messages(2)

    # 结项: marked on the card; no more money goes in.
    await office.press_forged(f"pj:show:{project.id}", message_id=home.message_id)
    await office.press("🏁 结项", message_id=home.message_id)
    closed = await office.wait_for_edit(home.message_id)
    assert "🏁 已结项" in closed.text and "▶️ 重新开启" in closed.button_texts()
    answer = await office.press_forged(f"pj:st:{project.id}:c", message_id=home.message_id)  # an old 结项 press
    assert answer is not None and answer.text == STALE
    async with running.db.transaction() as tx:
        assert (await tx.projects.get(project.id)).status == "closed"  # type: ignore[union-attr]  # not reopened
    await office.press("💰 从资金池拨款", message_id=home.message_id)
    await office.wait_for_messages()
    await office.send_text("1000 追加")
    await office.wait_for_messages()
    answer = await office.press("✅ 确认")
    assert answer is not None and answer.text == "这个项目已结项，不再拨款。"
    await office.send_command("cancel")
    await office.wait_for_messages(2)

    # A fund's money to a community, then money in.
    await office.send_command("projects")
    (again,) = await office.wait_for_messages()
    await office.press("💰 2027年街道微实事资金")
    card = await office.wait_for_edit(again.message_id)
    assert card.text.startswith("💰 2027年街道微实事资金（街道财政）\n到账 ¥100,000.00 = 未分配 ¥100,000.00")
    await office.press("➡️ 分配给 阳光社区")
    await office.wait_for_messages()
    await _confirm(office, "2万 试点", "从 资金池（未分配） 划 ¥20,000.00 到 阳光社区，事由：试点")
    await office.press("➕ 追加到账", message_id=again.message_id)  # the fund's card is still there
    await office.wait_for_messages()
    await _confirm(office, "5万 第二批", "到账 ¥50,000.00，事由：第二批")
    async with running.db.transaction() as tx:
        balances = await tx.funds.balances(fund_id)
        sun = await tx.communities.by_name("阳光社区")
    assert sun is not None
    assert (balances["pool"], balances[f"community:{sun.id}"], balances["source"]) == (
        13_000_000,
        2_000_000,
        -15_000_000,
    )

    # An office over 桂花社区 only: nothing of 阳光社区's fund or project, whatever button it forges.
    for forged in (
        f"pj:show:{project.id}",
        f"pj:mv:{fund_id}:P:p{project.id}",
        f"pj:fund:{fund_id}",
        f"pj:sp:{project.id}",
        f"pj:md:{project.id}:1:1",
        f"pj:st:{project.id}:r",
        f"pj:vw:{won}",
        f"pj:vf:{won}:{fund_id}",
        f"pj:in:{fund_id}",
        f"cl:nf:{fund_id}:b",
    ):
        answer = await other.press_forged(forged)
        assert answer is not None and answer.text in (STREET_ONLY, CALLS_ONLY), forged
    for forged, expected in (
        (f"pj:mv:{fund_id}:X:Y", STALE),  # malformed: no button of ours says that
        (f"pj:mv:{fund_id}:c1:c9999999999999999999999", STALE),
        (f"pj:md:{project.id}:1", STALE),
        (f"pj:st:{project.id}:x", STALE),
        ("pj:show:²", STREET_ONLY),  # no such project of this office
        ("pj:ok:", STALE),
        ("cl:nf:1:z", STALE),
    ):
        answer = await office.press_forged(forged)
        assert answer is not None and answer.text == expected, forged
    async with running.db.transaction() as tx:
        assert (
            len(await tx.projects.all()) == 1 and len(await tx.funds.entries(fund_id)) == 3
        )  # nothing forged was booked


async def test_an_organisation_applies_by_file(running: Running) -> None:
    _office, member = await _people(running)
    async with running.db.transaction() as tx:
        fund_id = await projects.create_fund(tx, OFFICE, "2027年福彩公益金", "lottery", 50_000_000, utc_now())
        call_id = await calls.open_call(
            tx, OFFICE, fund_id, "venture", "长者助餐服务", 10_000_000, utc_now() + timedelta(days=10), utc_now()
        )
    await member.send_command("calls")
    (listing,) = await member.wait_for_messages()
    await member.press("长者助餐服务（征集中）")
    await member.wait_for_edit(listing.message_id)
    await member.press("📄 下载申请表")
    (form,) = await member.wait_for_messages(timeout=15)
    book = load_workbook(io.BytesIO(await document_bytes(running, form)))
    sheet = book.active
    assert sheet is not None and sheet["A2"].value == "征集编号" and sheet["B2"].value == str(call_id)
    assert sheet["B4"].value == ORG
    sheet["B5"], sheet["B6"], sheet["B7"] = "每周三次上门送餐", 80000, "阳光社区"
    filled = io.BytesIO()
    book.save(filled)

    await member.press("✍️ 申请")
    await member.wait_for_messages()
    await member.send_document(filled.getvalue(), "申请表.xlsx", mime_type=XLSX)
    (preview,) = await member.wait_for_messages(timeout=10)
    assert preview.text.startswith("方案：每周三次上门送餐\n预算 ¥80,000.00，服务 阳光社区"), preview.text
    await member.press("✅ 确认")
    await member.wait_for_messages(2)
    async with running.db.transaction() as tx:
        (application,) = await tx.calls.applications(call_id)
    assert (application.via, application.budget_fen, application.organization) == ("file", 8_000_000, ORG)


PJ_BUTTONS = ("pj:home", "pj:show:{p}", "pj:fund:{f}", "pj:comm", "pj:votes", "pj:vw:{v}", "pj:vf:{v}:{f}", "pj:x",
              "pj:md:{p}:1:1", "pj:md:{p}:1:0", "pj:st:{p}:c", "pj:st:{p}:r", "pj:ok:abc", "pj:no:abc", "pj:newfund",
              "pj:in:{f}", "pj:mv:{f}:P:c1",
              "pj:mv:{f}:P:p{p}", "pj:sp:{p}", "pj:pf:{p}", "pj:ma:{p}")  # fmt: skip
CL_BUTTONS = ("cl:list", "cl:show:{c}", "cl:new", "cl:nf:{f}:b", "cl:ap:{c}", "cl:aw:{a}", "cl:ok:abc", "cl:no:abc",
              "cl:form:{c}")  # fmt: skip


async def test_every_command_and_button_checks_the_role(running: Running) -> None:
    """/projects and /calls, and every pj: and cl: button (forged with real ids), by a resident, by a street office
    of another community and (pj:) by an organisation member: refused, nothing booked or created."""
    _office, member = await _people(running)
    won = await _closed_round(running)
    async with running.db.transaction() as tx:
        await register_street_office(tx, OTHER_OFFICE, ["桂花社区"], "zh_CN", utc_now())
        fund_id = await projects.create_fund(tx, OFFICE, "2027年街道微实事资金", "street", 10_000_000, utc_now())
        call_id = await calls.open_call(tx, OFFICE, fund_id, "purchase", "助餐", 1_000_000,
                                        utc_now() + timedelta(days=3), utc_now())  # fmt: skip
        organization = await calls.applicant_organization(tx, MEMBER)
        application = await tx.calls.apply(call_id, organization, MEMBER, "方案", 500_000, [1], "chat", utc_now())
        project = await projects.from_vote(tx, OFFICE, won, fund_id, utc_now())
    resident = await running.client.user(first_name="居民")
    await onboard(resident)
    other = await running.client.user(OTHER_OFFICE, first_name="另一街道")
    await other.send_command("start")
    await other.wait_for_messages()
    for command, refusal in (("projects", STREET_ONLY), ("calls", CALLS_ONLY)):
        await resident.send_command(command)
        (said,) = await resident.wait_for_messages()
        assert said.text == refusal, command
    await member.send_command("projects")
    assert (await member.wait_for_messages())[0].text == STREET_ONLY
    ids = {"p": project.id, "f": fund_id, "v": won, "c": call_id, "a": application}
    for template in PJ_BUTTONS + CL_BUTTONS:
        data = template.format(**ids)
        # The other office may open its own lists (home, new fund …); every button naming 阳光社区's things fails.
        pressers = [resident] + ([other] if "{" in template else []) + ([member] if data.startswith("pj:") else [])
        for presser in pressers:
            answer = await presser.press_forged(data)
            # Real ids: refused for the role (the right text per command), never a mere "expired". Only 确认/取消
            # with a made-up token are stale for anyone (nothing to refuse: there is no draft).
            refusal = STREET_ONLY if data.startswith("pj:") else CALLS_ONLY
            expected = (refusal, STALE) if data.startswith("cl:") and data.split(":")[1] in ("ok", "no") else (refusal,)
            assert answer is not None and answer.text in expected, (data, presser.id, answer and answer.text)
    await other.send_command("projects")
    (own,) = await other.wait_for_messages()
    assert "楼道照明改造" not in own.text and "微实事资金" not in own.text  # nothing of another office's
    async with running.db.transaction() as tx:
        assert len(await tx.funds.entries(fund_id)) == 1 and len(await tx.projects.all()) == 1
        assert (await tx.calls.get(call_id)).status == "open"  # type: ignore[union-attr]
        assert (await tx.projects.get(project.id)).status == "running"  # type: ignore[union-attr]
        assert len(await tx.funds.all()) == 1 and len(await tx.calls.all()) == 1


BOTH_OFFICE = 920004


async def test_a_communitys_money_goes_only_to_a_project_serving_it(running: Running) -> None:
    """A fund over 阳光社区 and 桂花社区; a project serving 阳光社区 only. 桂花社区's allocation cannot be moved into
    it nor it into 桂花社区's, whatever button is forged: refused at the press and nothing booked."""
    async with running.db.transaction() as tx:
        now = utc_now()
        await register_street_office(tx, BOTH_OFFICE, ["阳光社区", "桂花社区"], "zh_CN", now)
        fund_id = await projects.create_fund(tx, BOTH_OFFICE, "街道资金", "street", 1_000_000, now)
        sun, osmanthus = await tx.communities.by_name("阳光社区"), await tx.communities.by_name("桂花社区")
        assert sun is not None and osmanthus is not None
        project_id = await tx.projects.create(fund_id, "阳光助餐", "purchase", 500_000, None, [sun.id], now,
                                              now + timedelta(days=365), BOTH_OFFICE, now)  # fmt: skip
        assert project_id is not None
        for community in (sun.id, osmanthus.id):
            await funds.move(tx, fund_id, funds.POOL, funds.community_account(community), 300_000, BOTH_OFFICE, "", now)
        await funds.move(tx, fund_id, funds.community_account(sun.id), funds.project_account(project_id), 100_000,
                         BOTH_OFFICE, "", now)  # fmt: skip
    office = await running.client.user(BOTH_OFFICE, first_name="街道李科长")
    await office.send_command("start")
    await office.wait_for_messages()
    for forged in (f"pj:mv:{fund_id}:c{osmanthus.id}:p{project_id}", f"pj:mv:{fund_id}:p{project_id}:c{osmanthus.id}"):
        answer = await office.press_forged(forged)
        assert answer is not None and answer.text == NOT_SERVED, forged
    await office.press_forged(f"pj:mv:{fund_id}:c{sun.id}:p{project_id}")  # its own community: asked for the amount
    (prompt,) = await office.wait_for_messages()
    assert "阳光社区" in prompt.text and "阳光助餐" in prompt.text, prompt.text
    await _confirm(office, "1000 二期", "从 阳光社区 划 ¥1,000.00 到 阳光助餐")
    async with running.db.transaction() as tx:
        balances = await tx.funds.balances(fund_id)
        with pytest.raises(FundError) as refused:  # the same rule for the CLI's rows and any other caller
            await funds.move(tx, fund_id, funds.community_account(osmanthus.id), funds.project_account(project_id),
                             1, BOTH_OFFICE, "", utc_now())  # fmt: skip
    assert refused.value.key == "fund.community_not_served"
    assert (balances[funds.community_account(osmanthus.id)], balances[funds.project_account(project_id)]) == (
        300_000,
        200_000,
    )


async def test_an_organisation_member_sees_and_applies_only_to_calls_of_communities_it_serves(
    running: Running,
) -> None:
    """周主任 serves 阳光社区; a call of another street over 桂花社区 is not listed to him, and its buttons (forged
    with the real id) and a direct apply are refused; nothing is saved."""
    _office, member = await _people(running)
    async with running.db.transaction() as tx:
        now = utc_now()
        await register_street_office(tx, OTHER_OFFICE, ["桂花社区"], "zh_CN", now)
        fund_id = await projects.create_fund(tx, OTHER_OFFICE, "桂花街道资金", "street", 1_000_000, now)
        call_id = await calls.open_call(tx, OTHER_OFFICE, fund_id, "purchase", "桂花助浴", 500_000,
                                        now + timedelta(days=5), now)  # fmt: skip
        osmanthus = await tx.communities.by_name("桂花社区")
        assert osmanthus is not None
    await member.send_command("calls")
    (listing,) = await member.wait_for_messages()
    assert listing.text == "现在没有项目征集。" and "桂花助浴" not in str(listing.button_texts())
    for forged in (f"cl:show:{call_id}", f"cl:ap:{call_id}", f"cl:form:{call_id}"):
        answer = await member.press_forged(forged)
        assert answer is not None and answer.text == CALLS_ONLY, forged
    async with running.db.transaction() as tx:
        with pytest.raises(NotAllowed):
            await calls.apply(tx, MEMBER, call_id, calls.Draft("助浴", 100_000, (osmanthus.id,)), "chat", utc_now())
    async with running.db.transaction() as tx:
        assert await tx.calls.applications(call_id) == []
