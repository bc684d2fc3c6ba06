"""Printing a sandbox conversation readably: who said what, the bot's buttons, and its edits.

The narrator's own words (the bot's name, "edited", "keyboard") come from the catalogues' `demo.` keys.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.i18n import Translator
from sandbox import BotMessage, SimUser


def render(message: BotMessage, t: Translator, indent: str = "    ") -> list[str]:
    lines = [message.text or ""]
    if message.kind != "text":  # a photo or a document: say so, then its caption
        lines.insert(0, t("demo.photo") if message.kind == "photo" else f"[{message.kind}]")
    lines = [line for block in lines for line in block.splitlines()] or [""]
    if message.inline_keyboard:
        for row in message.inline_keyboard:
            lines.append("  ".join(f"[{b.text}]" for b in row))
    if message.reply_keyboard:
        buttons = "  ".join(f"〔{b.text}〕" for row in message.reply_keyboard for b in row)
        lines.append(t("demo.keyboard", buttons=buttons))
    if message.remove_keyboard:
        lines.append(t("demo.keyboard_removed"))
    return [indent + line for line in lines]


class Transcript:
    """Follows one or more simulated users and prints what changes in their chats."""

    def __init__(self, t: Translator, out: Callable[[str], None] = print, quiet_for: float = 0.35) -> None:
        self.t = t  # the narrator's language
        self.out = out
        self.quiet_for = quiet_for
        self._seen: dict[int, dict[int, int]] = {}  # user id -> message id -> edits seen

    def section(self, title: str) -> None:
        self.out("\n" + "─" * 60)
        self.out(title)
        self.out("─" * 60)

    def says(self, user: SimUser, label: str, what: str) -> None:
        self.out(f"\n{label} ▸ {what}")

    async def settle(self, user: SimUser, timeout: float = 5.0) -> list[BotMessage]:  # noqa: ASYNC109
        """Wait until the bot has answered and gone quiet, print what is new, return it."""
        seen = self._seen.setdefault(user.id, {})
        deadline = time.monotonic() + timeout
        last_change, snapshot = time.monotonic(), self._fingerprint(await user.messages())
        changed = False
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            current = self._fingerprint(await user.messages())
            if current != snapshot:
                snapshot, last_change, changed = current, time.monotonic(), True
            elif (changed or current != self._fingerprint_seen(seen)) and (
                time.monotonic() - last_change >= self.quiet_for
            ):
                break
        fresh: list[BotMessage] = []
        bot = self.t("demo.bot_name")
        for message in await user.messages():
            before = seen.get(message.message_id)
            if before is None:
                self.out(f"{bot}:")
                fresh.append(message)
            elif before != message.edits:
                self.out(f"{bot} {self.t('demo.edited')}:")
            else:
                continue
            seen[message.message_id] = message.edits
            for line in render(message, self.t):
                self.out(line)
        return fresh

    async def mark_seen(self, user: SimUser) -> None:
        """Treat everything in this chat so far as already shown."""
        self._seen[user.id] = self._fingerprint(await user.messages())

    @staticmethod
    def _fingerprint(messages: list[BotMessage]) -> dict[int, int]:
        return {m.message_id: m.edits for m in messages}

    @staticmethod
    def _fingerprint_seen(seen: dict[int, int]) -> dict[int, int]:
        return dict(seen)
