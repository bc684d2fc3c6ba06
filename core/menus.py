"""Which commands each person's menu shows (Telegram's command menu, the "/" button), by role.

Residents see only what residents can do; that is the bot's default menu, so a resident needs nothing stored.
A provider or a staff member gets a menu of their own chat (all their roles together: a social worker who also
lives in the community sees the resident's commands too). Anyone else sees the default menu.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from core.onboarding import RESIDENT, WORK_ROLES
from core.people import PROVIDER_KINDS, STAFF

EVERYONE = ("start", "help", "cancel", "language", "privacy")
RESIDENT_COMMANDS = (*EVERYONE, "vote", "building", "mute")
PROVIDER_COMMANDS = (*EVERYONE, "tasks", "duty", "stats")
STAFF_COMMANDS = (*EVERYONE, "needs", "announce", "export", "poster", "report", "rounds", "invite", "stats")


def works_here(roles: Collection[str]) -> bool:
    """Someone with a menu of their own: a provider or community staff."""
    return bool(WORK_ROLES.intersection(roles))


def commands_for(roles: Collection[str], order: Sequence[str]) -> tuple[str, ...] | None:
    """The commands of a provider's or staff member's own menu, in `order` (the bot's command list); None when
    the default (resident) menu applies."""
    if not works_here(roles):
        return None
    wanted: set[str] = set(EVERYONE)
    if RESIDENT in roles:
        wanted.update(RESIDENT_COMMANDS)
    if any(kind in roles for kind in PROVIDER_KINDS):
        wanted.update(PROVIDER_COMMANDS)
    if STAFF in roles:
        wanted.update(STAFF_COMMANDS)
    return tuple(name for name in order if name in wanted)


def default_commands(order: Sequence[str]) -> tuple[str, ...]:
    return tuple(name for name in order if name in RESIDENT_COMMANDS)
