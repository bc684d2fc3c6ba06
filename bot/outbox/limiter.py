"""When may the next message go out: Telegram's flood limits, kept on our side so that Telegram never has to
answer 429 in normal operation.

Telegram counts a send at the moment it processes it, somewhere between our request leaving and its answer
arriving. We know neither moment on Telegram's clock, so each send is counted for the whole of that interval:

- globally, a send occupies a slot from the moment we start it until one `window` after its answer arrived;
  at most `per_second × window` slots are taken at once. Whatever order Telegram processes concurrent requests
  in, it can never see more than that many sends in any window, so its sliding window is never exceeded. The
  price is throughput: `capacity / (window + round trip)`, i.e. about 29.7/s at a 10 ms round trip. Starts are
  also spaced `1/per_second` apart so that a full queue goes out evenly, not in a burst each second.
- per chat, the next send starts `per_chat_interval` after the previous one's answer arrived, and never while
  one is in flight (which also keeps each chat's messages in order).

A 429 nevertheless (direct replies share the token, or Telegram is stricter than documented) pauses the chat
for retry_after. Unless the chat had a message less than a window before (then its own limit is the likely
cause), it also halves the global pace for a few seconds: at most once per window, down to 1/16.

Pure and synchronous: callers pass `now` (monotonic seconds), so it is tested without sleeping.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

_MAX_SLOWDOWN = 16  # after repeated 429s: at most 1/16 of the configured pace
_MAX_SLOW_SECONDS = 5.0  # "briefly": a long retry_after is honoured by its chat, not by the whole sender
_PRUNE_CHATS_ABOVE = 4096  # forget chats with nothing pending once this many are remembered


@dataclass
class _Chat:
    free_at: float = -math.inf  # may receive again from then; math.inf while a send to it is in flight
    started_at: float = -math.inf  # the latest send's start
    delivered_at: float = -math.inf  # the latest delivered send's answer


class SendLimiter:
    def __init__(self, per_second: float, per_chat_interval: float, *, window: float = 1.0) -> None:
        if per_second <= 0 or window <= 0 or per_chat_interval < 0:
            raise ValueError("per_second and window must be positive, per_chat_interval not negative")
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.window = window
        self._in_flight = 0
        self._answered: deque[float] = deque()  # answer times of sends still inside the window, oldest first
        self._last_start = -math.inf
        self._chats: dict[int, _Chat] = {}
        self._slowdown = 1
        self._slow_until = -math.inf
        self._halved_at = -math.inf

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _pace(self, now: float) -> tuple[int, float]:
        """(slots per window, seconds between starts) at `now`, slowed after a 429."""
        if now >= self._slow_until:
            self._slowdown = 1
        capacity = max(1, int(self.per_second * self.window / self._slowdown))
        return capacity, self._slowdown / self.per_second

    def _load(self, now: float) -> tuple[int, int, float]:
        """(slots taken, slots per window, seconds between starts) at `now`; forgets answers out of the window."""
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        capacity, spacing = self._pace(now)
        return self._in_flight + len(self._answered), capacity, spacing

    def wait(self, now: float) -> float | None:
        """Seconds until one more send may start (0: now); None: not before an in-flight send is answered."""
        taken, capacity, spacing = self._load(now)
        wait = max(0.0, self._last_start + spacing - now)
        if taken >= capacity:
            # The answer that must leave the window before a slot is free again.
            index = taken - capacity
            if index >= len(self._answered):
                return None
            wait = max(wait, self._answered[index] + self.window - now)
        return wait

    def has_room(self, now: float) -> bool:
        """Whether a send may start now as far as the window goes, ignoring the even spacing of starts (which is
        for draining a queue smoothly, not for a reply someone is waiting for)."""
        taken, capacity, _ = self._load(now)
        return taken < capacity

    def chat_wait(self, chat_id: int, now: float) -> float:
        """Seconds until the chat may receive again (math.inf while a send to it is in flight)."""
        chat = self._chats.get(chat_id)
        return 0.0 if chat is None else max(0.0, chat.free_at - now)

    def started(self, chat_id: int, now: float) -> None:
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.free_at, chat.started_at = math.inf, now
        self._in_flight += 1
        self._last_start = now

    def answered(self, chat_id: int, now: float, *, delivered: bool) -> None:
        """The send's answer arrived: its global slot frees one window from now. The chat stays busy until
        free_chat() or rate_limited() (the caller records the outcome first)."""
        self._in_flight -= 1
        self._answered.append(now)
        if delivered:
            self._chats.setdefault(chat_id, _Chat()).delivered_at = now

    def free_chat(self, chat_id: int, now: float, pause: float | None = None) -> None:
        """The chat may receive again after `pause` (default per_chat_interval) counted from `now`."""
        self._chats.setdefault(chat_id, _Chat()).free_at = now + (self.per_chat_interval if pause is None else pause)
        if len(self._chats) > _PRUNE_CHATS_ABOVE:
            self._chats = {
                key: chat
                for key, chat in self._chats.items()
                if chat.free_at > now or chat.delivered_at > now - self.window
            }

    def rate_limited(self, chat_id: int, now: float, retry_after: float) -> None:
        """Telegram answered 429 for a send to the chat: pause the chat for retry_after, and slow everyone
        down unless the chat's own limit explains it."""
        self.free_chat(chat_id, now, retry_after)
        chat = self._chats[chat_id]
        if chat.started_at - chat.delivered_at < self.window:
            return
        if now >= self._slow_until:
            self._slowdown, self._halved_at = 2, now
        elif now - self._halved_at >= self.window:  # one halving per window, not one per refused send
            self._slowdown, self._halved_at = min(self._slowdown * 2, _MAX_SLOWDOWN), now
        self._slow_until = max(self._slow_until, now + min(max(retry_after, 1.0), _MAX_SLOW_SECONDS))
