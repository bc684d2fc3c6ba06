"""What can become of a message to a WeChat person, besides going out (bot/channel_bot.py maps each to the
Bot API's error, so the turn's delivery and the outbox sender handle both channels alike)."""

from __future__ import annotations


class PersonGone(Exception):
    """No WeChat person has this id any more (they withdrew, and everything was deleted)."""


class SendLater(Exception):
    """WeChat is busy or limiting us: try again after `delay` seconds."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


class Refused(Exception):
    """WeChat refused this message for good (its content, an unknown person)."""
