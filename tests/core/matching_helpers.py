"""Small helpers for the matching tests."""

from __future__ import annotations

from core.matching import Matcher


def top_id(matcher: Matcher, text: str, **kwargs: object) -> str | None:
    """The id of the best match, or None when no service fits."""
    matches = matcher.match(text, **kwargs)  # type: ignore[arg-type]
    return matches[0].service_id if matches else None
