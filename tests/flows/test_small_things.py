"""Small things of issue 12, each through the real path: a provider added without --name is shown to residents
as their kind (社工), never as a code such as `social_worker`; the resident is told the organisation of whoever
accepted and, when it is another one, the service's organisation too; English counts take their plural form."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import PROJECT_ROOT
from bot.i18n import I18n
from handlers.home import provider_name
from sandbox import SandboxClient, SandboxServer
from storage.db import Database
from storage.records import Provider, utc_now
from tests.conftest import DbLocation, Running, bot_running, database_url
from tests.flows.test_catalog_cli import sanshe
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import file_pipe_request
from tests.flows.test_staff_loop import staff_member

UNNAMED = 920001


async def test_a_provider_added_without_a_name_is_shown_by_kind_with_both_organisations(
    city: tuple[SandboxServer, SandboxClient, DbLocation], tmp_path: Path
) -> None:
    _, _, location = city
    added = sanshe(tmp_path, "provider", "add", str(UNNAMED), "--role", "social_worker", "--organization",
                   "阳光社工服务中心", "--services", "S020", "--communities", "阳光社区",
                   database_url=database_url(location))  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "social_worker" not in added.stdout.split("(")[0]  # the name it was given is not the code
    db = await Database.open(database_url(location))
    async with db.transaction() as tx:
        stored = await tx.providers.get(UNNAMED)
    await db.close()
    assert stored is not None and stored.display_name == "社工"

    async with bot_running(city) as running:
        worker = await running.client.user(UNNAMED, first_name="无名")
        await worker.send_command("start")  # opens the chat
        await worker.wait_for_messages()
        resident = await running.client.user(first_name="王阿姨")
        await onboard(resident)
        reference = await file_pipe_request(resident)
        (push,) = await worker.wait_for_messages(timeout=10)
        assert push.text is not None and push.text.startswith(f"🆕 新任务 {reference}")
        await worker.press("✅ 接单")
        (accepted,) = await resident.wait_for_messages(timeout=10)
    text = accepted.text or ""
    # 管道疏通 is 巧手便民维修队's service; the social worker who took it is of 阳光社工服务中心.
    assert "社工（阳光社工服务中心）会为您服务。\n这项服务由巧手便民维修队提供。" in text, text
    assert "social_worker" not in text and "volunteer" not in text


def test_names_residents_see_in_each_language() -> None:
    i18n = I18n.load(PROJECT_ROOT / "locales", "zh_CN", ZoneInfo("Asia/Shanghai"))
    zh, en = i18n.translator("zh_CN"), i18n.translator("en")
    for stored in ("", "volunteer", "志愿者", "  志愿者 "):  # no name, an old default, the new default
        nameless = Provider(1, "volunteer", stored)
        assert provider_name(i18n, zh, nameless) == "志愿者"
        assert provider_name(i18n, en, nameless) == "A volunteer"
    assert provider_name(i18n, en, Provider(1, "org_member", "org_member")) == "A member of the organisation"
    assert provider_name(i18n, en, Provider(1, "volunteer", "小李")) == "小李"


async def test_english_counts_take_their_plural_form(running: Running) -> None:
    staff = await staff_member(running)  # lives in 阳光社区: the only resident so far
    async with running.db.transaction() as tx:
        await tx.users.set_locale(staff.id, "en", utc_now())
    await staff.send_command("announce")
    await staff.wait_for_messages()
    await staff.send_text("Free health checks on Saturday")
    (audience,) = await staff.wait_for_messages()
    assert audience.button_texts()[0] == "Residents (1)"
    await staff.press("Residents (1)")
    preview = await staff.wait_for_edit(audience.message_id)
    assert (preview.text or "").endswith("It goes to 1 person. Send it?")
    await staff.press("📣 Send")
    (queued,) = await staff.wait_for_messages()
    assert (queued.text or "").startswith("The announcement is on its way to 1 person;")
