"""Sandbox: a local stand-in for the Telegram Bot API, with simulated users.

``SandboxServer`` serves the Bot API at ``/bot<token>/<method>`` (faithful enough for
python-telegram-bot to run unchanged) and a control API under ``/sandbox`` that
``SandboxClient`` / ``SimUser`` use to play users: send texts, contacts, photos, press
buttons and wait for the bot's replies.
"""

from sandbox.client import (
    BotMessage,
    CallbackAnswer,
    InlineButton,
    ReplyButton,
    SandboxClient,
    SandboxError,
    SimUser,
)
from sandbox.ratelimit import RateLimits
from sandbox.server import SandboxServer

__all__ = [
    "BotMessage",
    "CallbackAnswer",
    "InlineButton",
    "RateLimits",
    "ReplyButton",
    "SandboxClient",
    "SandboxError",
    "SandboxServer",
    "SimUser",
]
