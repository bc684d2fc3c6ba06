"""Residents' votes on projects through the sandbox: staff open a round one question at a time and tell the
residents; residents vote and change their vote; staff type in paper ballots; closing records the winners and
tells the voters. Residents of another community, residents trying staff actions and staff of another
community are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core import people
from sandbox import SandboxClient, SandboxServer, SimUser
from storage.records import utc_now
from tests.conftest import Running, bot_running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_staff_loop import staff_member

PROJECTS = (
    "楼道照明改造\n阳光社工服务中心\n2万\n给老楼道装声控灯",
    "儿童四点半课堂｜阳光社工服务中心｜8000",
    "长者助餐补贴\n安康居家养老服务站\n15,000元\n给 80 岁以上老人每餐补 3 元",
)


async def open_round(staff: SimUser, *, notify: bool = True) -> None:
    await staff.send_command("rounds")
    (listing,) = await staff.wait_for_messages()
    assert listing.text == "本社区还没有项目评议。点下面开始第一轮。"
    await staff.press("➕ 新建评议")
    (title_prompt,) = await staff.wait_for_messages()
    assert title_prompt.text.startswith("这轮评议叫什么名字？")
    await staff.send_text("2027年微实事项目")
    (closes_prompt,) = await staff.wait_for_messages()
    assert closes_prompt.text.startswith("什么时候截止？")
    await staff.send_text("明天")  # not a date: asked again, nothing lost
    (bad,) = await staff.wait_for_messages()
    assert bad.text.startswith("没看懂这个日期")
    await staff.send_text("14")
    (first,) = await staff.wait_for_messages()
    assert "请发送第 1 个候选项目" in first.text
    await staff.send_text("只有名称")
    (incomplete,) = await staff.wait_for_messages()
    assert incomplete.text.startswith("项目格式不对")
    for number, project in enumerate(PROJECTS, start=1):
        await staff.send_text(project)
        (added,) = await staff.wait_for_messages()
        assert added.text.startswith(f"已添加第 {number} 个项目")
    assert "预算 15,000 元" in added.text
    await staff.press("✅ 完成")
    (winners,) = await staff.wait_for_messages()
    assert winners.text.startswith("共 3 个候选项目。资助几个项目")
    assert winners.button_texts() == ["1", "2", "✖️ 取消"]
    await staff.press("1")
    preview = await staff.wait_for_edit(winners.message_id)
    assert "资助 1 个项目" in preview.text and "1. 楼道照明改造 — 阳光社工服务中心，预算 20,000 元" in preview.text
    await staff.press("📣 开启并通知居民" if notify else "开启（暂不通知）")
    # The staff member lives in 阳光社区 too, so the news reaches them as well (through the outbox, in any order).
    arrived = await staff.wait_for_messages(3 if notify else 2, timeout=10)
    told, view = [m for m in arrived if not m.text.startswith("🗳 阳光社区项目评议")]
    assert told.text.startswith("已开始通知本社区" if notify else "居民可以发送 /vote")
    assert view.text.startswith("🗳 2027年微实事项目（进行中，")
    assert "网上已投 0 票（各项目网上得票截止后公布），纸质票 0 票" in view.text


async def test_a_round_from_opening_to_results(running: Running) -> None:
    staff = await staff_member(running)
    voters = [await running.client.user(first_name=f"居民{i}") for i in range(3)]
    for voter in voters:
        await onboard(voter)
    elsewhere = await running.client.user(first_name="桂花居民")
    await onboard(elsewhere, "桂花社区")

    await open_round(staff)
    news_of = {}
    for voter in voters:
        (news,) = await voter.wait_for_messages(timeout=10)
        assert news.text.startswith("🗳 阳光社区项目评议：2027年微实事项目") and news.button_texts() == ["🗳 去投票"]
        news_of[voter.id] = news
    await elsewhere.expect_silence(0.3)

    # 居民0 votes from the news, then changes their mind; the others vote through /vote.
    await voters[0].press("🗳 去投票")
    ballot = await voters[0].wait_for_edit(news_of[voters[0].id].message_id)
    assert "您还没有投票" in ballot.text
    assert ballot.button_texts() == ["1. 楼道照明改造", "2. 儿童四点半课堂", "3. 长者助餐补贴"]
    answer = await voters[0].press("2. 儿童四点半课堂")
    assert answer is not None and answer.text == "已投给 2. 儿童四点半课堂"
    changed = await voters[0].wait_for_edit(ballot.message_id)
    assert "您现在投给了：2. 儿童四点半课堂" in changed.text
    await voters[0].press("1. 楼道照明改造")
    changed = await voters[0].wait_for_edit(ballot.message_id)
    assert "您现在投给了：1. 楼道照明改造" in changed.text and "✅ 1. 楼道照明改造" in changed.button_texts()
    for voter, choice in ((voters[1], "2. 儿童四点半课堂"), (voters[2], "2. 儿童四点半课堂")):
        await voter.send_command("vote")
        (own_ballot,) = await voter.wait_for_messages()
        await voter.press(choice, message_id=own_ballot.message_id)
        await voter.wait_for_edit(own_ballot.message_id)

    # Staff end the online voting early; the ballot boxes are emptied and counted before the result is out.
    await staff.send_command("rounds")
    (listing,) = await staff.wait_for_messages()
    await staff.press(listing.button_texts()[0])
    shown = await staff.wait_for_edit(listing.message_id)
    assert "网上已投 3 票" in shown.text and "2. 儿童四点半课堂：纸质 0 票" in shown.text  # no running count
    await staff.press("⏹ 截止投票")
    await staff.wait_for_edit(listing.message_id)
    await staff.press("⏹ 确认截止")
    counting = await staff.wait_for_edit(listing.message_id)
    assert "正在录入纸质票，结果尚未公布" in counting.text and "共" not in counting.text
    assert counting.button_texts() == ["📝 录入纸质票", "📢 公布结果", "↩️ 全部评议"]
    answer = await voters[1].press("1. 楼道照明改造")  # too late to vote
    assert answer is not None and answer.text == "这项评议已经截止，不能再投票或录入了。"

    # Paper ballots from the residents' council, shown apart from the online votes.
    await staff.press("📝 录入纸质票")
    await staff.wait_for_edit(listing.message_id)
    await staff.press("3. 长者助餐补贴")
    (paper_prompt,) = await staff.wait_for_messages()
    assert paper_prompt.text.startswith("请输入「长者助餐补贴」的纸质票数")
    await staff.send_text("很多张")
    (bad,) = await staff.wait_for_messages()
    assert bad.text.startswith("请先写票数")
    await staff.send_text("355号楼投票箱")  # a count run into the note is not guessed at
    (bad,) = await staff.wait_for_messages()
    assert bad.text.startswith("请先写票数")
    await staff.send_text("5 居民议事会现场投票")
    (confirm,) = await staff.wait_for_messages()
    assert confirm.text == "记入「长者助餐补贴」纸质票 5 张（居民议事会现场投票）？公布结果前，最后一笔还可以撤销。"
    await staff.press("✅ 确认记入")
    added, results = await staff.wait_for_messages(2)
    assert "↩️ 撤销最后一笔纸质票" in results.button_texts()  # what the question said: it can still be taken back
    assert added.text == "已录入：长者助餐补贴 纸质票 5 张（居民议事会现场投票）。"
    assert "3. 长者助餐补贴：纸质 5 票" in results.text and "网上已投 3 票" in results.text
    assert "纸质票记录：\n· 长者助餐补贴：5 张，居民议事会现场投票" in results.text
    counted = next(m for m in await staff.messages() if m.message_id == confirm.message_id)
    assert counted.text == "✅ 已记入。" and not counted.inline_keyboard  # it cannot be pressed a second time

    # A batch typed in for the wrong project is taken back: it stops counting, its row is kept as void.
    await staff.press("📝 录入纸质票", message_id=results.message_id)
    await staff.press("1. 楼道照明改造", message_id=results.message_id)
    await staff.wait_for_messages()
    await staff.send_text("4 投错了项目")
    await staff.wait_for_messages()
    await staff.press("✅ 确认记入")
    _added, mistaken = await staff.wait_for_messages(2)
    assert "1. 楼道照明改造：纸质 4 票" in mistaken.text
    await staff.press("↩️ 撤销最后一笔纸质票", message_id=mistaken.message_id)
    asked = await staff.wait_for_edit(mistaken.message_id)
    assert asked.text.startswith("撤销最后一笔纸质票吗？「楼道照明改造」4 张（投错了项目）")
    answer = await staff.press("↩️ 确认撤销", message_id=mistaken.message_id)
    assert answer is not None and answer.text == "已撤销：「楼道照明改造」4 张（投错了项目）"
    results = await staff.wait_for_edit(mistaken.message_id)
    assert "1. 楼道照明改造：纸质 0 票" in results.text and "投错了项目" not in results.text
    async with running.db.transaction() as tx:  # kept, marked void, for whoever audits the count
        async with tx.conn.execute("SELECT ballots, voided_by FROM paper_votes WHERE voided_at IS NOT NULL") as cur:
            assert [tuple(row) for row in await cur.fetchall()] == [(4, staff.id)]

    # Publishing: winners recorded, counts frozen, the voters and the staff member are told.
    await staff.press("📢 公布结果", message_id=results.message_id)
    await staff.wait_for_edit(results.message_id)
    await staff.press("📢 确认公布", message_id=results.message_id)
    final = await staff.wait_for_edit(results.message_id)
    assert final.text.startswith("🗳 2027年微实事项目（已于")
    assert "3. 长者助餐补贴：共 5 票（网上 0，纸质 5） ⭐ 入选" in final.text
    assert "⭐" not in final.text.split("入选", 1)[1]  # one project funded
    for voter in (*voters, staff):
        (news,) = await voter.wait_for_messages(timeout=10)
        assert news.text.startswith("🗳 评议已截止，结果如下：") and "⭐ 入选" in news.text
    async with running.db.transaction() as tx:
        (vote_round,) = await tx.votes.rounds(1, 5)
        projects = await tx.votes.projects(vote_round.id)
    assert vote_round.status == "closed" and vote_round.closes_at <= utc_now()  # shown as closed when it was
    assert [(p.title, p.won, p.final_online, p.final_paper) for p in projects] == [
        ("楼道照明改造", False, 1, 0), ("儿童四点半课堂", False, 2, 0), ("长者助餐补贴", True, 0, 5),
    ]  # fmt: skip

    # After closing, a ballot press shows the results instead of counting.
    answer = await voters[0].press("2. 儿童四点半课堂", message_id=ballot.message_id)
    assert answer is not None and answer.text == "这项评议已经截止，不能再投票或录入了。"
    async with running.db.transaction() as tx:  # who voted for what is not kept once the counts are frozen
        assert await tx.votes.vote_of(vote_round.id, voters[0].id) is None
        assert await tx.votes.paper_counts(vote_round.id) == {projects[2].id: 5}


async def test_residents_and_other_communities_are_refused(running: Running) -> None:
    staff = await staff_member(running)
    resident = await running.client.user()
    await onboard(resident)
    await open_round(staff, notify=False)
    async with running.db.transaction() as tx:
        other_staff_id = 900099
        await people.register_staff(tx, other_staff_id, "桂花社区", "zh_CN", utc_now())
        (vote_round,) = await tx.votes.rounds(1, 5)
        projects = await tx.votes.projects(vote_round.id)

    await resident.send_command("rounds")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "只有社区工作人员可以管理项目评议，而且只能管理本社区的评议。"

    # A resident of 桂花社区 sees no round of 阳光社区 and a forged ballot press counts nothing.
    elsewhere = await running.client.user()
    await onboard(elsewhere, "桂花社区")
    await elsewhere.send_command("vote")
    (none,) = await elsewhere.wait_for_messages()
    assert none.text.startswith("您的社区目前没有项目评议")
    answer = await elsewhere.press_forged(f"vt:v:{vote_round.id}:{projects[0].id}")
    assert answer is not None and answer.text == "这项评议不属于您所在的社区。"

    # Staff of 桂花社区 can neither look at nor close 阳光社区's round.
    other = await running.client.user(other_staff_id)
    await other.send_command("start")
    await other.wait_for_messages()
    answer = await other.press_forged(f"vr:closeok:{vote_round.id}")
    assert answer is not None and answer.text == "只有社区工作人员可以管理项目评议，而且只能管理本社区的评议。"
    # A resident cannot type in paper ballots either.
    answer = await resident.press_forged(f"vr:pp:{vote_round.id}:{projects[0].id}")
    assert answer is not None and answer.text == "只有社区工作人员可以管理项目评议，而且只能管理本社区的评议。"
    async with running.db.transaction() as tx:
        still = await tx.votes.get_round(vote_round.id)
        assert still is not None and still.status == "open"
        assert await tx.votes.online_counts(vote_round.id) == {}
        assert await tx.votes.paper_counts(vote_round.id) == {}


async def test_a_sticker_repeats_the_question_and_back_leaves_without_opening(running: Running) -> None:
    staff = await staff_member(running)
    await staff.send_command("rounds")
    await staff.wait_for_messages()
    await staff.press("➕ 新建评议")
    await staff.wait_for_messages()
    await staff.send_text("2027年微实事项目")
    await staff.wait_for_messages()
    await staff.send_sticker()
    unexpected, again = await staff.wait_for_messages(2)
    assert unexpected.text.startswith("收到您的") and "这一步我用不上它" in unexpected.text
    assert again.text.startswith("什么时候截止？")
    await staff.send_text("↩️ 返回")
    (left,) = await staff.wait_for_messages()
    assert left.text == "已取消，评议没有开启。" and left.reply_keyboard is not None  # back at the main menu
    async with running.db.transaction() as tx:
        assert await tx.votes.rounds(1, 5) == []
        dialog = await tx.dialogs.get(staff.id)
    assert dialog is not None and dialog.state == "menu"


@pytest.fixture
async def quick_timers(city: tuple[SandboxServer, SandboxClient, Path]) -> AsyncIterator[Running]:
    """The bot with its time-limit loop ticking five times a second."""
    async with bot_running(city, timer_interval_seconds=0.2) as bot:
        yield bot


async def test_voting_ends_on_its_day_and_an_unpublished_result_is_published_for_staff(quick_timers: Running) -> None:
    running = quick_timers
    staff = await staff_member(running)
    voter = await running.client.user()
    await onboard(voter)
    await open_round(staff, notify=False)
    await voter.send_command("vote")
    (ballot,) = await voter.wait_for_messages()
    await voter.press("3. 长者助餐补贴")
    await voter.wait_for_edit(ballot.message_id)
    async with running.db.transaction() as tx:  # the closing day has come
        await tx.conn.execute("UPDATE vote_rounds SET closes_at = ?", ((utc_now() - timedelta(minutes=1)).isoformat(),))
    (ended,) = await staff.wait_for_messages(timeout=10)  # the time-limit loop ended the voting
    assert ended.text.startswith("🗳 「2027年微实事项目」的网上投票已截止。请录入纸质票") and "3 天内" in ended.text
    assert ended.button_texts() == ["🗳 查看评议"]
    await voter.expect_silence(0.5)  # nothing to tell residents until the result is published
    async with running.db.transaction() as tx:  # staff did not publish within three days
        await tx.conn.execute("UPDATE vote_rounds SET closes_at = ?", ((utc_now() - timedelta(days=3)).isoformat(),))
    (news,) = await voter.wait_for_messages(timeout=10)
    assert news.text.startswith("🗳 评议已截止") and "3. 长者助餐补贴：共 1 票（网上 1，纸质 0） ⭐ 入选" in news.text
    (told_staff,) = await staff.wait_for_messages(timeout=10)
    assert told_staff.text == news.text
    async with running.db.transaction() as tx:
        (vote_round,) = await tx.votes.rounds(1, 5)
        assert vote_round.status == "closed"
        assert await tx.votes.vote_of(vote_round.id, voter.id) is None  # who voted for what is forgotten…
        projects = await tx.votes.projects(vote_round.id)
    assert [(p.final_online, p.won) for p in projects] == [(0, False), (0, False), (1, True)]  # …the result stays


async def test_buttons_of_an_abandoned_draft_open_nothing(running: Running) -> None:
    staff = await staff_member(running)

    async def draft_up_to_winners(title: str) -> int:
        await staff.send_command("rounds")
        await staff.wait_for_messages()
        await staff.press("➕ 新建评议")
        await staff.wait_for_messages()
        for answer in (title, "14", PROJECTS[0], PROJECTS[1]):
            await staff.send_text(answer)
            await staff.wait_for_messages()
        await staff.press("✅ 完成")
        (winners,) = await staff.wait_for_messages()
        return winners.message_id

    old = await draft_up_to_winners("第一稿")
    await staff.send_command("cancel")
    (cancelled,) = await staff.wait_for_messages()
    assert cancelled.text == "已取消。" and cancelled.reply_keyboard is not None  # back at the main menu
    await draft_up_to_winners("第二稿")
    answer = await staff.press("1", message_id=old)
    assert answer is not None and answer.text == "这个按钮已经过期了。"
    async with running.db.transaction() as tx:
        assert await tx.votes.rounds(1, 5) == []
        dialog = await tx.dialogs.get(staff.id)
    assert dialog is not None and dialog.state == "round.confirm" and dialog.data["title"] == "第二稿"
