"""Chosen crash points, for the fault suite (tests/faults/, bench/faults.py) to kill the bot exactly there.

`SANSHE_FAILPOINTS="turn.committed:3,outbox.sent:1"` makes the process kill itself with SIGKILL (no cleanup,
no flush: what a power cut or the OOM killer does) the 3rd time a turn has committed, or the first time the
outbox sender got Telegram's answer. Unset, as in production, `reached()` is one truth test.

The points, in the order an update travels:
    update.fetched       getUpdates returned a batch; nothing processed or confirmed yet
    turn.before_commit   the turn decided and recorded its replies; the transaction is still open
    turn.committed       the turn committed; none of its replies sent yet
    reply.sent           Telegram accepted one reply; not yet marked sent
    outbox.sent          Telegram accepted one outbox message (a push, a notice, an announcement copy);
                         not yet marked sent
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "SANSHE_FAILPOINTS"


def _plan(spec: str) -> dict[str, int]:
    plan: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, nth = item.partition(":")
        plan[name] = int(nth or 1)
    return plan


_PLAN = _plan(os.environ.get(ENV, ""))
_HITS: Counter[str] = Counter()


def reached(name: str) -> None:
    if not _PLAN:
        return
    _HITS[name] += 1
    if _HITS[name] == _PLAN.get(name):
        os.kill(os.getpid(), signal.SIGKILL)
