from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.needs_book import open_needs
from storage.protocols import NeedFact

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def need(category: str | None, status: str, hours_ago: float) -> NeedFact:
    return NeedFact("R", NOW - timedelta(hours=hours_ago), category, None, "x", status, None, None)


def test_open_needs_by_category_pilot_first_unmatched_last_closed_left_out() -> None:
    groups = open_needs(
        [need(None, "unmatched", 5), need("housekeeping", "dispatched", 30), need("elderly", "submitted", 2),
         need("elderly", "accepted", 50), need("elderly", "done", 90), need("children", "cancelled", 1)],
        NOW,
    )  # fmt: skip
    assert [(g.category, g.count, g.oldest_wait) for g in groups] == [
        ("elderly", 2, timedelta(hours=50)),
        ("housekeeping", 1, timedelta(hours=30)),
        ("unmatched", 1, timedelta(hours=5)),
    ]
