"""The baseline for bench/throughput.py: a bare python-telegram-bot echo bot (no database, no rules), written as a
good echo bot would be, so that the comparison is with a fast bot rather than with a slow harness.

    python bench/echo_bot.py TOKEN BASE_URL

- Long polling like Sanshe's (`getUpdates` with a 10 s timeout, all update types), through the same sandbox at
  the same round trip.
- Updates processed concurrently (PTB's `concurrent_updates`, up to 256 at once): a network round trip per
  reply does not hold up the next person.
- The same kinds of work per update as an intake step: a text is answered with one message carrying an inline
  button; a press of that button is answered (answerCallbackQuery) and followed by one message.
- A 429 is waited out once, as Sanshe's replies do (handlers.turn.patiently), instead of losing the reply.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

AGAIN = InlineKeyboardMarkup([[InlineKeyboardButton("再来一次", callback_data="again")]])
MAX_WAIT_S = 5.0


async def patiently(send: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await send()
    except RetryAfter as exc:
        wait = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
        if wait > MAX_WAIT_S:
            raise
        await asyncio.sleep(wait)
        return await send()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    await patiently(lambda: message.reply_text(text, reply_markup=AGAIN))


async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    chat_id = query.message.chat.id
    await query.answer()
    await patiently(lambda: context.bot.send_message(chat_id, "又一次", reply_markup=AGAIN))


def main() -> None:
    token, base_url = sys.argv[1], sys.argv[2]
    app = ApplicationBuilder().token(token).base_url(base_url).concurrent_updates(True).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(again))
    app.run_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
