"""Provider invitations through the sandbox: staff /invite, the link's /start payload, registration, and
then the new provider receives pushes. Invites are single-use; residents cannot invite."""

from __future__ import annotations

from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, file_pipe_request, providers
from tests.flows.test_staff_loop import staff_member


async def test_invite_register_and_receive_a_task(running: Running) -> None:
    staff = await staff_member(running)
    await staff.send_command("invite", "志愿者 阳光社工服务中心")
    (invite,) = await staff.wait_for_messages()
    assert "https://t.me/sanshe_bot?start=inv_" in invite.text and "只能用一次" in invite.text
    payload = invite.text.split("?start=")[1].split()[0]
    (chen,) = await providers(running, CHEN)  # a social worker to supervise the volunteer

    li = await running.client.user(first_name="小李")
    await li.send_command("start", payload)
    welcome, name_prompt = await li.wait_for_messages(2)
    assert welcome.text == "欢迎！您被邀请登记为志愿者。" and name_prompt.text.startswith("请告诉我怎么称呼您")
    await li.send_text("小李")
    (services,) = await li.wait_for_messages()
    await li.press("▫️ 助餐送餐上门")
    await li.wait_for_edit(services.message_id)
    await li.press("下一页 ▶️")
    await li.wait_for_edit(services.message_id)
    await li.press("下一页 ▶️")
    await li.wait_for_edit(services.message_id)
    await li.press("▫️ 管道疏通")
    toggled = await li.wait_for_edit(services.message_id)
    assert "✅ 管道疏通" in toggled.button_texts()
    await li.press("✔️ 选好了")
    (communities,) = await li.wait_for_messages()
    assert "✅ 阳光社区" in communities.button_texts()  # the inviter's community is preselected
    await li.press("✔️ 选好了")
    (supervisor,) = await li.wait_for_messages()
    assert supervisor.button_texts() == ["陈社工"]
    await li.press("陈社工")
    done, menu = await li.wait_for_messages(2)
    assert done.text.startswith("登记完成，小李！")
    assert menu.text.startswith("这里是服务人员菜单") and menu.button_texts() == ["📋 我的任务", "❓ 帮助"]
    async with running.db.transaction() as tx:
        registered = await tx.providers.get(li.id)
    assert registered is not None and registered.kind == "volunteer" and registered.supervisor_id == CHEN
    assert set(registered.service_ids) == {"S001", "S020"} and registered.organization == "阳光社工服务中心"

    again = await running.client.user(first_name="冒用者")
    await again.send_command("start", payload)
    (refused,) = await again.wait_for_messages()
    assert refused.text.startswith("这个邀请无效、已被使用或已过期")

    resident = await running.client.user()
    await onboard(resident)
    await file_pipe_request(resident)
    (push,) = await li.wait_for_messages(timeout=10)
    assert push.text.startswith("🆕 新任务")
    await chen.wait_for_messages(timeout=10)


async def test_residents_cannot_invite(running: Running) -> None:
    resident = await running.client.user()
    await onboard(resident)
    await resident.send_command("invite", "社工")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "只有社区工作人员可以发邀请。"
