"""Telegram's flood limits as sliding windows.

Telegram documents roughly: at most 1 message per second to one private chat, 20 messages
per minute to one group, and about 30 messages per second overall. When the sandbox enforces
them, a send over a limit gets ``429 Too Many Requests: retry after N`` with
``parameters.retry_after = N`` — the whole seconds until the *oldest* send in the violated
window leaves it (at least 1). Refused sends are not recorded, so they do not extend the wait.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimits:
    global_per_s: int = 30
    per_chat_per_s: int = 1
    per_group_per_min: int = 20


@dataclass
class _Window:
    limit: int
    seconds: float
    stamps: deque[float] = field(default_factory=deque)

    def prune(self, now: float) -> None:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()

    def wait(self, now: float) -> float:
        """Seconds until one more send fits (0 if it fits now)."""
        self.prune(now)
        if len(self.stamps) < self.limit:
            return 0.0
        # The send that must leave the window before there is room again.
        blocker = self.stamps[len(self.stamps) - self.limit]
        return max(blocker + self.seconds - now, 0.0)


class RateLimiter:
    """Sliding-window limiter; ``clock`` is injectable so tests need not sleep."""

    def __init__(self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._global = _Window(self.limits.global_per_s, 1.0)
        self._chats: dict[int, _Window] = {}

    def _chat_window(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            # Negative ids are groups/supergroups/channels: limited per minute, not per second.
            if chat_id < 0:
                window = _Window(self.limits.per_group_per_min, 60.0)
            else:
                window = _Window(self.limits.per_chat_per_s, 1.0)
            self._chats[chat_id] = window
        return window

    def retry_after(self, chat_id: int) -> int | None:
        """Whole seconds to wait if a send to ``chat_id`` now is over a limit, else None."""
        now = self._clock()
        wait = max(self._global.wait(now), self._chat_window(chat_id).wait(now))
        if wait <= 0:
            return None
        return max(1, math.ceil(wait))

    def record(self, chat_id: int) -> None:
        now = self._clock()
        self._global.stamps.append(now)
        self._chat_window(chat_id).stamps.append(now)
