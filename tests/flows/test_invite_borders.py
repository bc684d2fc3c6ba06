"""Community borders of invitations, through the sandbox: a person invited by 阳光社区's staff serves 阳光社区;
serving 桂花社区 too is an ask that only 桂花社区's staff can approve in the chat, and until then brings none of
its tasks. Forged buttons (a community or supervisor never offered, an approval pressed by the wrong person
or for an id that does not exist) are refused."""

from __future__ import annotations

from core import people
from sandbox import SimUser
from sandbox.client_models import BotMessage
from storage.records import Application, utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, file_pipe_request, providers
from tests.flows.test_staff_loop import staff_member

GUIHUA_STAFF = 900099  # staff of 桂花社区, added by each test
GUIHUA_WORKER = 910077  # a social worker of 桂花社区 only
STALE = "这个按钮已经过期了。"
NOT_ALLOWED = "只有该社区的工作人员可以处理这份申请。"
MORE = "➕ 还想服务其他社区"
GUIHUA_ASK = "▫️ 桂花社区（需该社区同意）"


async def community_id(running: Running, name: str) -> int:
    async with running.db.transaction() as tx:
        community = await tx.communities.by_name(name)
    assert community is not None
    return community.id


async def guihua_staff(running: Running) -> SimUser:
    async with running.db.transaction() as tx:
        await people.register_staff(tx, GUIHUA_STAFF, "桂花社区", "zh_CN", utc_now())
    staff = await running.client.user(GUIHUA_STAFF, first_name="桂花周主任")
    await staff.send_command("start")  # opens the chat
    await staff.wait_for_messages()
    return staff


async def invited(running: Running, staff: SimUser, kind: str, name: str, *, pipes: bool = False) -> SimUser:
    """Open a fresh invite of `staff` and register up to the communities step (returned unanswered)."""
    await staff.send_command("invite", kind)
    (invite,) = await staff.wait_for_messages()
    payload = invite.text.split("?start=")[1].split()[0]
    person = await running.client.user(first_name=name)
    await person.send_command("start", payload)
    await person.wait_for_messages(2)
    await person.send_text(name)
    (services,) = await person.wait_for_messages()
    if pipes:  # 管道疏通 is on the third page
        for _ in range(2):
            await person.press("下一页 ▶️")
            await person.wait_for_edit(services.message_id)
        await person.press("▫️ 管道疏通")
    else:
        await person.press("▫️ 助餐送餐上门")
    await person.wait_for_edit(services.message_id)
    await person.press("✔️ 选好了")
    return person


async def communities_message(person: SimUser) -> BotMessage:
    (communities,) = await person.wait_for_messages()
    assert communities.text.startswith("请点选您服务的社区")
    return communities


async def file_pipe(resident: SimUser) -> str:
    """Like file_pipe_request, but returns what the resident is told instead of expecting a dispatch."""
    await resident.send_text("厨房下水道堵了，水下不去")
    await resident.wait_for_messages()
    await resident.press("管道疏通 · 巧手便民维修队")
    for answer in ("今天", "桂花小区1栋101", "13812345678", "跳过"):
        await resident.wait_for_messages()
        if answer == "今天":
            await resident.press(answer)
        else:
            await resident.send_text(answer)
    await resident.wait_for_messages()
    await resident.press("✅ 提交")
    (filed,) = await resident.wait_for_messages()
    return filed.text or ""


async def test_a_community_or_supervisor_never_offered_is_a_stale_button(running: Running) -> None:
    staff = await staff_member(running)
    await providers(running)  # 陈社工, social worker of 阳光社区
    await guihua_staff(running)
    async with running.db.transaction() as tx:
        await people.register_provider(
            tx, GUIHUA_WORKER, "social_worker", name="桂社工", organization=None, service_ids=["S001"],
            communities=["桂花社区"], supervisor_id=None, locale="zh_CN", now=utc_now(),
        )  # fmt: skip
    guihua, dongtang = await community_id(running, "桂花社区"), await community_id(running, "东塘社区")

    li = await invited(running, staff, "志愿者", "小李")
    communities = await communities_message(li)
    assert communities.button_texts() == ["✅ 阳光社区", MORE, "✔️ 选好了"]
    # 桂花社区 was not offered: a forged press neither serves it nor asks for it.
    for forged in (f"rg:com:{guihua}", "rg:com:99999", "rg:com:²", "rg:com:", f"rg:com:{guihua}:x"):
        answer = await li.press_forged(forged, message_id=communities.message_id)
        assert answer is not None and answer.text == STALE, forged
    await li.press(MORE)
    shown = await li.wait_for_edit(communities.message_id)
    # Only communities with staff to answer are offered as asks; 东塘社区 has none.
    assert shown.button_texts() == ["✅ 阳光社区", GUIHUA_ASK, "✔️ 选好了"]
    answer = await li.press_forged(f"rg:com:{dongtang}", message_id=communities.message_id)
    assert answer is not None and answer.text == STALE
    await li.press("✔️ 选好了")
    await li.wait_for_edit(communities.message_id)

    (supervisor,) = await li.wait_for_messages()
    assert supervisor.button_texts() == ["陈社工"]  # never 桂花社区's social worker
    for forged in (f"rg:sup:{GUIHUA_WORKER}", f"rg:sup:{li.id}", "rg:sup:abc", "rg:sup:"):
        answer = await li.press_forged(forged, message_id=supervisor.message_id)
        assert answer is not None and answer.text == STALE, forged
    async with running.db.transaction() as tx:
        assert await tx.providers.get(li.id) is None  # nothing was registered by the forged presses
    await li.press("陈社工")
    done, menu = await li.wait_for_messages(2)
    assert done.text.startswith("登记完成，小李！") and menu.text.startswith("这里是服务人员菜单")
    sunshine = await community_id(running, "阳光社区")
    async with running.db.transaction() as tx:
        registered = await tx.providers.get(li.id)
        applications = await tx.providers.applications(li.id)
    assert registered is not None and registered.community_ids == (sunshine,) and registered.supervisor_id == CHEN
    assert applications == []


async def test_serving_another_community_waits_for_its_staff_who_approve(running: Running) -> None:
    staff = await staff_member(running)
    guihua_staff_sim = await guihua_staff(running)
    guihua, sunshine = await community_id(running, "桂花社区"), await community_id(running, "阳光社区")

    wang = await invited(running, staff, "社工", "王社工", pipes=True)
    communities = await communities_message(wang)
    await wang.press(MORE)
    await wang.wait_for_edit(communities.message_id)
    await wang.press(GUIHUA_ASK)
    toggled = await wang.wait_for_edit(communities.message_id)
    assert "✅ 桂花社区（需该社区同意）" in toggled.button_texts()
    await wang.press("✔️ 选好了")
    done, asked, _menu = await wang.wait_for_messages(3)
    assert done.text.startswith("登记完成，王社工！")
    assert asked.text.startswith("您还申请了为桂花社区服务，需要该社区的工作人员同意")

    async with running.db.transaction() as tx:
        registered = await tx.providers.get(wang.id)
        (application,) = await tx.providers.applications(wang.id)
        candidates = await tx.providers.candidates("S020", guihua, 0)
    assert registered is not None and registered.community_ids == (sunshine,)
    assert (application.community_id, application.status) == (guihua, "pending")
    assert wang.id not in [c.telegram_id for c in candidates]  # pending: no task of 桂花社区

    (ask,) = await guihua_staff_sim.wait_for_messages(timeout=10)
    assert ask.text.startswith("📝 服务申请\n王社工（社工）经阳光社区工作人员邀请登记，现在申请也为桂花社区服务。")
    assert "服务：管道疏通" in ask.text
    assert ask.button_texts() == ["✅ 同意", "✖️ 不同意"]

    # A resident of 桂花社区 files a need for pipes: the pending 王社工 is not asked; it goes to 桂花's staff.
    resident = await running.client.user(first_name="桂花居民")
    await onboard(resident, "桂花社区")
    filed = await file_pipe(resident)
    assert "已经转给社区工作人员" in filed  # nobody eligible in 桂花社区
    (case,) = await guihua_staff_sim.wait_for_messages(timeout=10)
    assert case.text.startswith("🆕 待处理求助")
    await wang.expect_silence(0.5)

    # Forged approvals: the resident, 阳光社区's staff (who invited him), 王社工 himself; unknown ids.
    for presser in (resident, staff, wang):
        answer = await presser.press_forged(f"rg:ok:{application.id}")
        assert answer is not None and answer.text == NOT_ALLOWED
    for forged in ("rg:ok:99999", "rg:ok:", "rg:ok:-1", "rg:no:١"):
        answer = await guihua_staff_sim.press_forged(forged, message_id=ask.message_id)
        assert answer is not None and answer.text == STALE, forged
    async with running.db.transaction() as tx:
        still = await tx.providers.application(application.id)
        registered = await tx.providers.get(wang.id)
    assert still is not None and still.status == "pending"
    assert registered is not None and registered.community_ids == (sunshine,)

    await guihua_staff_sim.press("✅ 同意", message_id=ask.message_id)
    approved = await guihua_staff_sim.wait_for_edit(ask.message_id)
    assert approved.text == "已同意：王社工 现在也为桂花社区服务。" and not approved.inline_keyboard
    (told,) = await wang.wait_for_messages(timeout=10)
    assert told.text.startswith("好消息：桂花社区同意了您的申请")
    answer = await guihua_staff_sim.press_forged(f"rg:no:{application.id}", message_id=ask.message_id)
    assert answer is not None and answer.text == "这份申请已经处理过了（已同意）。"
    async with running.db.transaction() as tx:
        registered = await tx.providers.get(wang.id)
        decided = await tx.providers.application(application.id)
    assert registered is not None and set(registered.community_ids) == {sunshine, guihua}
    assert decided is not None and (decided.status, decided.decided_by) == ("approved", GUIHUA_STAFF)

    # Now 桂花社区's needs reach him.
    await file_pipe_request(resident, "13900001111")
    (push,) = await wang.wait_for_messages(timeout=10)
    assert push.text.startswith("🆕 新任务") and "桂花社区" in push.text


async def test_refused_ask_leaves_the_provider_outside_that_community(running: Running) -> None:
    staff = await staff_member(running)
    guihua_staff_sim = await guihua_staff(running)
    guihua, sunshine = await community_id(running, "桂花社区"), await community_id(running, "阳光社区")

    zhou = await invited(running, staff, "机构", "周阿姨")
    communities = await communities_message(zhou)
    await zhou.press(MORE)
    await zhou.wait_for_edit(communities.message_id)
    await zhou.press(GUIHUA_ASK)
    await zhou.wait_for_edit(communities.message_id)
    # Unticking 阳光社区 would leave only an ask: at least one of the inviting communities stays.
    await zhou.press("✅ 阳光社区")
    await zhou.wait_for_edit(communities.message_id)
    answer = await zhou.press("✔️ 选好了")
    assert answer is not None and answer.text == "请至少选择一个邀请您的社区：阳光社区。" and answer.show_alert
    await zhou.press("▫️ 阳光社区")
    await zhou.wait_for_edit(communities.message_id)
    await zhou.press("✔️ 选好了")
    await zhou.wait_for_messages(3)

    (ask,) = await guihua_staff_sim.wait_for_messages(timeout=10)
    await guihua_staff_sim.press("✖️ 不同意", message_id=ask.message_id)
    refused = await guihua_staff_sim.wait_for_edit(ask.message_id)
    assert refused.text == "已婉拒 周阿姨 为桂花社区服务的申请。" and not refused.inline_keyboard
    (told,) = await zhou.wait_for_messages(timeout=10)
    assert told.text.startswith("桂花社区没有同意您为该社区服务的申请")
    answer = await guihua_staff_sim.press_forged(f"rg:ok:{(await _only_application(running, zhou.id)).id}")
    assert answer is not None and answer.text == "这份申请已经处理过了（未同意）。"

    async with running.db.transaction() as tx:
        registered = await tx.providers.get(zhou.id)
        candidates = await tx.providers.candidates("S001", guihua, 0)
    assert registered is not None and registered.community_ids == (sunshine,)
    assert zhou.id not in [c.telegram_id for c in candidates]
    application = await _only_application(running, zhou.id)
    assert (application.status, application.decided_by) == ("refused", GUIHUA_STAFF)


async def _only_application(running: Running, provider_id: int) -> Application:
    async with running.db.transaction() as tx:
        (application,) = await tx.providers.applications(provider_id)
    return application
