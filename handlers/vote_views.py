"""How a vote on projects looks in chat: the ballot a resident presses, the results, and their buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from core.votes import Results
from handlers import callback_data
from storage.records import VoteProject, VoteRound

VOTE = "vt"  # residents: vt:show:<round>, vt:v:<round>:<project>
ROUND = "vr"  # staff: vr:list, vr:new, vr:show:<round>, vr:paper:<round>, …


def ids(parts: list[str]) -> list[int] | None:
    """Numbers from callback data, or None if any part is not one (a forged press may carry anything)."""
    numbers = [callback_data.ident(p) for p in parts]
    return [n for n in numbers if n is not None] if None not in numbers else None


def project_line(t: Translator, p: VoteProject) -> str:
    line = t("vote.project_line", position=p.position, title=p.title, organization=p.organization,
             budget=t.number(p.budget_yuan))  # fmt: skip
    return f"{line}\n    {p.description}" if p.description else line


def ballot_text(t: Translator, vote_round: VoteRound, projects: Sequence[VoteProject], mine: int | None) -> str:
    chosen = next((p for p in projects if p.id == mine), None)
    status = t("vote.ballot_mine", position=chosen.position, title=chosen.title) if chosen else t("vote.ballot_none")
    lines = "\n".join(project_line(t, p) for p in projects)
    return t("vote.ballot", title=vote_round.title, closes=t.datetime(vote_round.closes_at), projects=lines,
             status=status)  # fmt: skip


def ballot_keyboard(t: Translator, vote_round: VoteRound, projects: Sequence[VoteProject], mine: int | None
                    ) -> InlineKeyboardMarkup:  # fmt: skip
    rows = [
        [InlineKeyboardButton(("✅ " if p.id == mine else "") + t("vote.button", position=p.position, title=p.title),
                              callback_data=f"{VOTE}:v:{vote_round.id}:{p.id}")]
        for p in projects
    ]  # fmt: skip
    return InlineKeyboardMarkup(rows)


MAX_NOTES_SHOWN = 8  # the latest paper batches; with their 100-character notes the message stays under 4,096


def results_text(t: Translator, results: Results, *, with_notes: bool) -> str:
    """Closed: every project's online, paper and total votes, and the winners. Open: only how many voted
    online, and the paper ballots staff typed in — no running count per project, so that nobody (staff
    included) can tell from a count going up how the person who just voted chose."""
    vote_round = results.round
    closed = vote_round.status == "closed"
    head = t(f"vote.results_{vote_round.status}", title=vote_round.title,
             closes=t.datetime(vote_round.closes_at))  # fmt: skip
    if closed:
        lines = [
            t.plural("vote.results_line_n", r.total, position=r.project.position, title=r.project.title,
                     total=t.number(r.total), online=t.number(r.online), paper=t.number(r.paper))
            + (t("vote.winner_mark") if r.won else "")
            for r in results.tallies
        ]  # fmt: skip
        totals = t("vote.results_totals", online=t.number(results.online_total),
                   paper=t.number(results.paper_total), winners=vote_round.winners)  # fmt: skip
    else:
        listed = sorted(results.tallies, key=lambda r: r.project.position)
        lines = [t("vote.results_line_open", position=r.project.position, title=r.project.title,
                   paper=t.number(r.paper)) for r in listed]  # fmt: skip
        totals = t("vote.results_totals_open", online=t.number(results.online_total),
                   paper=t.number(results.paper_total), winners=vote_round.winners)  # fmt: skip
    text = "\n".join([head, totals, "", *lines])
    if closed and results.tied:
        text += "\n\n" + t("vote.tie_note", winners=vote_round.winners)
    if with_notes and results.paper_notes:
        titles = {r.project.id: r.project.title for r in results.tallies}
        shown = results.paper_notes[-MAX_NOTES_SHOWN:]
        notes = [t.plural("vote.paper_note_line_n", n, title=titles.get(pid, "?"), ballots=t.number(n), note=note)
                 for pid, n, note in shown]  # fmt: skip
        if len(results.paper_notes) > len(shown):
            earlier = len(results.paper_notes) - len(shown)
            notes.insert(0, t.plural("vote.paper_notes_more_n", earlier, count=t.number(earlier)))
        text += "\n\n" + t("vote.paper_notes") + "\n" + "\n".join(notes)
    return text


def round_label(t: Translator, vote_round: VoteRound) -> str:
    return t(f"vote.round_label_{vote_round.status}", title=vote_round.title, closes=t.date(vote_round.closes_at))


def staff_round_keyboard(t: Translator, vote_round: VoteRound, *, has_paper: bool) -> InlineKeyboardMarkup:
    """Open: paper ballots, end voting. Counting: paper ballots, publish. Published: back to the list. While
    unpublished, a batch of paper ballots typed in by mistake can be taken back."""
    rows = []
    if vote_round.status in ("open", "counting"):
        rows.append([InlineKeyboardButton(t("vote.paper_button"), callback_data=f"{ROUND}:paper:{vote_round.id}")])
        if has_paper:
            rows.append([InlineKeyboardButton(t("vote.void_button"), callback_data=f"{ROUND}:void:{vote_round.id}")])
        action = "close" if vote_round.status == "open" else "publish"
        button = InlineKeyboardButton(t(f"vote.{action}_button"), callback_data=f"{ROUND}:{action}:{vote_round.id}")
        rows.append([button])
    rows.append([InlineKeyboardButton(t("vote.list_button"), callback_data=f"{ROUND}:list")])
    return InlineKeyboardMarkup(rows)


def go_vote_keyboard(t: Translator, round_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("vote.go_button"), callback_data=f"{VOTE}:show:{round_id}")]])
