"""Which commands each person's menu shows (core.menus)."""

from __future__ import annotations

import handlers
from core import menus

ORDER = handlers.COMMANDS


def test_residents_and_strangers_get_the_default_menu_of_resident_commands() -> None:
    assert menus.commands_for({"resident"}, ORDER) is None
    assert menus.commands_for(set(), ORDER) is None
    default = menus.default_commands(ORDER)
    assert {"vote", "building", "mute", "start", "privacy"} <= set(default)
    assert not {"announce", "export", "poster", "tasks", "duty", "invite", "stats"} & set(default)


def test_staff_and_providers_see_their_own_commands_and_a_residents_too_if_they_live_here() -> None:
    staff = menus.commands_for({"staff"}, ORDER)
    assert staff is not None and {"announce", "export", "poster", "needs", "report", "rounds", "invite"} <= set(staff)
    assert "vote" not in staff and "tasks" not in staff
    both = menus.commands_for({"staff", "resident"}, ORDER)
    assert both is not None and {"vote", "export"} <= set(both)
    volunteer = menus.commands_for({"volunteer"}, ORDER)
    assert volunteer is not None and {"tasks", "duty", "stats"} <= set(volunteer) and "export" not in volunteer
    assert list(both) == [name for name in ORDER if name in both]  # in the bot's own order


def test_every_command_is_in_some_menu() -> None:
    shown = (
        set(menus.RESIDENT_COMMANDS)
        | set(menus.PROVIDER_COMMANDS)
        | set(menus.STAFF_COMMANDS)
        | set(menus.STREET_COMMANDS)
    )
    assert set(ORDER) <= shown, set(ORDER) - shown
