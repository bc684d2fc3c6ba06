"""Always a way back: /cancel takes a provider or staff member to their own menu (never into the resident's
intake, which needs a community), and /tasks shows a provider every open task with the resident's contact and
its buttons again — the way back to a contact whose message was lost."""

from __future__ import annotations

import logging

import pytest

from core.dialog import State
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, file_pipe_request, providers

STAFF_ONLY = 920077


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_provider_who_cancels_lands_in_the_work_menu_and_typing_there_files_nothing(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    (chen,) = await providers(running, CHEN)
    async with running.db.transaction() as tx:  # registered by invitation: no resident onboarding
        await tx.dialogs.save(CHEN, State.NEW.value, {}, utc_now())
    await chen.send_command("cancel")
    done, menu = await chen.wait_for_messages(2)
    assert done.text == "已取消。"
    assert menu.text.startswith("这里是服务人员菜单") and "/tasks" in menu.text
    await chen.send_text("你好，家里水管漏了")
    hint, again = await chen.wait_for_messages(2)
    assert hint.text.startswith("这里不用打字提交求助") and again.text.startswith("这里是服务人员菜单")
    await chen.send_text("📋 我的任务")
    (none,) = await chen.wait_for_messages()
    assert none.text == "您现在没有进行中的任务。"
    async with running.db.transaction() as tx:
        assert await tx.requests.of_resident(CHEN) == []
    assert tracebacks(caplog) == []


async def test_staff_who_are_not_residents_get_their_own_menu(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    async with running.db.transaction() as tx:
        (community,) = [c for c in await tx.communities.list_all() if c.name == "阳光社区"]
        await tx.users.create(STAFF_ONLY, "zh_CN", utc_now())
        await tx.users.grant_role(STAFF_ONLY, "staff", utc_now(), community.id)
        await tx.dialogs.save(STAFF_ONLY, State.MENU.value, {}, utc_now())  # e.g. left from an old version
    staff = await running.client.user(STAFF_ONLY)
    await staff.send_text("楼道灯坏了")  # at the resident's menu, but not a resident: no intake, no crash
    (menu,) = await staff.wait_for_messages()
    assert menu.text.startswith("这里是社区工作人员菜单") and "/announce" in menu.text
    await staff.send_command("cancel")
    done, menu = await staff.wait_for_messages(2)
    assert done.text == "已取消。" and menu.text.startswith("这里是社区工作人员菜单")
    assert tracebacks(caplog) == []


async def test_tasks_shows_the_contact_and_buttons_of_each_open_task(running: Running) -> None:
    (chen,) = await providers(running, CHEN)
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    reference = await file_pipe_request(resident, phone="13912340000")
    await chen.wait_for_messages(timeout=10)
    await chen.press("✅ 接单")
    await resident.wait_for_messages(timeout=10)

    await chen.send_command("tasks")
    header, task = await chen.wait_for_messages(2)
    assert header.text == "进行中的任务：1 个"
    assert reference in task.text and "• 电话：13912340000" in task.text and "阳光小区3栋2单元501" in task.text
    assert task.button_texts() == ["🚶 出发", "✅ 完成", "❌ 无法完成"]
    await chen.press("🚶 出发", message_id=task.message_id)
    started = await chen.wait_for_edit(task.message_id)
    assert started.button_texts() == ["✅ 完成", "❌ 无法完成"]
    (news,) = await resident.wait_for_messages(timeout=10)
    assert "出发" in news.text
