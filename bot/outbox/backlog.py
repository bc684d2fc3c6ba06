"""The outbox rows a sender has read into memory and not finished yet, per chat in id order.

The rule it keeps: a row is read into memory at most once while it is queued or in flight, even though the
database still shows it pending until its outcome is committed. That is what makes "nothing sent twice" hold
within one process.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager

from storage.records import OutboxMessage


def _by_id(message: OutboxMessage) -> int:
    return message.id


class Backlog:
    def __init__(self) -> None:
        self._queues: dict[int, list[OutboxMessage]] = {}  # chat id → rows not yet started, by id
        self._known: set[int] = set()  # ids queued or in flight
        self._finished_while_reading: set[int] | None = None
        self._held: set[int] = set()  # chats held back by a retry (or a failed write), see has_unheld()

    @property
    def size(self) -> int:
        """Rows in memory, in flight included."""
        return len(self._known)

    @property
    def chat_count(self) -> int:
        """Chats with a row waiting to be started."""
        return len(self._queues)

    def __bool__(self) -> bool:
        return bool(self._queues)

    def has_unheld(self) -> bool:
        """A chat has a row waiting for its turn, not merely for a retry."""
        return bool(self._queues.keys() - self._held)

    @contextmanager
    def reading(self) -> Iterator[Callable[[Sequence[OutboxMessage]], None]]:
        """Around a read of due rows: yields the function that adds them. A row may finish (and be forgotten)
        after the query saw it still pending but before it is added; such ids are remembered meanwhile so
        that the row is not queued a second time."""
        self._finished_while_reading = set()
        try:
            yield self._add
        finally:
            self._finished_while_reading = None

    def _add(self, rows: Sequence[OutboxMessage]) -> None:
        finished = self._finished_while_reading or set()
        for message in rows:
            if message.id not in self._known and message.id not in finished:
                self._known.add(message.id)
                insort(self._queues.setdefault(message.chat_id, []), message, key=_by_id)

    def chats_oldest_first(self) -> list[int]:
        """Chats by their first row's id, so that no chat is starved by chats enqueued after it."""
        return sorted(self._queues, key=lambda chat: self._queues[chat][0].id)

    def queued(self, chat_id: int) -> list[OutboxMessage]:
        return list(self._queues.get(chat_id, ()))

    def pop(self, chat_id: int) -> OutboxMessage:
        """The chat's first row, now in flight (still known)."""
        queue = self._queues[chat_id]
        message = queue.pop(0)
        if not queue:
            del self._queues[chat_id]
        self._held.discard(chat_id)
        return message

    def put_back(self, message: OutboxMessage) -> None:
        """A row to retry: back at the head of its chat, which is held until then."""
        insort(self._queues.setdefault(message.chat_id, []), message, key=_by_id)
        self._held.add(message.chat_id)

    def hold(self, chat_id: int) -> None:
        self._held.add(chat_id)

    def finish(self, chat_id: int, ids: Collection[int]) -> None:
        """These rows of the chat are done (their outcome is committed): out of memory."""
        for outbox_id in ids:
            self._known.discard(outbox_id)
            if self._finished_while_reading is not None:
                self._finished_while_reading.add(outbox_id)
        remaining = [queued for queued in self._queues.pop(chat_id, []) if queued.id not in ids]
        if remaining:
            self._queues[chat_id] = remaining
