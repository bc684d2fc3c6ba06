"""Delivering the outbox: `OutboxSender` (the loop, `sender.py`), `SendLimiter` (Telegram's flood limits on
our side, `limiter.py`) and the pure handling of one attempt's answer (`attempt.py`)."""

from bot.outbox.limiter import SendLimiter
from bot.outbox.sender import OutboxSender

__all__ = ["OutboxSender", "SendLimiter"]
