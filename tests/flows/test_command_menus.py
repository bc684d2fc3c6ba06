"""The command menu fits the person (setMyCommands with scopes): residents see the resident's commands (the bot's
default menu); providers and staff get a menu of their own chat, in their language, at start-up (registered on
the command line while the bot was down), at registration by invitation, at /start or /help, and again when their
language changes. Announcement audiences count a staff member as a resident only if they said they live there."""

from __future__ import annotations

import asyncio

from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.sample_city import SOCIAL_WORKER, STAFF
from core import people
from sandbox import SandboxClient, SandboxServer
from storage.db import Database
from storage.records import utc_now
from tests.conftest import DbLocation, Running, bot_running, database_url
from tests.flows.test_invite_borders import communities_message, invited
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_staff_loop import staff_member

NEW_STAFF = 900123  # added "on the command line" before the bot starts
RESIDENT_MENU = ["start", "help", "cancel", "language", "privacy", "mute", "vote", "building", "family", "behalf"]
STAFF_ONLY = {"announce", "needs", "report", "rounds", "invite", "export", "poster"}


async def menu_of(
    running: Running, chat_id: int, *, wanted: str | None = None, unwanted: str | None = None
) -> dict[str, str]:
    """The commands of a chat's own menu; with `wanted` (and `unwanted`), wait until the menu has that command (and
    not the other): the start-up sync runs in the background, beside the turns that refresh a menu."""
    for _ in range(100):
        commands = await running.app.bot.get_my_commands(scope=BotCommandScopeChat(chat_id))
        menu = {c.command: c.description for c in commands}
        if (wanted is None or wanted in menu) and (unwanted is None or unwanted not in menu):
            return menu
        await asyncio.sleep(0.1)
    raise AssertionError(f"chat {chat_id} never got a menu with /{wanted}: {menu}")


async def test_residents_see_resident_commands_only_in_each_language(running: Running) -> None:
    bot, scope = running.app.bot, BotCommandScopeAllPrivateChats()
    chinese = await bot.get_my_commands(scope=scope)
    english = await bot.get_my_commands(scope=scope, language_code="en")
    assert [c.command for c in chinese] == [c.command for c in english]
    assert sorted(c.command for c in chinese) == sorted(RESIDENT_MENU)
    assert (
        dict((c.command, c.description) for c in english)["vote"]
        != dict((c.command, c.description) for c in chinese)["vote"]
    )  # each in its language
    resident = await running.client.user()
    await onboard(resident)
    await resident.expect_silence(0.5)
    assert await menu_of(running, resident.id) == {}  # nothing of their own: the default is theirs
    async with running.db.transaction() as tx:
        assert await tx.command_menus.fingerprint(resident.id) is None


async def test_staff_added_while_the_bot_was_down_get_their_menu_at_start_up(
    city: tuple[SandboxServer, SandboxClient, DbLocation],
) -> None:
    _, _, location = city
    db = await Database.open(database_url(location))
    async with db.transaction() as tx:  # what `sanshe staff add 900123 --community 桂花社区` does
        await people.register_staff(tx, NEW_STAFF, "桂花社区", "en", utc_now())
    await db.close()
    async with bot_running(city) as running:
        staff = await menu_of(running, NEW_STAFF, wanted="export")
        assert STAFF_ONLY <= set(staff) and not {"vote", "tasks", "mute"} & set(staff)
        assert staff["export"] == "Needs book and service directory as files (Excel, A4, CSV)"  # their language
        seeded = await menu_of(running, STAFF.telegram_id, wanted="poster")
        assert seeded["poster"] == "居民扫码海报（打印张贴）"
        worker = await menu_of(running, SOCIAL_WORKER.telegram_id, wanted="tasks")
        assert {"tasks", "duty", "stats"} <= set(worker) and not STAFF_ONLY & set(worker)
        async with running.db.transaction() as tx:
            recorded = await tx.command_menus.all()
        assert {NEW_STAFF, STAFF.telegram_id, SOCIAL_WORKER.telegram_id} <= set(recorded)
    # A second start changes nothing: the recorded menus are the ones that fit.
    async with bot_running(city) as running:
        async with running.db.transaction() as tx:
            again = await tx.command_menus.all()
        assert again == recorded


async def test_a_menu_follows_registration_a_new_staff_member_and_the_language(running: Running) -> None:
    staff = await staff_member(running)  # lives in 阳光社区 too: staff and resident commands
    own = await menu_of(running, staff.id, wanted="export")
    assert {"vote", "export", "announce"} <= set(own)

    worker = await invited(running, staff, "社工", "周社工")
    await communities_message(worker)
    await worker.press("✔️ 选好了")
    await worker.wait_for_messages(2)
    menu = await menu_of(running, worker.id, wanted="tasks")
    assert {"tasks", "duty"} <= set(menu) and "vote" not in menu and not STAFF_ONLY & set(menu)

    async with running.db.transaction() as tx:  # staff added on the command line while the bot runs
        await people.register_staff(tx, worker.id, "阳光社区", "zh_CN", utc_now())
    await worker.send_command("help")
    await worker.wait_for_messages()
    menu = await menu_of(running, worker.id, wanted="announce")
    assert {"tasks", "announce", "export"} <= set(menu)

    await worker.send_command("language")
    await worker.wait_for_messages()
    await worker.press("English")
    await worker.wait_for_messages()
    for _ in range(50):
        menu = await menu_of(running, worker.id)
        if menu.get("export", "").startswith("Needs book"):
            break
        await asyncio.sleep(0.1)
    assert menu["export"] == "Needs book and service directory as files (Excel, A4, CSV)"


async def test_staff_who_only_work_here_are_not_residents_of_their_own_announcements(running: Running) -> None:
    staff = await running.client.user(STAFF.telegram_id, first_name="刘主任")
    await staff.send_command("start")
    await staff.wait_for_messages()
    await staff.press("✅ 同意")
    (community_prompt,) = await staff.wait_for_messages()
    assert community_prompt.text is not None and community_prompt.text.startswith(
        "请选择您所在的社区：\n如果您只在社区工作"
    )
    assert community_prompt.button_texts()[-1] == "🏢 我不住在这里，只用来工作"
    await staff.press("🏢 我不住在这里，只用来工作")
    assert (await staff.wait_for_edit(community_prompt.message_id)).text.startswith("好的，您不算作居民")
    (work_menu,) = await staff.wait_for_messages()
    assert (
        work_menu.text is not None
        and work_menu.text.startswith("这里是社区工作人员菜单")
        and "/poster" in work_menu.text
    )
    async with running.db.transaction() as tx:
        user = await tx.users.get(staff.id)
    assert user is not None and "resident" not in user.roles and user.community_id is None
    assert "vote" not in await menu_of(running, staff.id, wanted="export", unwanted="vote")

    residents = [await running.client.user(first_name=f"居民{i}") for i in range(2)]
    for resident in residents:
        await onboard(resident)
    await staff.send_command("announce")
    await staff.wait_for_messages()
    await staff.send_text("周六义诊")
    (audience,) = await staff.wait_for_messages()
    assert audience.button_texts()[0] == "社区居民（2 人）"  # the two residents; the staff member only works here
    await staff.press("社区居民（2 人）")
    preview = await staff.wait_for_edit(audience.message_id)
    assert "将发送给 2 人" in (preview.text or "")

    # /start again: still not asked for a community; a resident's command is not theirs.
    await staff.send_command("start")
    (again,) = await staff.wait_for_messages()
    assert again.text is not None and again.text.startswith("这里是社区工作人员菜单")


async def test_residents_are_not_offered_the_work_only_button(running: Running) -> None:
    resident = await running.client.user()
    await resident.send_command("start")
    await resident.wait_for_messages()
    await resident.press("中文")
    await resident.wait_for_messages()
    await resident.press("✅ 同意")
    (community_prompt,) = await resident.wait_for_messages()
    assert community_prompt.text == "请选择您所在的社区："
    assert "🏢 我不住在这里，只用来工作" not in community_prompt.button_texts()
    answer = await resident.press_forged("comm:work")
    assert answer is not None and answer.text == "这个按钮已经过期了。"
    async with running.db.transaction() as tx:
        user = await tx.users.get(resident.id)
    assert user is not None and "resident" in user.roles
