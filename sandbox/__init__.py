"""Sandbox: a local stand-in for the Telegram Bot API, with simulated users.

``SandboxServer`` serves the Bot API at ``/bot<token>/<method>`` (faithful enough for
python-telegram-bot to run unchanged) and a control API under ``/sandbox`` that
``SandboxClient`` / ``SimUser`` use to play users: send texts, contacts, photos, press
buttons and wait for the bot's replies. ``SandboxServer(latency_ms=50, enforce_rate_limits=True)``
makes it behave like a network with Telegram's flood limits (both off by default, for tests).
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
