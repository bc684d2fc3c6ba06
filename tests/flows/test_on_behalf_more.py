"""Filing on someone's behalf (代办), continued (tests/flows/test_on_behalf_flow.py has the main paths): link codes
are drawn again over stored ones and wrong codes are limited; a grid worker files for a resident with a chat who
gave them her code; staff who do not live in the community go back to their work after rating for someone."""

from __future__ import annotations

import pytest

from core import family
from storage.behalf import Filing
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_on_behalf_flow import GRID, _file_pipe_need, _grid_worker, _link, _provider_finishes
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, providers
from tests.flows.test_staff_loop import STAFF_ID


async def test_link_codes_are_drawn_again_over_stored_ones_and_wrong_codes_are_limited(running: Running) -> None:
    mother = await running.client.user(first_name="王阿姨")
    daughter = await running.client.user(first_name="小红")
    for person in (mother, daughter):
        await onboard(person)
    now = utc_now()
    async with running.db.transaction() as tx:
        her = await tx.users.get(mother.id)
        member = await tx.users.get(daughter.id)
        assert her is not None and member is not None
        # A used code stays stored (it is the table's key): drawing it again must not fail, nor must a live one.
        assert await tx.behalf.add_code("11111111", daughter.id, now + family.CODE_LIFETIME)
        assert await tx.behalf.use_code("11111111", mother.id, now) == daughter.id
        draws = iter(["11111111"])
        assert await family.new_code(tx, her, now, draw=lambda: next(draws)) == "11111111"
        assert await tx.behalf.add_code("33333333", daughter.id, now + family.CODE_LIFETIME)
        draws = iter(["33333333", "22222222"])
        code = await family.new_code(tx, her, now, draw=lambda: next(draws))
        assert code == "22222222" and await tx.behalf.code_owner("33333333", now) == daughter.id
        for _ in range(family.MAX_TRIES):  # wrong codes, counted
            with pytest.raises(family.FamilyError, match=r"family\.unknown_code"):
                await family.check_code(tx, member, "99999999", now)
    # The next try, even with the right code, is refused until tomorrow.
    await daughter.send_command("family")
    (menu,) = await daughter.wait_for_messages()
    await daughter.press("➕ 输入家人给的绑定码", message_id=menu.message_id)
    await daughter.wait_for_messages()
    await daughter.send_text(code)
    refused, _home = await daughter.wait_for_messages(2)
    assert refused.text == "今天输错绑定码的次数太多了，请明天再试，或者请家人重新生成一个绑定码。"
    async with running.db.transaction() as tx:
        assert await tx.behalf.links_of(mother.id) == []


async def test_a_grid_worker_files_for_a_resident_with_a_chat_who_gave_them_her_code(running: Running) -> None:
    """Issue 15: a grid worker files for a resident "who is told in their own chat when they have one". The resident
    gives her /family code and confirms in her own chat, where the worker is named by the role we hold for them."""
    grid = await _grid_worker(running, GRID, "阳光社区")
    mother = await running.client.user(first_name="王阿姨")
    await onboard(mother)
    await grid.send_command("behalf")  # nobody yet with a chat: only the residents without one
    assert (await grid.wait_for_messages())[0].button_texts() == ["🔍 查找本社区居民", "➕ 登记没有聊天工具的居民"]
    await _link(mother, grid, calls="王阿姨", label="小王")
    (ask,) = await mother.wait_for_messages(timeout=10)
    assert (ask.text or "").startswith("👪 网格员「小王」想和您绑定，以后可以帮您提交求助（每次都会告诉您）。")
    await mother.press("✅ 同意（只看TA帮我提交的）", message_id=ask.message_id)
    await mother.wait_for_edit(ask.message_id)
    await grid.wait_for_messages(timeout=10)
    await grid.send_command("behalf")
    (whom,) = await grid.wait_for_messages()
    assert whom.button_texts()[0] == "为 王阿姨 代办"
    await grid.press("为 王阿姨 代办", message_id=whom.message_id)
    await grid.wait_for_messages()
    reference = await _file_pipe_need(grid)
    (news,) = await mother.wait_for_messages(timeout=10)
    assert (news.text or "").startswith(f"📝 网格员「小王」为您提交了求助 {reference}")
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(mother.id)
        assert await tx.behalf.filing(request.id) == Filing(GRID, None, None)  # she has a chat: she answers


async def test_staff_who_do_not_live_here_rate_for_a_resident_and_go_back_to_their_work(running: Running) -> None:
    """A staff member who is not a resident answers for a resident without chat; after 代为评价 they are taken to
    their own home (the work menu), not a resident's menu they do not have."""
    (chen,) = await providers(running, CHEN)
    staff = await running.client.user(STAFF_ID, first_name="刘主任")  # staff of 阳光社区 in the sample city
    await staff.send_command("start")
    await staff.wait_for_messages()
    await staff.press("✅ 同意")
    await staff.wait_for_messages()
    await staff.press("🏢 我不住在这里，只用来工作")
    await staff.wait_for_messages()
    async with running.db.transaction() as tx:
        person_id = await tx.behalf.add_offline(1, "孙爷爷", "13800003333", None, None, STAFF_ID, utc_now())
    await staff.send_command("behalf")
    await staff.wait_for_messages()
    await staff.press("🔍 查找本社区居民")
    listed, _ask = await staff.wait_for_messages(2)
    await staff.press("为 孙爷爷 · …3333 代办", message_id=listed.message_id)
    await staff.wait_for_messages()
    await _file_pipe_need(staff)
    await _provider_finishes(chen)
    for _ in range(4):  # 已有人接单, then 已完成 with the stars (staff may hear of other things in between)
        (done,) = await staff.wait_for_messages(timeout=10)
        if "⭐⭐⭐⭐⭐" in done.button_texts():
            break
    assert "代为评价" in (done.text or "")
    await staff.press("⭐⭐⭐⭐⭐", message_id=done.message_id)
    await staff.wait_for_messages()  # a comment?
    await staff.send_text("跳过")
    replies = await staff.wait_for_messages(2)
    home = replies[-1]
    assert home.reply_keyboard is None or "📋 我的求助" not in str(home.reply_keyboard)
    async with running.db.transaction() as tx:
        state = await tx.dialogs.get(STAFF_ID)
        (request,) = await tx.requests.of_resident(person_id)
    assert state is not None and state.state != "menu" and request.rating == 5
