"""The one strict reader of callback data, used by every button handler.

Callback data comes back from the person's client and can be forged: any bytes up to Telegram's 64, or none.
`str.isdigit()` accepts '²' and '٣' that `int()` then rejects, and ids over 2⁶³ overflow SQLite, so a handler
never parses a number itself: it asks `ident()` (or `Callback.ident()`), which says None for anything that is
not a plain, bounded, ASCII number, and the handler then treats the button as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DATA_BYTES = 64  # Telegram's own limit for callback_data
MAX_ID = 2**63 - 1  # SQLite's INTEGER
MAX_ID_DIGITS = 19


def ident(text: str | None, *, upper: int = MAX_ID) -> int | None:
    """A non-negative ASCII number no larger than `upper`, else None (never raises)."""
    if not text or len(text) > MAX_ID_DIGITS or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= upper else None


@dataclass(frozen=True)
class Callback:
    """`prefix:action:arg1:arg2…` — missing parts read as empty strings, never as an IndexError."""

    prefix: str
    parts: tuple[str, ...]

    def part(self, index: int) -> str:
        return self.parts[index] if 0 <= index < len(self.parts) else ""

    @property
    def action(self) -> str:
        return self.part(0)

    def ident(self, index: int, *, upper: int = MAX_ID) -> int | None:
        return ident(self.part(index), upper=upper)


def parse(data: str | None) -> Callback | None:
    """None for data that no button of ours could have produced (empty, too long, control characters).
    Not ASCII-only: a catalogue's own service ids may be Chinese."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_DATA_BYTES or not data.isprintable():
        return None
    prefix, *parts = data.split(":")
    return Callback(prefix, tuple(parts))
