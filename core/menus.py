"""Which commands each person's menu shows (Telegram's command menu, the "/" button), by role.

Residents see only what residents can do; that is the bot's default menu, so a resident needs nothing stored.
A provider or a staff member gets a menu of their own chat (all their roles together: a social worker who also
lives in the community sees the resident's commands too). Anyone else sees the default menu.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from core.onboarding import RESIDENT, WORK_ROLES
from core.people import GRID_WORKER, PROVIDER_KINDS, STAFF, STREET

EVERYONE = ("start", "help", "cancel", "language", "privacy")
RESIDENT_COMMANDS = (*EVERYONE, "vote", "building", "mute", "family", "behalf")
PROVIDER_COMMANDS = (*EVERYONE, "tasks", "duty", "stats", "hours", "calls")
STAFF_COMMANDS = (
    *EVERYONE,
    "needs",
    "announce",
    "export",
    "poster",
    "report",
    "rounds",
    "invite",
    "stats",
    "hours",
    "behalf",
)
# A 网格员 files for residents of their community (代办) and answers for those without a chat.
GRID_COMMANDS = (*EVERYONE, "behalf")
# A street office (街道/区) over several communities: cross-community figures and 人随事转.
STREET_COMMANDS = (*EVERYONE, "stats", "report", "supply", "providers", "export", "projects", "calls")


def works_here(roles: Collection[str]) -> bool:
    """Someone with a menu of their own: a provider, community staff, a street office or a grid worker (not in
    core.onboarding.WORK_ROLES, which also decides onboarding: a grid worker onboards as anyone does)."""
    return bool(WORK_ROLES.intersection(roles)) or GRID_WORKER in roles


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
    if STREET in roles:
        wanted.update(STREET_COMMANDS)
    if GRID_WORKER in roles:
        wanted.update(GRID_COMMANDS)
    return tuple(name for name in order if name in wanted)


def default_commands(order: Sequence[str]) -> tuple[str, ...]:
    return tuple(name for name in order if name in RESIDENT_COMMANDS)
