"""What the benchmarks share: residents seeded straight into the database, and the delivery figures the
outbox and broadcast benchmarks print."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.sample_city import seed
from storage.protocols import UnitOfWork


async def seed_residents(tx: UnitOfWork, ids: Sequence[int], now: datetime) -> None:
    """The sample city, and `ids` as consenting residents of 阳光社区 waiting at the main menu."""
    await seed(tx, now)
    community = await tx.communities.by_name("阳光社区")
    assert community is not None
    for uid in ids:
        await tx.users.create(uid, "zh_CN", now)
        await tx.users.set_consent(uid, now, now)
        await tx.users.set_community(uid, community.id, now)
        await tx.users.grant_role(uid, "resident", now)
        await tx.dialogs.save(uid, "menu", {}, now)


def delivery_figures(
    recipients: int, delivered: int, duplicates: int, http_429: int, rate: float, limit: float
) -> dict[str, Any]:
    return {
        "recipients": recipients,
        "delivered": delivered,
        "duplicates": duplicates,
        "http_429": http_429,
        "msgs_per_s": round(rate, 2),
        "limit_per_s": limit,
        "rate_ratio": round(rate / limit, 3),
    }
