"""The role × command × callback matrix: who may do what, as a table, checked against the running bot.

Each row is one fresh person of a role (harness.ROLES, set up as the flows do) sending one command, or pressing one
forged button whose data points at something that is not theirs (another resident's request, a task offered to or
taken by another provider, another community's case, round or application, a volunteer's task they do not
supervise, a registration / announcement / vote-opening step they are not in). The row says whether it is allowed.

How a row's outcome is read (`classify`):
  granted  the database changed (every table but the outbox, the update log and the dialogs), or the person's
           dialog moved to another step, or the bot answered with something that is not a refusal;
  refused  nothing changed, and the answer or a reply is a refusal (a stale button, "only staff …", …);
  silent   nothing changed and the bot said nothing at all;
  crash    a traceback was logged.
A wrong grant is a row expected refused whose outcome is granted; a wrong refusal the opposite.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from core.dialog import State
from tests.faults.harness import SUPERVISOR_ID, Crash, Stand, ThreadedStand
from tests.faults.inputs import command_names
from tests.faults.scenarios import Atlas, scout

MATRIX_ROLES = (
    "stranger", "newcomer", "resident_yg", "resident_gh", "volunteer", "social_worker", "org_member", "staff_yg",
    "staff_gh",
)  # fmt: skip
RESIDENTS = frozenset({"resident_yg", "resident_gh", "staff_yg", "staff_gh"})  # staff live in their community too
PROVIDERS = frozenset({"volunteer", "social_worker", "org_member"})
STAFF = frozenset({"staff_yg", "staff_gh"})
EVERYONE = frozenset(MATRIX_ROLES)
NOBODY: frozenset[str] = frozenset()

# Who may use each command. Every command in handlers.COMMANDS must be here (test_every_command_is_in_the_matrix).
COMMAND_ROLES: dict[str, frozenset[str]] = {
    "start": EVERYONE,
    "help": EVERYONE,
    "cancel": EVERYONE,
    "language": EVERYONE,
    "privacy": EVERYONE,  # shows what is kept, which for a stranger is nothing
    "mute": RESIDENTS,
    "building": RESIDENTS,
    "vote": RESIDENTS,
    "duty": PROVIDERS,
    "tasks": PROVIDERS,
    "stats": PROVIDERS | STAFF,
    "invite": STAFF,
    "announce": STAFF,
    "needs": STAFF,
    "report": STAFF,
    "rounds": STAFF,
    "export": STAFF,
    "poster": STAFF,
    "hours": PROVIDERS | STAFF,  # a provider's own ledger; staff's community export
    "projects": NOBODY,  # street offices only (none among these roles)
    "supply": NOBODY,  # street offices only (tests/flows/test_street_office.py)
    "providers": NOBODY,  # street offices only
    "calls": frozenset({"social_worker", "org_member"}),  # members of an organisation see the open calls
    "family": RESIDENTS,  # links need consent (providers here have not consented: refused)
    "behalf": STAFF,  # family members with a live link, grid workers and staff; a resident without links: refused
}
COMMAND_ARGS = {"invite": "志愿者"}


@dataclass(frozen=True)
class ButtonSpec:
    """A forged press: `data` is formatted with the scouts' targets; `allowed` roles may press it; `loose` marks
    rows whose allowed outcome may legitimately be either (only crashes count there)."""

    name: str
    data: str
    allowed: frozenset[str] = NOBODY
    loose: bool = False
    why: str = ""


# In order: a spec whose allowed press changes its target (closing a round) comes after the specs that need it.
BUTTONS: tuple[ButtonSpec, ...] = (
    ButtonSpec("lang", "lang:en", EVERYONE, loose=True, why="one's own language"),
    ButtonSpec("consent", "consent:yes", frozenset({"newcomer"}), why="only at the consent step"),
    ButtonSpec("privacy", "privacy:confirm", RESIDENTS, loose=True, why="one's own data, after consent"),
    ButtonSpec("comm", "comm:{guihua}", NOBODY, why="choosing a community outside the community step"),
    ButtonSpec("in-submit", "in:submit", NOBODY, why="intake submit outside the intake"),
    ButtonSpec("in-pick", "in:pick:S020", NOBODY, why="intake pick outside the intake"),
    ButtonSpec("rq-cancel", "rq:cancel_yes:{request_cancellable}", NOBODY, why="another resident's request"),
    ButtonSpec("rate", "rate:{request_done_unrated}:5", NOBODY, why="another resident's finished request"),
    ButtonSpec("rate-unsolved", "rate:{request_done_unrated}:unsolved", NOBODY, why="another resident's request"),
    ButtonSpec("st-assign", "st:assign:{request_guihua_case}", frozenset({"staff_gh"}), why="a case of 桂花社区"),
    ButtonSpec("st-close", "st:close:{request_guihua_case}", frozenset({"staff_gh"}), why="a case of 桂花社区"),
    ButtonSpec("tk-accept", "tk:accept:{request_offered}", NOBODY, why="a task offered to other providers"),
    ButtonSpec("tk-decline", "tk:decline:{request_offered}", NOBODY, why="a task offered to other providers"),
    ButtonSpec("tk-start", "tk:start:{request_accepted_by_chen}", NOBODY, why="another provider's task"),
    ButtonSpec("tk-done", "tk:done:{request_accepted_by_chen}", NOBODY, why="another provider's task"),
    ButtonSpec("tk-cannot", "tk:cannot:{request_accepted_by_chen}", NOBODY, why="another provider's task"),
    ButtonSpec("sv-ok", "sv:ok:{request_supervised}", NOBODY, why="a volunteer's task supervised by 陈社工"),
    ButtonSpec("sv-flag", "sv:flag:{request_supervised}", NOBODY, why="a volunteer's task supervised by 陈社工"),
    ButtonSpec("rg-svc", "rg:svc:S001", NOBODY, why="registration, not in that step"),
    ButtonSpec("rg-com-done", "rg:com_done", NOBODY, why="registration, not in that step"),
    ButtonSpec("rg-sup", f"rg:sup:{SUPERVISOR_ID}", NOBODY, why="registration, not in that step"),
    ButtonSpec("rg-no", "rg:no:{application_guihua}", frozenset({"staff_gh"}), why="an ask to serve 桂花社区"),
    ButtonSpec(
        "rg-ok",
        "rg:ok:{application_guihua}",
        frozenset({"staff_gh"}),
        loose=True,
        why="an ask to serve 桂花社区 (already refused by then)",
    ),
    ButtonSpec("an-aud", "an:aud:residents", NOBODY, why="announcement, not in that step"),
    ButtonSpec("an-send", "an:send", NOBODY, why="announcement, not in that step"),
    ButtonSpec("rp-week", "rp:week", STAFF, why="the community report"),
    ButtonSpec("vt-show", "vt:show:{round_yangguang}", frozenset({"resident_yg", "staff_yg"}), why="阳光社区's round"),
    ButtonSpec(
        "vt-vote", "vt:v:{round_yangguang}:{project_1}", frozenset({"resident_yg", "staff_yg"}), why="阳光社区's round"
    ),
    ButtonSpec("vr-show", "vr:show:{round_yangguang}", frozenset({"staff_yg"}), why="阳光社区's round"),
    ButtonSpec("vr-paper", "vr:pp:{round_yangguang}:{project_1}", frozenset({"staff_yg"}), why="阳光社区's round"),
    ButtonSpec("vr-paperok", "vr:paperok:{round_yangguang}:{project_1}", NOBODY, why="no count typed in"),
    ButtonSpec("vr-open", "vr:open:notify:{draft}", NOBODY, why="opening a round, not in that step"),
    ButtonSpec("vr-new", "vr:new", STAFF, why="staff open rounds"),
    ButtonSpec(
        "vr-voidok",
        "vr:voidok:{round_yangguang}",
        frozenset({"staff_yg"}),
        loose=True,
        why="阳光社区's round (nothing to void)",
    ),
    ButtonSpec(
        "vr-publishok",
        "vr:publishok:{round_yangguang}",
        frozenset({"staff_yg"}),
        loose=True,
        why="阳光社区's round (still open)",
    ),
    ButtonSpec("vr-closeok", "vr:closeok:{round_yangguang}", frozenset({"staff_yg"}), why="阳光社区's round"),
    ButtonSpec("st-svc", "st:svc:{request_guihua_case}:S001", frozenset({"staff_gh"}), why="a case of 桂花社区"),
    # The community comes from the presser's staff role, never from the button: both staff get their own.
    ButtonSpec("ex-needs", "ex:n:csv:20261101:20261130", STAFF, why="one's own community's needs book"),
    # A confirmation needs the pending import (and its token) in the presser's own chat: nobody here has one.
    ButtonSpec("cf-confirm", "cf:ok:deadbeef", NOBODY, why="an import nobody previewed"),
    ButtonSpec("cf-create", "cf:new:deadbeef", NOBODY, why="an import nobody previewed"),
    # Service hours: a task is only its finisher's to time; the figure only its volunteer's supervisor's to confirm.
    ButtonSpec("hr-time", "hr:m:{request_supervised}:60", NOBODY, why="a task 小李 finished"),
    ButtonSpec("hr-add", "hr:add:{request_supervised}", NOBODY, why="a task 小李 finished"),
    ButtonSpec("hr-later", "hr:later:{request_supervised}", NOBODY, why="a task 小李 finished"),
    ButtonSpec("sv-ok-hours", "sv:hok:1", NOBODY, why="小李's figure (entry 1), supervised by 陈社工"),
    ButtonSpec("sv-flag-hours", "sv:hflag:1", NOBODY, why="小李's figure (entry 1), supervised by 陈社工"),
    ButtonSpec("sv-ok-task", "sv:ok:{request_supervised}:910002", NOBODY, why="小李's task, supervised by 陈社工"),
    ButtonSpec("hr-cert", "hr:cert:y", PROVIDERS, loose=True, why="one's own hours (none yet: nothing to certify)"),
    ButtonSpec("hr-export", "hr:x:csv:20261101:20261130", STAFF, why="one's own community's hours"),
    # Funds, projects and calls: a street office's, and none of these roles is one (tests/flows/test_projects_flow.py
    # forges every pj: and cl: button with real ids, as residents, org members and another street office).
    ButtonSpec("pj-home", "pj:home", NOBODY, why="street offices only"),
    ButtonSpec("pj-move", "pj:mv:1:P:c1", NOBODY, why="street offices only"),
    ButtonSpec("cl-new", "cl:new", NOBODY, why="street offices open calls"),
    ButtonSpec("cl-award", "cl:aw:1", NOBODY, why="street offices award calls"),
    ButtonSpec("pj-close", "pj:st:1:c", NOBODY, why="street offices close projects"),
    ButtonSpec("pj-reopen", "pj:st:1:r", NOBODY, why="street offices reopen projects"),
    ButtonSpec("pj-milestone", "pj:md:1:1:1", NOBODY, why="street offices tick milestones"),
    ButtonSpec("pj-confirm", "pj:ok:deadbeef", NOBODY, why="a draft nobody here previewed"),
    ButtonSpec("cl-confirm", "cl:ok:deadbeef", NOBODY, why="a draft nobody here previewed"),
    # The scouts' street office opened a call of 阳光社区 and 桂花社区 and awarded it (scenarios.street_office): the
    # members of an organisation serving them (the stand's 阳光社工服务中心) see it; nobody may apply any more.
    ButtonSpec("cl-apply", "cl:ap:{call}", NOBODY, why="the scouts' call, awarded already: closed to applications"),
    ButtonSpec("cl-show", "cl:show:{call}", frozenset({"social_worker", "org_member"}), why="its organisations'"),
    # Street office figures and 人随事转 (tests/flows/test_street_office.py forges them as a street office too).
    ButtonSpec("so-report", "so:r:week", NOBODY, why="street offices only"),
    ButtonSpec("so-export", "so:x:20261101:20261130", NOBODY, why="street offices only"),
    ButtonSpec("so-list", "so:l:0", NOBODY, why="street offices only"),
    ButtonSpec("so-move", f"so:a:{SUPERVISOR_ID}:{{guihua}}", NOBODY, why="street offices move providers"),
    # 代办: a family link of 王阿姨 (a scout) and her daughter (a scout); 赵爷爷, 阳光社区's resident without a chat.
    ButtonSpec("fm-ok", "fm:ok:{family_link}:all", NOBODY, why="王阿姨's link, answered already"),
    ButtonSpec("fm-no", "fm:no:{family_link}", NOBODY, why="王阿姨's link"),
    ButtonSpec("fm-see", "fm:see:{family_link}:own", NOBODY, why="only 王阿姨 chooses what her daughter sees"),
    ButtonSpec("fm-view", "fm:view:{family_link}", NOBODY, why="王阿姨's requests, for her daughter only"),
    ButtonSpec("fm-end", "fm:end:{family_link}", NOBODY, why="a link between two others"),
    ButtonSpec("fm-endy", "fm:endy:{family_link}", NOBODY, why="a link between two others"),
    ButtonSpec("fm-code", "fm:code", RESIDENTS, why="one's own link code (residents)"),
    ButtonSpec("fm-join", "fm:join", RESIDENTS, why="asking for a link (consent first)"),
    ButtonSpec("ob-for", "ob:for:{resident_a}", NOBODY, why="王阿姨 has a chat and linked nobody here"),
    ButtonSpec("ob-find", "ob:find", STAFF, why="staff find their community's residents without chat"),
    ButtonSpec("ob-new", "ob:new", STAFF, why="staff record residents without chat"),
    ButtonSpec("ob-consent", "ob:consent", NOBODY, why="not at the recording's last step"),
    ButtonSpec("ob-for-offline", "ob:for:{offline_yg}", frozenset({"staff_yg"}), why="阳光社区's 赵爷爷"),
    ButtonSpec("ob-del", "ob:del:{offline_yg}", frozenset({"staff_yg"}), why="阳光社区's 赵爷爷"),
    ButtonSpec("ob-dely", "ob:dely:{offline_yg}", frozenset({"staff_yg"}), why="阳光社区's 赵爷爷 (deleted last)"),
)


@dataclass(frozen=True)
class Row:
    id: str  # "/announce as resident_yg", "tk-accept as volunteer"
    role: str
    kind: str  # command | callback
    action: str  # the command line, or the callback data template
    allowed: bool
    loose: bool = False
    why: str = ""


def rows() -> list[Row]:
    """The whole table, in the order it runs: commands, then buttons (for each, the refused roles first, so that
    an allowed press that changes the target comes after every attempt to misuse it)."""
    table: list[Row] = []
    for command in command_names():
        allowed = COMMAND_ROLES.get(command, NOBODY)
        line = f"/{command} {COMMAND_ARGS[command]}" if command in COMMAND_ARGS else f"/{command}"
        for role in MATRIX_ROLES:
            table.append(Row(f"{line} as {role}", role, "command", line, role in allowed))
    for spec in BUTTONS:
        for role in sorted(MATRIX_ROLES, key=lambda r: (r in spec.allowed, MATRIX_ROLES.index(r))):
            allowed = role in spec.allowed
            table.append(Row(f"{spec.name} as {role}", role, "callback", spec.data, allowed,
                             loose=spec.loose and allowed, why=spec.why))  # fmt: skip
    return table


# --- reading the outcome ------------------------------------------------------------------------------------------

# Tables whose changes are not an action on anything: what was sent, which updates were seen, the dialogs (read
# separately, for the acting person only).
VOLATILE_TABLES = re.compile(r"^(sqlite_.*|outbox.*|processed_updates|update_queue|dialog_states|schema.*|_.*)$")
VOLATILE_COLUMNS = frozenset({"updated_at", "blocked_at", "reported", "last_seen_at"})
REFUSAL_KEYS = re.compile(r"(not_allowed|_only|stale_button|stale_message|press_start|not_a_provider|"
                          r"not_your_community|decide_not_allowed|not_yours|not_supervisor|consent_first|"
                          r"behalf\.nobody|call\.closed)$")  # fmt: skip


async def snapshot(stand: Stand) -> dict[str, list[str]]:
    """Every row of every table that records what people did, as text (volatile columns left out)."""
    found: dict[str, list[str]] = {}
    async with stand.r.db.transaction() as tx:
        conn = tx.conn
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") as cursor:
            tables = [row[0] for row in await cursor.fetchall()]
        for table in tables:
            if VOLATILE_TABLES.match(table):
                continue
            async with conn.execute(f'SELECT * FROM "{table}"') as cursor:
                names = [d[0] for d in cursor.description]
                keep = [i for i, n in enumerate(names) if n not in VOLATILE_COLUMNS]
                found[table] = sorted(
                    json.dumps([row[i] for i in keep], ensure_ascii=False, default=str)
                    for row in await cursor.fetchall()
                )
    return found


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    out = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        out += [f"{table} -{row}" for row in sorted(old - new)] + [f"{table} +{row}" for row in sorted(new - old)]
    return out


class Refusals:
    """The texts that say no, in every language (from the catalogues: …not_allowed, …_only, stale_button, …)."""

    def __init__(self, stand: Stand) -> None:
        self.patterns: list[re.Pattern[str]] = []
        for catalogue in stand.r.i18n.catalogues.values():
            for key, text in catalogue.items():
                if REFUSAL_KEYS.search(key) and text:
                    parts = re.split(r"\{[^{}]*\}", text)
                    self.patterns.append(re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL))

    def __call__(self, text: str | None) -> bool:
        return bool(text) and any(p.fullmatch(text or "") for p in self.patterns)


@dataclass
class Outcome:
    row: Row
    outcome: str  # granted | refused | silent | crash | error
    data: str = ""
    answer: str | None = None
    replies: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: str = ""
    crashes: list[Crash] = field(default_factory=list)

    @property
    def wrong_grant(self) -> bool:
        return not self.row.allowed and self.outcome == "granted"

    @property
    def wrong_refusal(self) -> bool:
        return self.row.allowed and not self.row.loose and self.outcome in ("refused", "silent")

    @property
    def ok(self) -> bool:
        if self.outcome in ("crash", "error"):
            return False
        if self.row.allowed:
            return not self.wrong_refusal
        return self.outcome == "refused"

    def line(self) -> str:
        expected = "allowed" if self.row.allowed else "refused"
        detail = f"answer={self.answer!r} replies={[r[:60] for r in self.replies][:3]}"
        if self.changed:
            detail += f" changed={self.changed[:4]}"
        if self.moved:
            detail += f" moved={self.moved}"
        if self.crashes:
            detail += f" crash={self.crashes[0].line()}"
        return f"{self.row.id} [{self.data or self.row.action}]: expected {expected}, got {self.outcome}; {detail}"


def classify(refusal: Refusals, answer: str | None, replies: list[str], changed: list[str], moved: str,
             crashes: list[Crash]) -> str:  # fmt: skip
    if crashes:
        return "crash"
    if changed or moved:
        return "granted"
    said = [text for text in (answer, *replies) if text]
    if any(refusal(text) for text in said):
        return "refused"
    return "granted" if said else "silent"


# --- running it -----------------------------------------------------------------------------------------------


def fill(template: str, atlas: Atlas) -> str:
    targets = atlas.targets
    projects = targets.get("projects_yangguang") or [0, 0]
    values = {
        **{k: v for k, v in targets.items() if isinstance(v, int | str)},
        "guihua": (targets.get("communities") or [0, 0])[1],
        "project_1": projects[0],
        "draft": "abc123",
    }
    return template.format(**values)


async def run_row(stand: Stand, atlas: Atlas, refusal: Refusals, row: Row) -> Outcome:
    actor = await stand.person(row.role)
    before_state, before_data = await stand.dialog(actor.id)
    data = fill(row.action, atlas) if row.kind == "callback" else row.action
    if row.kind == "callback":  # a press needs a message to come from: the answer to a first word
        await stand.say(actor, "/help" if before_state is not State.NEW else "你好")
        if row.role != "stranger":
            await stand.restore(actor.id, before_state, before_data)
    seen = {m.message_id: m.edits for m in await actor.messages()}
    before = await snapshot(stand)
    stand.capture.current = f"matrix {row.id} [{data}]"
    mark = stand.capture.mark()
    answer: str | None = None
    try:
        if row.kind == "command":
            await actor.send_text(data)
        else:
            pressed = await actor.press_forged(data, timeout=5)
            answer = pressed.text if pressed else None
        await stand.idle()
    finally:
        stand.capture.current = "(no input)"
    after = await snapshot(stand)
    after_state, _ = await stand.dialog(actor.id)
    replies = [m.text or "" for m in await actor.messages() if m.message_id not in seen or m.edits > seen[m.message_id]]
    moved = ""
    if after_state is not before_state and not (before_state is State.NEW and after_state is State.LANGUAGE):
        moved = f"{before_state.value} → {after_state.value}"
    crashes = stand.capture.since(mark)
    outcome = classify(refusal, answer, replies, changes(before, after), moved, crashes)
    return Outcome(row, outcome, data, answer, replies, changes(before, after), moved, crashes)


@dataclass
class MatrixResult:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # scouting that did not go as planned
    atlas: Atlas = field(default_factory=Atlas)

    @property
    def wrong_grants(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.wrong_grant]

    @property
    def wrong_refusals(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.wrong_refusal]

    @property
    def crashes(self) -> list[Crash]:
        return [c for o in self.outcomes for c in o.crashes]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def by_id(self) -> dict[str, Outcome]:
        return {o.row.id: o for o in self.outcomes}

    def report(self) -> str:
        lines = [
            f"{len(self.outcomes)} cases, {len(self.wrong_grants)} wrong grants, "
            f"{len(self.wrong_refusals)} wrong refusals, {len(self.failed)} not as expected"
        ]
        lines += ["  " + o.line() for o in self.failed]
        return "\n".join(lines)


# --- the longer table of the bench: every button the scouts were shown, pressed by every role -------------------


def _owner_rule(data: str, atlas: Atlas) -> tuple[frozenset[str], bool]:
    """Who may press a button the bot showed someone else, by its prefix: (allowed roles, loose)."""
    parts = data.split(":")
    prefix, action = parts[0], parts[1] if len(parts) > 1 else ""
    case_community = {atlas.targets.get("request_guihua_case"): "staff_gh"}
    match prefix:
        case "lang":
            return EVERYONE, True
        case "consent":
            return (frozenset({"newcomer"}), False) if action in ("yes", "no") else (EVERYONE, True)
        case "privacy":
            return RESIDENTS, True
        case "st":  # staff of the case's community: 桂花社区's case, otherwise 阳光社区's
            number = int(parts[2]) if len(parts) > 2 and parts[2].isascii() and parts[2].isdigit() else None
            return frozenset({case_community.get(number, "staff_yg")}), True
        case "rg" if action in ("ok", "no"):
            return frozenset({"staff_gh"}), True
        case "vr":  # every round the scouts made is 阳光社区's; a draft's buttons belong to its step
            if action in ("list", "new"):
                return STAFF, True
            return (
                (frozenset({"staff_yg"}), True) if action not in ("done", "win", "open", "cancel") else (NOBODY, False)
            )
        case "vt":
            return frozenset({"resident_yg", "staff_yg"}), True
        case "rp":
            return STAFF, False
    return NOBODY, False  # in, rq, rate, tk, sv, an, comm, rg steps: another person's, or another step's


def button_rows(atlas: Atlas) -> list[Row]:
    table = []
    for data in sorted(atlas.buttons):
        allowed, loose = _owner_rule(data, atlas)
        for role in sorted(MATRIX_ROLES, key=lambda r: (r in allowed, MATRIX_ROLES.index(r))):
            table.append(
                Row(
                    f"shown {data} as {role}",
                    role,
                    "callback",
                    data,
                    role in allowed,
                    loose=loose and role in allowed,
                    why="a button the bot showed someone else",
                )
            )
    return table


async def _run(stand: Stand, table: list[Row] | None, extended: bool) -> MatrixResult:
    atlas = await scout(stand)
    result = MatrixResult(problems=list(atlas.problems), atlas=atlas)
    refusal = Refusals(stand)
    todo = rows() if table is None else list(table)
    if extended:
        todo += button_rows(atlas)
    for row in todo:
        try:
            result.outcomes.append(await run_row(stand, atlas, refusal, row))
        except Exception as exc:  # a row that cannot even be run is reported, the others still run
            result.outcomes.append(Outcome(row, "error", replies=[f"{type(exc).__name__}: {exc}"]))
    return result


def run(ts: ThreadedStand, table: list[Row] | None = None, *, extended: bool = False) -> MatrixResult:
    """The whole table (or `table`) against a freshly scouted stand; `extended` adds `button_rows` (the bench)."""
    return ts.run(_run(ts.stand, table, extended), timeout=1800)


def expected_roles() -> dict[str, Any]:
    """For the report: the table in words."""
    return {
        "commands": {c: sorted(COMMAND_ROLES.get(c, NOBODY)) for c in command_names()},
        "buttons": {b.name: {"data": b.data, "allowed": sorted(b.allowed), "why": b.why} for b in BUTTONS},
    }
