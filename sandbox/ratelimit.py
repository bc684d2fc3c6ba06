"""Telegram's flood limits: sliding windows overall and per group, a token bucket per private chat.

Telegram documents roughly: at most 1 message per second to one private chat ("we may allow
short bursts that go over this limit, but eventually you'll begin receiving 429 errors"),
20 messages per minute to one group, and about 30 messages per second overall. When the
sandbox enforces them, a send over a limit gets ``429 Too Many Requests: retry after N`` with
``parameters.retry_after = N`` — the whole seconds until the send would fit (at least 1).
Refused sends are not recorded, so they do not extend the wait.

A private chat is a bucket of ``max(per_chat_burst, per_chat_per_s)`` sends refilled at
``per_chat_per_s``: ``per_chat_burst`` messages may go back to back, then one per second. The
default burst of 1 is the documented limit taken literally (the strictest case, which the
tests and the bot's own sender are held to). Telegram does not say how large a burst it lets
through; the benchmarks use 3, so that a reply of a couple of messages to a person who taps
quickly is not refused, while a bot that floods one chat still is.
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
    per_chat_burst: int = 1  # sends one private chat may take back to back (see the module docstring)

    def __post_init__(self) -> None:
        if min(self.global_per_s, self.per_chat_per_s, self.per_group_per_min, self.per_chat_burst) < 1:
            raise ValueError("rate limits must be at least 1")

    def as_json(self) -> dict[str, int]:
        return {
            "global_per_s": self.global_per_s,
            "per_chat_per_s": self.per_chat_per_s,
            "per_group_per_min": self.per_group_per_min,
            "per_chat_burst": self.per_chat_burst,
        }


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


@dataclass
class _Bucket:
    """``capacity`` sends at once, refilled at ``rate`` per second; starts full."""

    capacity: float
    rate: float
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self, now: float) -> float:
        self._refill(now)
        # The epsilon keeps float drift (1000.2 + 0.8 != 1001.0) from refusing a send that is exactly due.
        return 0.0 if self.tokens >= 1.0 - 1e-9 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


class RateLimiter:
    """Sliding-window limiter; ``clock`` is injectable so tests need not sleep."""

    def __init__(self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._global = _Window(self.limits.global_per_s, 1.0)
        self._groups: dict[int, _Window] = {}
        self._private: dict[int, _Bucket] = {}

    def _chat_limit(self, chat_id: int, now: float) -> _Window | _Bucket:
        # Negative ids are groups/supergroups/channels: limited per minute, not per second.
        if chat_id < 0:
            window = self._groups.get(chat_id)
            if window is None:
                window = self._groups[chat_id] = _Window(self.limits.per_group_per_min, 60.0)
            return window
        bucket = self._private.get(chat_id)
        if bucket is None:
            capacity = float(max(self.limits.per_chat_burst, self.limits.per_chat_per_s))
            bucket = self._private[chat_id] = _Bucket(capacity, float(self.limits.per_chat_per_s), capacity, now)
        return bucket

    def retry_after(self, chat_id: int) -> int | None:
        """Whole seconds to wait if a send to ``chat_id`` now is over a limit, else None."""
        now = self._clock()
        wait = max(self._global.wait(now), self._chat_limit(chat_id, now).wait(now))
        if wait <= 0:
            return None
        return max(1, math.ceil(wait))

    def record(self, chat_id: int) -> None:
        now = self._clock()
        self._global.stamps.append(now)
        limit = self._chat_limit(chat_id, now)
        if isinstance(limit, _Bucket):
            limit.take(now)
        else:
            limit.stamps.append(now)
