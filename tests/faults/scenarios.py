"""Reaching every dialog step the realistic way.

`scout(stand)` drives the real bot through the sandbox, as people would: residents onboard (and one declines),
file requests step by step, an intake is left for hours and resumed, staff close a case with a note and residents
rate it, providers accept, finish and are supervised, staff invite a volunteer who registers (asking to serve a
second community), staff write an announcement, open a vote round and type in paper ballots, a resident gives a
building, a provider goes to the work menu, a street office opens a fund and a call (an organisation applies,
the office awards it and types spending, 以奖代补 and a milestone for the project), a resident's son types in his
family code, a 网格员 records a resident without a chat and looks one up. After each step it records the chat's
(state, dialog data) exactly as the bot stored it.

A fuzz probe then gives a FRESH person of the same role that recorded (state, data) with `tx.dialogs.save`, so
that every hostile input meets the step as the real flow leaves it, without the step's earlier inputs being
replayed each time. `Atlas.missing()` lists the State members no flow reached: a new step must be added here.

The flows also leave objects that belong to particular people (requests of several residents, a task offered to
one provider and one accepted by another, a volunteer's finished task, a vote round of 阳光社区, an application
to serve 桂花社区) — `Atlas.targets` — for forged buttons that point at other people's things, and every inline
button the bot showed — `Atlas.buttons` — to be pressed later by the wrong person or in the wrong step.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from core.dialog import State
from sandbox import SimUser
from storage.records import to_db_time, utc_now
from tests.faults.harness import GUIHUA, SUPERVISOR_ID, YANGGUANG, Stand

STAFF_YG = 900001  # 刘主任, staff of 阳光社区 in the sample city
STAFF_GH = 900099  # registered by the scout as staff of 桂花社区
VOLUNTEER_LI = 910002  # 小李, a volunteer supervised by SUPERVISOR_ID (陈社工)
STREET_OFFICE = 920001  # 街道王科长, a street office over 阳光社区 and 桂花社区
ORG_MEMBER = 920002  # 周主任, a member of 阳光社工服务中心 who applies to calls
GRID_YG = 920004  # 网格员小周 of 阳光社区
PROJECTS = (
    "楼道照明改造\n阳光社工服务中心\n2万\n给老楼道装声控灯",
    "儿童四点半课堂｜阳光社工服务中心｜8000",
    "长者助餐补贴\n安康居家养老服务站\n15,000元",
)


@dataclass(frozen=True)
class Recorded:
    name: str  # "need.pick", or a variant "round.confirm+winners"
    state: State
    role: str  # the role (tests/faults/harness.ROLES) of whoever reached it
    data: dict[str, Any]
    live: bool = False  # the data's object is made afresh for each probe (see `live_data`)


@dataclass
class Atlas:
    recorded: dict[str, Recorded] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)
    buttons: set[str] = field(default_factory=set)  # callback data of every inline button the scouts were shown
    button_texts: set[str] = field(default_factory=set)  # texts of every button (inline and reply keyboards)
    problems: list[str] = field(default_factory=list)  # flows that did not go as expected

    def missing(self) -> list[State]:
        reached = {r.state for r in self.recorded.values()}
        return [state for state in State if state not in reached]

    def scenarios(self) -> list[Recorded]:
        return sorted(self.recorded.values(), key=lambda r: (list(State).index(r.state), r.name))

    def ids(self) -> list[int]:
        """Every id of a real object, for forged buttons pointing at other people's things."""
        found: set[int] = set()
        for value in self.targets.values():
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, int) and not isinstance(item, bool):
                    found.add(item)
        return sorted(found)


class Scout:
    def __init__(self, stand: Stand) -> None:
        self.stand = stand
        self.atlas = Atlas()
        self.t = stand.r.i18n.translator("zh_CN")
        self.users: dict[int, SimUser] = {}

    # -- small steps -------------------------------------------------------------------------------------------

    async def user(self, user_id: int | None = None, first_name: str = "居民") -> SimUser:
        sim = await self.stand.r.client.user(user_id if user_id is not None else self.stand.new_id(),
                                             first_name=first_name)  # fmt: skip
        self.users[sim.id] = sim
        return sim

    async def record(self, name: str, user: SimUser, role: str, expect: State) -> bool:
        state, data = await self.stand.dialog(user.id)
        if state is not expect:
            self.atlas.problems.append(f"{name}: expected {expect.value}, the chat is in {state.value} ({data})")
            return False
        self.atlas.recorded.setdefault(name, Recorded(name, state, role, data))
        return True

    async def say(self, user: SimUser, text: str) -> None:
        await self.stand.say(user, text)

    async def button(self, user: SimUser, prefix: str, timeout: float = 10.0) -> tuple[str, int]:  # noqa: ASYNC109
        """The callback data and message of the newest inline button whose data starts with `prefix` (waiting for
        it: pushes to other people come through the outbox)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in reversed(await user.messages()):
                for row in message.inline_keyboard:
                    for b in row:
                        if b.callback_data and b.callback_data.startswith(prefix) and not message.deleted:
                            return b.callback_data, message.message_id
            if loop.time() > deadline:
                raise LookupError(f"no button {prefix!r} in chat {user.id}")
            await asyncio.sleep(0.02)

    async def press(self, user: SimUser, prefix: str) -> str:
        data, message_id = await self.button(user, prefix)
        await self.stand.tap(user, data, message_id)
        return data

    async def onboard(self, user: SimUser, community: str, role: str | None = None) -> None:
        """/start → language → consent → community, through the buttons; records each step if `role`."""
        await self.say(user, "/start")
        state, _ = await self.stand.dialog(user.id)
        if state is State.LANGUAGE:
            if role:
                await self.record("onboarding.language", user, "newcomer", State.LANGUAGE)
            await self.press(user, "lang:zh_CN")
        if role:
            await self.record("onboarding.consent", user, "newcomer", State.CONSENT)
        await self.press(user, "consent:yes")
        if role:
            await self.record("onboarding.community", user, "consented", State.COMMUNITY)
        await self.press(user, f"comm:{self.stand.community_ids[community]}")
        if role:
            await self.record("menu", user, role, State.MENU)

    async def request(self, user: SimUser, need: str, *, pick: str | None = None, record: bool = False) -> int:
        """File a request through the intake dialog; returns its id. `pick` a service id, else 都不是."""
        t = self.t
        await self.say(user, t("menu.ask_help"))
        if record:
            await self.record("need.describe", user, "resident_yg", State.NEED)
        await self.say(user, need)
        state, data = await self.stand.dialog(user.id)
        if state is State.PICK:
            if record:
                await self.record("need.pick", user, "resident_yg", State.PICK)
            options = [o[0] for o in data.get("options", [])]
            choice = pick if pick in options else "none"
            await self.stand.tap(user, f"in:pick:{choice}")
        if record:
            await self.record("need.when", user, "resident_yg", State.WHEN)
            await self.stand.tap(user, "in:when:time")
            await self.record("need.when_text", user, "resident_yg", State.WHEN_TEXT)
            await self.say(user, "明天下午三点")
        else:
            await self.stand.tap(user, "in:when:asap")
        if record:
            await self.record("need.where", user, "resident_yg", State.WHERE)
        await self.say(user, "阳光小区3栋2单元501")
        if record:
            await self.record("need.contact", user, "resident_yg", State.CONTACT)
        await self.say(user, "13812345678" if record else t("intake.chat_only"))
        if record:
            await self.record("need.note", user, "resident_yg", State.NOTE)
        await self.say(user, t("intake.skip"))
        if record:
            await self.record("need.confirm", user, "resident_yg", State.CONFIRM)
        before = await self._request_ids(user.id)
        await self.stand.tap(user, "in:submit")
        filed = sorted(set(await self._request_ids(user.id)) - set(before))
        if not filed:
            raise LookupError(f"no request filed by {user.id}")
        return filed[-1]

    async def _request_ids(self, resident_id: int) -> list[int]:
        async with self.stand.r.db.transaction() as tx:
            return [r.id for r in await tx.requests.of_resident(resident_id, limit=50)]

    async def status(self, request_id: int) -> str:
        async with self.stand.r.db.transaction() as tx:
            request = await tx.requests.get(request_id)
        return request.status if request else "?"

    # -- the flows -----------------------------------------------------------------------------------------------

    async def run(self) -> Atlas:
        flows = (self.people, self.onboarding, self.intake, self.resume, self.providers_and_supervision,
                 self.staff_close_and_rating, self.more_requests, self.registration, self.announcement, self.rounds,
                 self.building, self.work_menu, self.behalf, self.street_office, self.family_link,
                 self.filing_for_others)  # fmt: skip
        for flow in flows:
            try:
                await flow()
            except Exception as exc:  # one broken flow must not hide what the others reach
                self.atlas.problems.append(f"{flow.__name__}: {type(exc).__name__}: {exc}")
        await self.collect_buttons()
        self.add_live_variants()
        self.atlas.targets["communities"] = sorted(self.stand.community_ids.values())
        self.atlas.targets["scouts"] = sorted(self.users)
        return self.atlas

    async def people(self) -> None:
        """Staff of 阳光社区 (from the sample city) and of 桂花社区; the volunteer 小李 under 陈社工."""
        from core import people

        async with self.stand.r.db.transaction() as tx:
            await people.register_staff(tx, STAFF_GH, GUIHUA, "zh_CN", utc_now())
            await people.register_provider(
                tx, VOLUNTEER_LI, "volunteer", name="小李", organization="阳光社工服务中心",
                service_ids=["S020", "S021"], communities=[YANGGUANG], supervisor_id=SUPERVISOR_ID, locale="zh_CN",
                now=utc_now(),
            )  # fmt: skip
        self.staff_yg = await self.user(STAFF_YG, "刘主任")
        self.staff_gh = await self.user(STAFF_GH, "桂花周主任")
        await self.onboard(self.staff_yg, YANGGUANG)
        await self.onboard(self.staff_gh, GUIHUA)
        self.chen = await self.user(SUPERVISOR_ID, "陈社工")
        self.li = await self.user(VOLUNTEER_LI, "小李")
        for provider in (self.chen, self.li):
            await self.say(provider, "/start")  # opens the chat; the privacy question is left unanswered
        await self.record("onboarding.consent+provider", self.li, "volunteer", State.CONSENT)
        self.atlas.targets["staff"] = [STAFF_YG, STAFF_GH]
        self.atlas.targets["providers"] = [SUPERVISOR_ID, VOLUNTEER_LI]

    async def onboarding(self) -> None:
        self.atlas.recorded["new"] = Recorded("new", State.NEW, "stranger", {})  # no dialog row at all
        self.resident_a = await self.user(first_name="王阿姨")
        await self.onboard(self.resident_a, YANGGUANG, role="resident_yg")
        declined = await self.user(first_name="不同意")
        await self.say(declined, "/start")
        await self.press(declined, "lang:zh_CN")
        await self.press(declined, "consent:no")
        await self.record("onboarding.declined", declined, "newcomer", State.DECLINED)

    async def intake(self) -> None:
        """Every intake step, then filed: a plumbing request pushed to 陈社工 and 小李."""
        rid = await self.request(self.resident_a, "厨房下水道堵了，水下不去", pick="S020", record=True)
        self.atlas.targets["request_supervised"] = rid  # 小李 will take it and finish it

    async def resume(self) -> None:
        """An intake left alone for seven hours asks whether to go on."""
        user = self.resident_a
        await self.say(user, self.t("menu.ask_help"))
        await self.say(user, "需要有人帮忙送饭")
        state, data = await self.stand.dialog(user.id)
        data["touched"] = (utc_now() - timedelta(hours=7)).isoformat(timespec="seconds")
        await self.stand.restore(user.id, state, data)  # the hours that passed
        await self.say(user, "还在吗")
        await self.record("need.resume", user, "resident_yg", State.RESUME)
        await self.stand.tap(user, "in:drop")

    async def providers_and_supervision(self) -> None:
        """小李 takes the first plumbing request and finishes it (陈社工 is asked to confirm it); 陈社工 takes a
        second; a third stays offered to both."""
        rid = self.atlas.targets["request_supervised"]
        data, message_id = await self.button(self.li, f"tk:accept:{rid}")
        await self.stand.tap(self.li, data, message_id)
        await self.press(self.li, f"tk:done:{rid}")
        await self.record("task.note", self.li, "volunteer", State.PROVIDER_NOTE)
        await self.say(self.li, "疏通好了，下水正常")
        await self.button(self.chen, f"sv:ok:{rid}")  # the supervisor's question arrived
        await self.record("hours.minutes", self.li, "volunteer", State.HOURS)  # how long it took
        await self.press(self.li, f"hr:m:{rid}:60")  # the first figure of the ledger: entry 1
        accepted = await self.request(self.resident_a, "厨房下水道又堵了", pick="S020")
        data, message_id = await self.button(self.chen, f"tk:accept:{accepted}")
        await self.stand.tap(self.chen, data, message_id)
        self.atlas.targets["request_accepted_by_chen"] = accepted
        offered = await self.request(self.resident_a, "卫生间下水道堵了", pick="S020")
        await self.button(self.chen, f"tk:accept:{offered}")
        self.atlas.targets["request_offered"] = offered
        self.atlas.targets["statuses"] = {rid: await self.status(rid) for rid in (rid, accepted, offered)}

    async def staff_close_and_rating(self) -> None:
        """An unmatched need goes to 阳光社区's staff, who close it with a note; the resident rates it."""
        self.resident_b = await self.user(first_name="李大爷")
        await self.onboard(self.resident_b, YANGGUANG)
        rid = await self.request(self.resident_b, "楼道的灯坏了好几天")
        await self.press(self.staff_yg, f"st:close:{rid}")
        await self.record("staff.close_note", self.staff_yg, "staff_yg", State.STAFF_CLOSE_NOTE)
        await self.say(self.staff_yg, "已联系物业，明天换灯。")
        await self.press(self.resident_b, f"rate:{rid}:4")
        await self.record("rate.comment", self.resident_b, "resident_yg", State.RATE_COMMENT)
        await self.say(self.resident_b, "很快就修好了")
        self.atlas.targets["request_rated"] = rid
        done = await self.request(self.resident_b, "小区门口的路灯不亮了")
        await self.press(self.staff_yg, f"st:close:{done}")
        await self.say(self.staff_yg, "已报修。")
        self.atlas.targets["request_done_unrated"] = done

    async def more_requests(self) -> None:
        """A cancellable request of another 阳光社区 resident, and an open case of 桂花社区."""
        resident_h = await self.user(first_name="张奶奶")
        await self.onboard(resident_h, YANGGUANG)
        self.atlas.targets["request_cancellable"] = await self.request(resident_h, "楼下的垃圾好几天没人收")
        resident_c = await self.user(first_name="桂花居民")
        await self.onboard(resident_c, GUIHUA)
        self.atlas.targets["request_guihua_case"] = await self.request(resident_c, "楼道的灯坏了")
        await self.button(self.staff_gh, f"st:close:{self.atlas.targets['request_guihua_case']}")

    async def registration(self) -> None:
        """阳光社区's staff invite a volunteer, who registers and asks to serve 桂花社区 too."""
        messages = await self.stand.say(self.staff_yg, "/invite 志愿者 阳光社工服务中心")
        link = next(m.text for m in messages if m.text and "?start=" in m.text)
        payload = link.split("?start=")[1].split()[0]
        self.atlas.targets["invite_used"] = payload
        person = await self.user(first_name="新志愿者")
        await self.say(person, f"/start {payload}")
        await self.record("register.name", person, "newcomer", State.REG_NAME)
        await self.say(person, "小王")
        await self.record("register.services", person, "newcomer", State.REG_SERVICES)
        await self.press(person, "rg:svc:")
        await self.press(person, "rg:svc_done")
        await self.record("register.communities", person, "newcomer", State.REG_COMMUNITIES)
        await self.press(person, "rg:com_more")
        await self.press(person, f"rg:com:{self.stand.community_ids[GUIHUA]}")
        await self.press(person, "rg:com_done")
        await self.record("register.supervisor", person, "newcomer", State.REG_SUPERVISOR)
        await self.press(person, "rg:sup:")
        data, _ = await self.button(self.staff_gh, "rg:ok:")
        self.atlas.targets["application_guihua"] = int(data.split(":")[2])
        messages = await self.stand.say(self.staff_yg, "/invite 社工")
        link = next(m.text for m in messages if m.text and "?start=" in m.text)
        self.atlas.targets["invite_unused"] = link.split("?start=")[1].split()[0]

    async def announcement(self) -> None:
        await self.say(self.staff_yg, "/announce")
        await self.record("announce.text", self.staff_yg, "staff_yg", State.ANNOUNCE_TEXT)
        await self.say(self.staff_yg, "本周六上午九点，社区广场义诊，请带好医保卡。")
        await self.record("announce.confirm", self.staff_yg, "staff_yg", State.ANNOUNCE_CONFIRM)
        await self.press(self.staff_yg, "an:aud:")
        await self.record("announce.confirm+audience", self.staff_yg, "staff_yg", State.ANNOUNCE_CONFIRM)
        await self.press(self.staff_yg, "an:cancel")

    async def rounds(self) -> None:
        """阳光社区's staff open a round (every step), a resident votes, staff start typing in paper ballots."""
        staff = self.staff_yg
        await self.say(staff, "/rounds")
        await self.press(staff, "vr:new")
        await self.record("round.title", staff, "staff_yg", State.ROUND_TITLE)
        await self.say(staff, "2027年微实事项目")
        await self.record("round.closes", staff, "staff_yg", State.ROUND_CLOSES)
        await self.say(staff, "14")
        await self.record("round.project", staff, "staff_yg", State.ROUND_PROJECT)
        for project in PROJECTS:
            await self.say(staff, project)
        await self.record("round.project+3", staff, "staff_yg", State.ROUND_PROJECT)
        await self.press(staff, "vr:done:")
        await self.record("round.confirm", staff, "staff_yg", State.ROUND_CONFIRM)
        await self.press(staff, "vr:win:1:")
        await self.record("round.confirm+winners", staff, "staff_yg", State.ROUND_CONFIRM)
        await self.press(staff, "vr:open:quiet:")
        async with self.stand.r.db.transaction() as tx:
            (vote_round, *_) = await tx.votes.rounds(self.stand.community_ids[YANGGUANG], 5)
            projects = await tx.votes.projects(vote_round.id)
        rid, pids = vote_round.id, [p.id for p in projects]
        self.atlas.targets["round_yangguang"] = rid
        self.atlas.targets["projects_yangguang"] = pids
        await self.say(self.resident_a, "/vote")
        await self.press(self.resident_a, f"vt:v:{rid}:{pids[1]}")
        await self.say(staff, "/rounds")
        await self.press(staff, f"vr:show:{rid}")
        await self.press(staff, f"vr:paper:{rid}")
        await self.press(staff, f"vr:pp:{rid}:{pids[2]}")
        await self.record("round.paper", staff, "staff_yg", State.ROUND_PAPER)
        await self.say(staff, "5 居民议事会现场投票")
        await self.record("round.paper+count", staff, "staff_yg", State.ROUND_PAPER)
        await self.say(staff, "/cancel")

    async def building(self) -> None:
        await self.say(self.resident_a, "/building")
        await self.record("building.ask", self.resident_a, "resident_yg", State.BUILDING)
        await self.say(self.resident_a, "3号楼")

    async def behalf(self) -> None:
        """代办: 王阿姨 (resident_a) linked with her daughter, a scout (fm: targets); a resident of 阳光社区 without
        a chat, recorded by its staff (ob: targets)."""
        daughter = await self.user(first_name="小红")
        await self.onboard(daughter, GUIHUA)
        now = utc_now()
        async with self.stand.r.db.transaction() as tx:
            link_id = await tx.behalf.ask_link(self.resident_a.id, daughter.id, "女儿小红", "妈妈", now)
            assert link_id is not None
            await tx.behalf.decide_link(link_id, self.resident_a.id, True, True, now)
            offline = await tx.behalf.add_offline(
                self.stand.community_ids[YANGGUANG], "赵爷爷", "13800002222", None, None, STAFF_YG, now
            )
        self.atlas.targets["family_link"] = link_id
        self.atlas.targets["offline_yg"] = offline

    async def street_office(self) -> None:
        """A street office over 阳光社区 and 桂花社区 opens a fund, puts money in and opens a call; an organisation's
        member applies to it (/projects, /calls)."""
        from core import people

        async with self.stand.r.db.transaction() as tx:
            await people.register_street_office(tx, STREET_OFFICE, [YANGGUANG, GUIHUA], "zh_CN", utc_now())
            await people.register_provider(
                tx, ORG_MEMBER, "org_member", name="周主任", organization="阳光社工服务中心", service_ids=["S005"],
                communities=[YANGGUANG], supervisor_id=None, locale="zh_CN", now=utc_now(),
            )  # fmt: skip
        office = await self.user(STREET_OFFICE, "街道王科长")
        member = await self.user(ORG_MEMBER, "周主任")
        for person in (office, member):
            await self.onboard_work(person)
        await self.say(office, "/projects")
        await self.press(office, "pj:newfund")
        await self.record("project.input+fund", office, "street", State.PROJECT_INPUT)
        await self.say(office, "2027年福彩公益金｜福彩｜50万")
        await self.record("project.input+fund_preview", office, "street", State.PROJECT_INPUT)
        await self.press(office, "pj:ok:")
        async with self.stand.r.db.transaction() as tx:
            (fund, *_) = await tx.funds.all()
        self.atlas.targets["fund"] = fund.id
        await self.say(office, "/projects")
        await self.press(office, f"pj:fund:{fund.id}")
        await self.press(office, f"pj:in:{fund.id}")
        await self.record("project.input+in", office, "street", State.PROJECT_INPUT)
        await self.say(office, "/cancel")
        await self.stand.tap(office, f"pj:mv:{fund.id}:P:c{self.stand.community_ids[YANGGUANG]}")
        await self.record("project.input+move", office, "street", State.PROJECT_INPUT)
        await self.say(office, "/cancel")
        await self.say(office, "/calls")
        await self.press(office, "cl:new")
        await self.press(office, f"cl:nf:{fund.id}:")
        await self.record("call.input+call", office, "street", State.CALL_INPUT)
        await self.say(office, "长者助餐服务｜10万｜30")
        await self.record("call.input+call_preview", office, "street", State.CALL_INPUT)
        await self.press(office, "cl:ok:")
        async with self.stand.r.db.transaction() as tx:
            (call, *_) = await tx.calls.all()
        self.atlas.targets["call"] = call.id
        await self.say(member, "/calls")
        await self.press(member, f"cl:show:{call.id}")
        await self.press(member, f"cl:ap:{call.id}")
        await self.record("call.input+apply", member, "org_member", State.CALL_INPUT)
        await self.say(member, "每周两次上门送餐｜7万｜阳光社区")
        await self.record("call.input+apply_preview", member, "org_member", State.CALL_INPUT)
        await self.press(member, "cl:ok:")
        await self.award(office, call.id)

    async def award(self, office: SimUser, call_id: int) -> None:
        """The call's deadline passes; the office awards it with a reason, which makes a project; then spending,
        以奖代补 and a milestone are typed for the project."""
        async with self.stand.r.db.transaction() as tx:  # the sandbox's clock is real time: the row is moved
            await tx.conn.execute(  # type: ignore[attr-defined]
                "UPDATE calls SET deadline_at = ? WHERE id = ?",
                (to_db_time(utc_now() - timedelta(minutes=1)), call_id),
            )
            (application, *_) = await tx.calls.applications(call_id)
        await self.say(office, "/calls")
        await self.press(office, f"cl:show:{call_id}")
        await self.press(office, f"cl:aw:{application.id}")
        await self.record("call.input+award", office, "street", State.CALL_INPUT)
        await self.say(office, "方案具体，助餐经验丰富")
        await self.record("call.input+award_preview", office, "street", State.CALL_INPUT)
        await self.press(office, "cl:ok:")
        async with self.stand.r.db.transaction() as tx:
            (project, *_) = await tx.projects.all()
        self.atlas.targets["project"] = project.id
        for action, ask in (("sp", "spend"), ("pf", "formula"), ("ma", "milestone")):
            await self.stand.tap(office, f"pj:{action}:{project.id}")
            await self.record(f"project.input+{ask}", office, "street", State.PROJECT_INPUT)
            await self.say(office, "/cancel")

    async def family_link(self) -> None:
        """李大爷 (resident_b) gives a one-time code; his son, a resident of 桂花社区, types it in (/family)."""
        father = self.resident_b
        await self.say(father, "/family")
        await self.press(father, "fm:code")
        found = None
        for message in reversed(await father.messages()):
            found = re.search(r"\d{8}", message.text or "")
            if found:
                break
        if found is None:
            raise LookupError("no family code shown")
        son = await self.user(first_name="儿子小李")
        await self.onboard(son, GUIHUA)
        await self.say(son, "/family")
        await self.press(son, "fm:join")
        await self.record("family.code", son, "resident_gh", State.FAMILY_CODE)
        await self.say(son, found.group())
        await self.record("family.calls", son, "resident_gh", State.FAMILY_CALLS)
        await self.say(son, "爸爸")
        await self.record("family.label", son, "resident_gh", State.FAMILY_LABEL)
        await self.say(son, "儿子小李")
        data, _ = await self.button(father, "fm:ok:")
        self.atlas.targets["family_link_asked"] = int(data.split(":")[2])

    async def filing_for_others(self) -> None:
        """A 网格员 of 阳光社区 records a resident without a chat, step by step, then looks one up; 阳光社区's staff
        look one up too (/behalf)."""
        from core import people

        async with self.stand.r.db.transaction() as tx:
            await people.register_grid_worker(tx, GRID_YG, YANGGUANG, "zh_CN", utc_now())
        grid = await self.user(GRID_YG, "网格员小周")
        await self.onboard(grid, YANGGUANG)
        await self.say(grid, "/behalf")
        await self.press(grid, "ob:new")
        await self.record("behalf.name", grid, "grid_yg", State.BEHALF_NAME)
        await self.say(grid, "孙奶奶")
        await self.record("behalf.phone", grid, "grid_yg", State.BEHALF_PHONE)
        await self.say(grid, "13800003333")
        await self.record("behalf.address", grid, "grid_yg", State.BEHALF_ADDRESS)
        await self.say(grid, "阳光小区5栋1单元202")
        await self.record("behalf.building", grid, "grid_yg", State.BEHALF_BUILDING)
        await self.say(grid, "5号楼")
        await self.record("behalf.consent", grid, "grid_yg", State.BEHALF_CONSENT)
        await self.press(grid, "ob:consent")
        await self.say(grid, "/behalf")
        await self.press(grid, "ob:find")
        await self.record("behalf.search", grid, "grid_yg", State.BEHALF_SEARCH)
        await self.say(grid, "孙")
        await self.say(grid, "/cancel")
        await self.say(self.staff_yg, "/behalf")
        await self.press(self.staff_yg, "ob:find")
        await self.record("behalf.search+staff", self.staff_yg, "staff_yg", State.BEHALF_SEARCH)
        await self.say(self.staff_yg, "/cancel")

    async def onboard_work(self, user: SimUser) -> None:
        """/start → language → consent → "I only work here" (comm:work), as a street office or provider would."""
        await self.say(user, "/start")
        state, _ = await self.stand.dialog(user.id)
        if state is State.LANGUAGE:
            await self.press(user, "lang:zh_CN")
        await self.press(user, "consent:yes")
        await self.press(user, "comm:work")

    async def work_menu(self) -> None:
        """A provider who is not a resident, sent home by /cancel."""
        await self.say(self.chen, "/cancel")
        if State.__members__.get("WORK") is not None:
            await self.record("work.menu", self.chen, "social_worker", State["WORK"])

    def add_live_variants(self) -> None:
        """The recorded note and registration steps point at a task, a case and an invite that the flow then
        used up; a "+live" variant gets a task of its own, an open case and an unused invite for every probe."""
        for recorded in list(self.atlas.recorded.values()):
            if recorded.state in LIVE_STATES and not recorded.live:
                name = recorded.name + "+live"
                self.atlas.recorded[name] = Recorded(name, recorded.state, recorded.role, recorded.data, live=True)
        self.atlas.targets["resident_a"] = self.resident_a.id

    async def collect_buttons(self) -> None:
        for sim in self.users.values():
            for message in await sim.messages():
                for row in message.inline_keyboard:
                    for b in row:
                        self.atlas.button_texts.add(b.text)
                        if b.callback_data:
                            self.atlas.buttons.add(b.callback_data)
                for row in message.reply_keyboard or []:
                    for b in row:
                        self.atlas.button_texts.add(b.text)


async def scout(stand: Stand) -> Atlas:
    return await Scout(stand).run()


LIVE_STATES = frozenset(
    {State.PROVIDER_NOTE, State.STAFF_CLOSE_NOTE, State.REG_NAME, State.REG_SERVICES, State.REG_COMMUNITIES,
     State.REG_SUPERVISOR}
)  # fmt: skip


async def live_data(stand: Stand, atlas: Atlas, recorded: Recorded, user_id: int) -> dict[str, Any]:
    """The recorded data, pointing at a fresh object that belongs to `user_id` (made by the same rules the bot
    uses, without the messages): a plumbing task this provider accepted, an unmatched case of 阳光社区 (for its
    staff), an unused invite of 阳光社区's staff."""
    from core import people, tasks
    from core.filing import file_request

    data = dict(recorded.data)
    now, r = utc_now(), stand.r
    async with r.db.transaction() as tx:
        if recorded.state is State.PROVIDER_NOTE:
            resident = await tx.users.get(int(atlas.targets["resident_a"]))
            assert resident is not None
            need = {"need": "厨房下水道堵了", "service_id": "S020", "when_code": "asap", "address": "阳光小区1栋"}
            changes = await file_request(tx, resident, need, now, r.i18n.tz, r.settings.dispatch_top_k)
            request_id = changes[0].request.id
            if user_id not in {o.provider_id for o in await tx.providers.offers(request_id)}:
                await tx.providers.add_offer(request_id, user_id, None, now)
            await tasks.accept(tx, request_id, user_id, now)
            data["request_id"] = request_id
        elif recorded.state is State.STAFF_CLOSE_NOTE:
            resident = await tx.users.get(int(atlas.targets["resident_a"]))
            assert resident is not None
            need = {"need": "楼道的灯坏了", "service_id": None, "when_code": "asap"}
            changes = await file_request(tx, resident, need, now, r.i18n.tz, r.settings.dispatch_top_k)
            data["request_id"] = changes[-1].request.id
        else:  # the registration steps
            invite = await people.create_invite(
                tx, STAFF_YG, str(data.get("kind", "volunteer")), "阳光社工服务中心", now
            )
            data["code"] = invite.code
    return data
