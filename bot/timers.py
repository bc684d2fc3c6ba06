"""The time-limit loop: every few seconds, one short transaction applies core.timeouts.sweep, closes the votes
whose day has come, and writes the resulting messages to the outbox. Deadlines live in the database, so a
restart or a second process simply picks up where things stand; two processes sweeping at once take turns (the
write lock on SQLite, an advisory lock on PostgreSQL), so each deadline fires once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import Bot

from bot.periodic import Periodic
from core import votes
from core.timeouts import TimeLimits, sweep
from handlers import notify, rounds
from handlers.context import Services
from handlers.turn import background_turn
from storage.db import Database


class TimerLoop(Periodic):
    name = "sanshe-timers"

    def __init__(self, db: Database, services: Services, bot: Bot, limits: TimeLimits, interval: float,
                 clock: Callable[[], datetime]) -> None:  # fmt: skip
        self._db, self._services, self._bot = db, services, bot
        self._limits, self.interval, self._clock = limits, interval, clock

    async def tick(self) -> None:
        now = self._clock()
        async with self._db.transaction() as tx:
            await tx.locks.one_at_a_time("timers")  # several processes (webhook workers): each deadline fires once
            turn = background_turn(self._services, tx, now)
            result = await sweep(tx, now, self._limits)
            await notify.rewrite_pushes(turn, result.expired_offers, "task.expired")
            await notify.announce(turn, result.changes)
            for request in result.stalled:
                await notify.remind_provider(turn, request)
            await turn.hand_to_outbox()
        # Votes in a transaction of their own: a round that cannot be closed must not hold up the time limits.
        async with self._db.transaction() as tx:
            await tx.locks.one_at_a_time("votes")
            votes_turn = background_turn(self._services, tx, now)
            due = await votes.close_due(tx, now)
            for ended in due.ended:
                await rounds.voting_ended(votes_turn, ended)
            for results in due.published:
                await rounds.announce_results(votes_turn, results)
            await votes_turn.hand_to_outbox()
        if turn.enqueued or votes_turn.enqueued:
            self._services.wake_outbox()
