"""One send attempt as data: the outbox row's markup for python-telegram-bot, and Telegram's answer turned
into an `Outcome` the sender records. Pure functions, so every error path is tested without a network.

    sent      mark_sent with Telegram's message_id
    429       retry after retry_after (this message, and so its chat); the global pace slows for a moment
    403       'blocked': the person blocked the bot
    400       'failed': Telegram refused this message (too long, chat not found …); logged
    network   retry after 1, 2, 4 … 60 s; 'failed' once MAX_ATTEMPTS attempts have failed
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from telegram import Bot, ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.warnings import PTBDeprecationWarning

MAX_ATTEMPTS = 10  # a message that failed this often for transient reasons is given up as failed
BACKOFF_CAP = 60.0  # seconds; transient failures wait 1, 2, 4 … 60 s

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


@dataclass(frozen=True)
class Outcome:
    kind: Literal["sent", "retry", "blocked", "failed"]
    message_id: int | None = None  # sent: Telegram's message id
    delay: float = 0.0  # retry: seconds before the next attempt
    error: str = ""
    rate_limited: bool = False  # retry because of a 429: the global pace slows down too


def reply_markup(data: Mapping[str, Any] | None, bot: Bot | None) -> Markup | None:
    """The Bot API dict stored in the outbox as the PTB object of the kind its key names.

    PTB objects rather than `api_kwargs`: PTB then serialises the markup exactly as for a direct reply, and a
    malformed dict fails here, before anything is sent, instead of as a 400 from Telegram."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(dict(data), bot)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(dict(data), bot)
    # These two carry a constant flag that their constructors set themselves.
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove(selective=data.get("selective"))
    if data.get("force_reply"):
        return ForceReply(selective=data.get("selective"), input_field_placeholder=data.get("input_field_placeholder"))
    raise ValueError(f"unknown reply_markup with keys {sorted(data)}")


def retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns that the int form of retry_after will become a timedelta; accept both, warn about neither.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(attempts: int) -> float:
    """Seconds to wait after the (attempts + 1)-th transient failure: 1, 2, 4 … capped."""
    return min(BACKOFF_CAP, 2.0 ** min(attempts, 16))


def classify(exc: Exception, attempts: int) -> Outcome:
    """What to do after a send raised `exc`; `attempts` counts the message's earlier attempts."""
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RetryAfter):
        # Never a reason to give up: Telegram said exactly when the message will be accepted.
        # At least a second, so that a nonsensical retry_after of 0 cannot turn into a tight loop.
        return Outcome("retry", delay=max(retry_after_seconds(exc), 1.0), error=error, rate_limited=True)
    if isinstance(exc, Forbidden):
        return Outcome("blocked", error=error)
    # BadRequest subclasses NetworkError in PTB, so it must be looked at before the transient errors.
    if isinstance(exc, BadRequest | ChatMigrated):
        return Outcome("failed", error=error)
    # TimedOut, NetworkError, and the rest (InvalidToken, Conflict, an unexpected bug): transient until proven
    # otherwise, so retried with backoff, and given up once it has failed MAX_ATTEMPTS times.
    if attempts + 1 >= MAX_ATTEMPTS:
        return Outcome("failed", error=f"gave up after {attempts + 1} attempts: {error}")
    return Outcome("retry", delay=backoff(attempts), error=error)
