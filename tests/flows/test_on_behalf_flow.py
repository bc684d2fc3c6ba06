"""Filing on someone's behalf (代办) through the sandbox: a resident links a family member (who files for her, she is
told, she rates); a grid worker records a resident without a chat and files for him, answering and rating for him
(代为评价); forged fm:/ob: buttons and a grid worker of another community are refused; a withdrawal and a staff
deletion erase what filers typed."""

from __future__ import annotations

from core.people import register_grid_worker
from sandbox import BotMessage, SimUser
from storage.behalf import Filing
from storage.records import OFFLINE_ID_BASE, utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, providers
from tests.flows.test_staff_loop import staff_member

GRID, OTHER_GRID = 920001, 920002
PHONE, ADDRESS = "13912345678", "阳光小区3栋2单元501"
STALE = "这个按钮已经过期了"


async def _grid_worker(running: Running, telegram_id: int, community: str) -> SimUser:
    async with running.db.transaction() as tx:
        await register_grid_worker(tx, telegram_id, community, "zh_CN", utc_now())
    grid = await running.client.user(telegram_id, first_name="网格员")
    await grid.send_command("start")
    await grid.wait_for_messages()
    await grid.press("✅ 同意")
    await grid.wait_for_messages()
    await grid.press(community)
    await grid.wait_for_messages(2)
    return grid


async def _file_pipe_need(filer: SimUser, phone: str | None = PHONE) -> str:
    """The ordinary intake, typed by the filer (no phone when None); returns the reference of the request."""
    await filer.send_text("厨房下水道堵了，水下不去")
    await filer.wait_for_messages()
    await filer.press("管道疏通 · 巧手便民维修队")
    await filer.wait_for_messages()
    await filer.press("今天")
    await filer.wait_for_messages()
    await filer.send_text(ADDRESS)
    await filer.wait_for_messages()
    await filer.send_text(phone or "💬 只在这里联系我")
    await filer.wait_for_messages()
    await filer.send_text("跳过")
    await filer.wait_for_messages()
    await filer.press("✅ 提交")
    filed, _home = await filer.wait_for_messages(2)
    assert filed.text is not None and "提交求助，编号是" in filed.text
    return filed.text.split("编号是 ")[1].split("。")[0]


async def _provider_finishes(chen: SimUser) -> None:
    (push,) = await chen.wait_for_messages(timeout=10)
    await chen.press("✅ 接单", message_id=push.message_id)
    await chen.wait_for_edit(push.message_id)
    await chen.press("✅ 完成", message_id=push.message_id)
    await chen.wait_for_messages()
    await chen.send_text("疏通好了")  # a time question may follow (issue 15 point 1): not needed here


async def _next_push(chen: SimUser) -> BotMessage:
    """The next task offered to the provider (a question about the last task's hours may come first)."""
    for _ in range(3):
        for message in await chen.wait_for_messages(timeout=10):
            if "✅ 接单" in message.button_texts():
                return message
    raise AssertionError("no task was offered")


async def _link(mother: SimUser, daughter: SimUser, calls: str = "妈妈", label: str = "女儿小红") -> None:
    await mother.send_command("family")
    (menu,) = await mother.wait_for_messages()
    assert menu.text is not None and "还没有绑定的家人" in menu.text
    await mother.press("🔑 生成绑定码（给家人）", message_id=menu.message_id)
    given = await mother.wait_for_edit(menu.message_id)
    code = (given.text or "").split("您的绑定码：")[1][:8]
    assert code.isdigit() and "这 8 位数字" in (given.text or "")
    await daughter.send_command("family")
    (theirs,) = await daughter.wait_for_messages()
    await daughter.press("➕ 输入家人给的绑定码", message_id=theirs.message_id)
    (ask_code,) = await daughter.wait_for_messages()
    assert ask_code.text == "请输入家人给您的 8 位绑定码："
    await daughter.send_text("123")  # not a code
    assert (await daughter.wait_for_messages())[0].text == "绑定码是 8 位数字，请再看一下。"
    await daughter.send_text(code)
    await daughter.wait_for_messages()
    await daughter.send_text(calls)
    await daughter.wait_for_messages()
    await daughter.send_text(label)
    asked, _home = await daughter.wait_for_messages(2)
    assert asked.text is not None and asked.text.startswith(f"已经发给 {calls}")


async def test_a_family_member_files_for_the_resident_who_is_told_and_rates(running: Running) -> None:
    (chen,) = await providers(running, CHEN)
    mother = await running.client.user(first_name="王阿姨")
    daughter = await running.client.user(first_name="小红")
    stranger = await running.client.user(first_name="路人")
    for person in (mother, daughter, stranger):
        await onboard(person)
    await daughter.send_command("behalf")  # nobody linked yet
    assert (await daughter.wait_for_messages())[0].text.startswith("您还没有可以代办的人")
    await _link(mother, daughter)

    (ask,) = await mother.wait_for_messages(timeout=10)
    assert ask.text is not None and "「女儿小红」想绑定为您的家人" in ask.text
    assert ask.text.endswith("TA的聊天账号名：小红")  # not only what the asker typed about themself
    link_id = int(ask.inline_keyboard[0][0].callback_data.split(":")[2])
    # Only the resident confirms: the family member's (or anyone's) forged 确认 is refused, nothing changes.
    for forger in (daughter, stranger):
        answer = await forger.press_forged(f"fm:ok:{link_id}:all")
        assert answer is not None and STALE in (answer.text or "")
    answer = await stranger.press_forged(f"ob:for:{mother.id}")
    assert answer is not None and answer.text == "您不能为这位居民代办。"
    await mother.press("✅ 同意（只看TA帮我提交的）", message_id=ask.message_id)
    assert "已同意" in ((await mother.wait_for_edit(ask.message_id)).text or "")
    (told,) = await daughter.wait_for_messages(timeout=10)
    assert told.text == "✅ 妈妈 已同意绑定。现在可以发送 /behalf 为TA提交求助。"
    answer = await mother.press_forged(f"fm:ok:{link_id}:all", message_id=ask.message_id)  # answered already
    assert answer is not None and STALE in (answer.text or "")

    await daughter.send_command("behalf")
    (whom,) = await daughter.wait_for_messages()
    assert whom.button_texts() == ["为 妈妈 代办"]
    await daughter.press("为 妈妈 代办")
    (need_prompt,) = await daughter.wait_for_messages()
    assert "需要" in (need_prompt.text or "") or need_prompt.reply_keyboard is not None
    reference = await _file_pipe_need(daughter)

    (news,) = await mother.wait_for_messages(timeout=10)
    assert news.text is not None and news.text.startswith(f"📝 您的家人「女儿小红」为您提交了求助 {reference}")
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(mother.id)
        filing = await tx.behalf.filing(request.id)
        born = (await tx.requests.history(request.id))[0]
    assert request.reference == reference and request.contact_phone == PHONE
    assert (filing.filed_by, filing.proxy_id) == (daughter.id, None)
    assert (born.actor_id, born.on_behalf_of, born.to_status) == (daughter.id, mother.id, "submitted")

    await _provider_finishes(chen)
    accepted, done = await mother.wait_for_messages(2, timeout=10)
    assert "已有人接单" in (accepted.text or "") and "⭐⭐⭐⭐⭐" in done.button_texts()
    for_her = await daughter.wait_for_messages(2, timeout=10)
    assert all((m.text or "").startswith("（为 妈妈 代办）") for m in for_her)
    assert not for_her[1].inline_keyboard  # the rating is asked from one person: the resident, who has a chat
    answer = await daughter.press_forged(f"rate:{request.id}:1")
    assert answer is not None and STALE in (answer.text or "")
    await mother.press("⭐⭐⭐⭐", message_id=done.message_id)
    await mother.wait_for_messages()
    async with running.db.transaction() as tx:
        rated = await tx.requests.get(request.id)
        filing = await tx.behalf.filing(request.id)
    assert rated is not None and rated.rating == 4 and filing.rated_by == mother.id

    # The daughter sees what she filed under 我的求助, marked; not her mother's own requests (not allowed).
    await daughter.send_text("📋 我的求助")
    (mine,) = await daughter.wait_for_messages()
    assert "【我代办的】" in (mine.text or "") and reference in (mine.text or "")
    # Her data export lists the link and the labels typed about her, on either side.
    async with running.db.transaction() as tx:
        hers, daughters = await tx.privacy.personal_data(mother.id), await tx.privacy.personal_data(daughter.id)
    assert [(x["you_are"], x["member_label"], x["resident_label"]) for x in hers.family_links] == [
        ("resident", "女儿小红", "妈妈")
    ]
    assert [x["you_are"] for x in daughters.family_links] == ["family_member"]

    # The mother ends the link: what the daughter filed is no longer hers to see (nor to cancel, nor to hear of).
    await mother.send_command("family")
    (menu,) = await mother.wait_for_messages()
    await mother.press("解除和 女儿小红 的绑定", message_id=menu.message_id)
    await mother.wait_for_edit(menu.message_id)
    await mother.press("确定解除", message_id=menu.message_id)
    await mother.wait_for_edit(menu.message_id)
    await daughter.wait_for_messages(timeout=10)  # 妈妈 解除了家人绑定
    await daughter.send_text("📋 我的求助")
    (mine,) = await daughter.wait_for_messages()
    assert reference not in (mine.text or "")

    # The resident withdraws consent: the link goes, and what the daughter typed about her is erased.
    await mother.send_command("privacy")
    (summary,) = await mother.wait_for_messages()
    await mother.press("撤回同意并删除我的信息", message_id=summary.message_id)
    await mother.wait_for_edit(summary.message_id)
    await mother.press("确定删除", message_id=summary.message_id)
    await mother.wait_for_messages()
    async with running.db.transaction() as tx:
        erased = await tx.requests.get(request.id)
        links = await tx.behalf.links_of(daughter.id)
        history = await tx.requests.history(request.id)
    assert erased is not None and erased.resident_id == 0 and erased.contact_phone is None
    assert erased.address is None and "下水道" not in erased.need_text
    assert links == [] and mother.id not in {h.on_behalf_of for h in history}
    async with running.db.transaction() as tx:  # nothing leads from the anonymous request to either of them
        assert await tx.behalf.filing(request.id) == Filing(None, None, None)
        assert await tx.behalf.filed_by(daughter.id, 10) == []


async def test_a_grid_worker_records_a_resident_without_chat_files_and_rates_for_him(running: Running) -> None:
    (chen,) = await providers(running, CHEN)
    grid = await _grid_worker(running, GRID, "阳光社区")
    other = await _grid_worker(running, OTHER_GRID, "桂花社区")
    staff = await staff_member(running)

    await grid.send_command("behalf")
    (whom,) = await grid.wait_for_messages()
    assert whom.button_texts() == ["🔍 查找本社区居民", "➕ 登记没有聊天工具的居民"]
    await grid.press("➕ 登记没有聊天工具的居民", message_id=whom.message_id)
    await grid.wait_for_messages()
    for answer in ("王大爷", "13800001111", "阳光小区5栋101", "5号楼"):
        await grid.send_text(answer)
        await grid.wait_for_messages()
    summary = (await grid.messages())[-1]
    assert "• 楼栋：5栋" in (summary.text or "") and "口头同意" in (summary.text or "")
    await grid.press("✅ 居民已口头同意，登记", message_id=summary.message_id)
    recorded = await grid.wait_for_edit(summary.message_id)
    await grid.wait_for_messages()  # home
    assert recorded.text == "✅ 已登记 王大爷，记录了您确认TA已口头同意。"
    async with running.db.transaction() as tx:
        (person,) = await tx.behalf.search_offline(1, "王大爷", 5)
    assert person.person_id >= OFFLINE_ID_BASE and person.consent_confirmed_by == GRID

    # A grid worker of another community can neither find him nor file for him, even with a forged button.
    answer = await other.press_forged(f"ob:for:{person.person_id}")
    assert answer is not None and answer.text == "您不能为这位居民代办。"
    await other.send_command("behalf")
    await other.wait_for_messages()
    await other.press("🔍 查找本社区居民")
    await other.wait_for_messages()
    await other.send_text("王大爷")
    (none_found,) = await other.wait_for_messages()
    assert none_found.text is not None and none_found.text.startswith("没有找到")
    answer = await grid.press_forged(f"ob:dely:{person.person_id}")  # only staff delete
    assert answer is not None and answer.text == "您不能为这位居民代办。"

    await grid.press("为 王大爷 代办", message_id=summary.message_id)
    await grid.wait_for_messages()
    reference = await _file_pipe_need(grid)
    await _provider_finishes(chen)
    accepted, done = await grid.wait_for_messages(2, timeout=10)
    assert (accepted.text or "").startswith("（为 王大爷 代办）") and "已有人接单" in (accepted.text or "")
    assert "代为评价" in (done.text or "") and "⭐⭐⭐⭐⭐" in done.button_texts()
    await grid.press("⭐⭐⭐⭐⭐", message_id=done.message_id)
    await grid.wait_for_messages()
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(person.person_id)
        filing = await tx.behalf.filing(request.id)
        rated = (await tx.requests.history(request.id))[-1]
        async with tx.conn.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (person.person_id,)) as cursor:  # type: ignore[attr-defined]
            (sent_to_him,) = await cursor.fetchone()
    assert request.reference == reference and request.rating == 5
    assert (filing.filed_by, filing.proxy_id, filing.rated_by) == (GRID, GRID, GRID)
    assert (rated.to_status, rated.actor_id, rated.on_behalf_of) == ("rated", GRID, person.person_id)
    assert sent_to_him == 0  # nothing is ever addressed to an id no channel has
    await grid.send_text("跳过")  # no comment
    await grid.wait_for_messages(2)

    # A second request for him, no phone typed in: the provider is given the phone recorded for him, not 通过聊天.
    await grid.send_command("behalf")
    await grid.wait_for_messages()
    await grid.press("🔍 查找本社区居民")
    listed, _ask = await grid.wait_for_messages(2)
    await grid.press("为 王大爷 · 5栋 · …1111 代办", message_id=listed.message_id)
    await grid.wait_for_messages()
    second = await _file_pipe_need(grid, phone=None)
    push = await _next_push(chen)
    await chen.press("✅ 接单", message_id=push.message_id)
    task = await chen.wait_for_edit(push.message_id)
    assert "13800001111" in (task.text or "")
    (taken,) = await grid.wait_for_messages(timeout=10)
    assert second in (taken.text or "") and "已有人接单" in (taken.text or "")

    # Staff delete him on request: the record and what the grid worker typed about him are erased.
    await staff.send_command("behalf")
    await staff.wait_for_messages()
    await staff.press("🔍 查找本社区居民")
    await staff.wait_for_messages(2)  # the list, then the search question
    found = (await staff.messages())[-2]
    assert "王大爷 · 5栋 · …1111" in " ".join(found.button_texts())
    await staff.press("🗑 删除", message_id=found.message_id)
    await staff.wait_for_edit(found.message_id)
    await staff.press("确定删除", message_id=found.message_id)
    deleted = await staff.wait_for_edit(found.message_id)
    assert deleted.text == "已删除 王大爷 的登记和个人信息。"
    async with running.db.transaction() as tx:
        gone = await tx.behalf.offline(person.person_id)
        erased = await tx.requests.get(request.id)
        (open_one,) = [r for r in await tx.requests.of_resident(0, limit=5) if r.reference == second]
        cancelled = (await tx.requests.history(open_one.id))[-1]
    assert gone is None and erased is not None and erased.resident_id == 0 and erased.contact_phone is None
    # As a withdrawal: the provider who accepted is told, what he and the grid worker were shown is blanked,
    # and history names the staff member as the one who cancelled (for nobody now).
    assert (cancelled.to_status, cancelled.actor_id, cancelled.on_behalf_of) == ("cancelled", staff.id, 0)
    told = await chen.wait_for_messages(timeout=10)
    assert any((m.text or "").startswith(f"🔕 {second} 已取消") for m in told)
    blank = f"（{second}：求助人已撤回同意，这条消息的内容已删除。）"
    assert (await chen.wait_for_edit(push.message_id, timeout=10)).text == blank
    assert (await grid.wait_for_edit(taken.message_id, timeout=10)).text == blank
    # The next resident recorded gets a new id (never the deleted one's, whose users row stays).
    async with running.db.transaction() as tx:
        again = await tx.behalf.add_offline(1, "李奶奶", None, None, None, GRID, utc_now())
    assert again > person.person_id


async def test_every_family_button_refuses_who_may_not_press_it(running: Running) -> None:
    mother = await running.client.user(first_name="王阿姨")
    daughter = await running.client.user(first_name="小红")
    stranger = await running.client.user(first_name="路人")
    for person in (mother, daughter, stranger):
        await onboard(person)
    await _link(mother, daughter)
    (ask,) = await mother.wait_for_messages(timeout=10)
    await mother.press("❌ 不同意", message_id=ask.message_id)  # refused: no link
    assert (await mother.wait_for_edit(ask.message_id)).text == "好的，没有绑定「女儿小红」。"
    assert (await daughter.wait_for_messages(timeout=10))[0].text == "妈妈 没有同意绑定。"
    await _link(mother, daughter)  # asked again with a new code
    (ask,) = await mother.wait_for_messages(timeout=10)
    await mother.press("✅ 同意（也可以看我自己的求助）", message_id=ask.message_id)
    await mother.wait_for_edit(ask.message_id)
    await daughter.wait_for_messages(timeout=10)
    async with running.db.transaction() as tx:
        (link,) = await tx.behalf.links_of(mother.id)
    assert link.status == "active" and link.sees_all

    # What the resident allowed: the member sees her requests too (no contact details in the list).
    await daughter.send_command("family")
    (menu,) = await daughter.wait_for_messages()
    assert menu.button_texts()[:3] == ["为 妈妈 代办", "📋 看 妈妈 的求助", "解除和 妈妈 的绑定"]
    await daughter.press("📋 看 妈妈 的求助", message_id=menu.message_id)
    (theirs,) = await daughter.wait_for_messages()
    assert theirs.text is not None and theirs.text.startswith("📋 妈妈 的求助")
    for forged in (f"fm:view:{link.id}", f"fm:see:{link.id}:own", f"fm:endy:{link.id}", f"fm:ok:{link.id}:own"):
        answer = await stranger.press_forged(forged)
        assert answer is not None and STALE in (answer.text or ""), forged
    answer = await daughter.press_forged(f"fm:see:{link.id}:own")  # only the resident chooses what is seen
    assert answer is not None and STALE in (answer.text or "")

    # The resident narrows it: the member no longer sees her own requests.
    await mother.send_command("family")
    (hers,) = await mother.wait_for_messages()
    assert hers.button_texts() == ["只让「女儿小红」看TA代办的", "解除和 女儿小红 的绑定", "🔑 生成绑定码（给家人）",
                                   "➕ 输入家人给的绑定码"]  # fmt: skip
    await mother.press("只让「女儿小红」看TA代办的", message_id=hers.message_id)
    assert "只能看TA帮您提交的求助" in ((await mother.wait_for_edit(hers.message_id)).text or "")
    answer = await daughter.press_forged(f"fm:view:{link.id}")
    assert answer is not None and STALE in (answer.text or "")

    # Either side ends it, after a second look (不解除 keeps it).
    await daughter.send_command("family")
    (menu,) = await daughter.wait_for_messages()
    await daughter.press("解除和 妈妈 的绑定", message_id=menu.message_id)
    assert (await daughter.wait_for_edit(menu.message_id)).text == "确定要解除和 妈妈 的绑定吗？"
    await daughter.press("不解除", message_id=menu.message_id)
    assert (await daughter.wait_for_edit(menu.message_id)).text == "好的，绑定不变。"
    await daughter.send_command("family")
    (menu,) = await daughter.wait_for_messages()
    await daughter.press("解除和 妈妈 的绑定", message_id=menu.message_id)
    await daughter.wait_for_edit(menu.message_id)
    await daughter.press("确定解除", message_id=menu.message_id)
    assert (await daughter.wait_for_edit(menu.message_id)).text == "已解除和 妈妈 的绑定。"
    assert (await mother.wait_for_messages(timeout=10))[0].text == "女儿小红 解除了家人绑定。"
    answer = await daughter.press_forged(f"ob:for:{mother.id}")  # ended: no more filing for her
    assert answer is not None and answer.text == "您不能为这位居民代办。"


async def test_recording_can_be_cancelled_and_a_deletion_kept(running: Running) -> None:
    newcomer = await running.client.user(first_name="新来的")  # has not consented: no family links
    await newcomer.send_command("family")
    assert (await newcomer.wait_for_messages())[0].text == "请先发送 /start，同意隐私说明后再绑定家人。"
    answer = await newcomer.press_forged("fm:code")
    assert answer is not None and STALE in (answer.text or "")
    grid = await _grid_worker(running, GRID, "阳光社区")
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    for person in (resident,):  # no role: neither the search nor the recording
        for forged in ("ob:find", "ob:new"):
            answer = await person.press_forged(forged)
            assert answer is not None and answer.text == "这个功能只给网格员和社区工作人员使用。", forged
    await grid.send_command("behalf")
    await grid.wait_for_messages()
    await grid.press("➕ 登记没有聊天工具的居民")
    await grid.wait_for_messages()
    await grid.send_text("李奶奶")
    await grid.wait_for_messages()
    for _ in range(3):
        await grid.send_text("跳过")
        await grid.wait_for_messages()
    summary = (await grid.messages())[-1]
    assert "• 称呼：李奶奶\n• 电话：未提供\n• 地址：未提供\n• 楼栋：未提供" in (summary.text or "")
    await grid.press("✖️ 取消", message_id=summary.message_id)
    assert (await grid.wait_for_edit(summary.message_id)).text == "好的，已取消。"
    async with running.db.transaction() as tx:
        assert await tx.behalf.search_offline(1, "", 5) == []
    answer = await grid.press_forged("ob:consent")  # the recording was cancelled: nothing to confirm
    assert answer is not None and STALE in (answer.text or "")

    # Staff: 🗑 then 不删除 keeps the record.
    async with running.db.transaction() as tx:
        person_id = await tx.behalf.add_offline(1, "赵爷爷", None, None, None, GRID, utc_now())
    staff = await staff_member(running)
    await staff.send_command("behalf")
    await staff.wait_for_messages()
    await staff.press("🔍 查找本社区居民")
    await staff.wait_for_messages(2)
    found = (await staff.messages())[-2]
    await staff.press("🗑 删除", message_id=found.message_id)
    await staff.wait_for_edit(found.message_id)
    await staff.press("不删除", message_id=found.message_id)
    assert (await staff.wait_for_edit(found.message_id)).text == "好的，没有删除。"
    async with running.db.transaction() as tx:
        assert await tx.behalf.offline(person_id) is not None
