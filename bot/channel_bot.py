"""The bot every turn and the outbox talk to: Telegram's, with a second channel behind the same methods.

A turn says what to send once, in the Bot API's terms (handlers/turn.py); the outbox sends it later the same way
(bot/outbox/). Here each call goes to the person's channel: a Telegram chat as before, or a WeChat person (their
ids start at storage.sqlite.wechat.WECHAT_ID_BASE), for whom channels/wechat/ renders the text and its choices.
WeChat's outcomes come back as the Bot API's errors, so the turn's delivery and the outbox sender treat both
channels alike: busy → RetryAfter (sent again later), refused → BadRequest, gone → Forbidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import Chat, Message, TelegramObject
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import ExtBot

from channels.wechat.outcomes import PersonGone, Refused, SendLater
from storage.records import WECHAT_ID_BASE, has_chat, utc_now

if TYPE_CHECKING:
    from channels.wechat.outlet import WeChatOutlet


def is_wechat(chat_id: object) -> bool:
    if isinstance(chat_id, str) and chat_id.isdigit():
        chat_id = int(chat_id)
    return isinstance(chat_id, int) and chat_id >= WECHAT_ID_BASE


def is_offline(chat_id: object) -> bool:
    """An id of a resident without a chat (storage.records.OFFLINE_ID_BASE): no channel has it."""
    if isinstance(chat_id, str) and chat_id.isdigit():
        chat_id = int(chat_id)
    return isinstance(chat_id, int) and not has_chat(chat_id)


def _markup(reply_markup: Any) -> Mapping[str, Any] | None:
    if reply_markup is None:
        return None
    return reply_markup.to_dict() if isinstance(reply_markup, TelegramObject) else dict(reply_markup)


class ChannelBot(ExtBot[None]):
    wechat: WeChatOutlet | None = None  # set once the database is open (bot/app.py)

    def use_wechat(self, outlet: WeChatOutlet | None) -> None:
        with self._unfrozen():  # PTB freezes a Bot's attributes after __init__
            self.wechat = outlet

    def _outlet(self, chat_id: object) -> WeChatOutlet | None:
        if is_offline(chat_id):  # a resident without a chat (migration 0024): never sent to, whatever asks
            raise Forbidden("a resident without a chat")
        if not is_wechat(chat_id):
            return None
        if self.wechat is None:  # a WeChat id without the channel configured: nowhere to send it
            raise Forbidden("the WeChat channel is not configured")
        return self.wechat

    def _message(self, chat_id: int, message_id: int, text: str, when: datetime) -> Message:
        message = Message(message_id, when, Chat(chat_id, Chat.PRIVATE), text=text)
        message.set_bot(self)
        return message

    async def _to_wechat(self, outlet: WeChatOutlet, call: Any) -> int:
        try:
            return int(await call)
        except PersonGone as exc:
            raise Forbidden(f"wechat person gone: {exc}") from exc
        except SendLater as exc:
            raise RetryAfter(max(1, round(exc.delay))) from exc
        except Refused as exc:
            raise BadRequest(f"wechat refused: {exc}") from exc

    async def send_message(self, chat_id: int | str, text: str, *args: Any, **kwargs: Any) -> Message:  # type: ignore[override]
        outlet = self._outlet(chat_id)
        if outlet is None:
            return await super().send_message(chat_id, text, *args, **kwargs)
        person = int(chat_id)
        message_id = await self._to_wechat(outlet, outlet.send(person, text, _markup(kwargs.get("reply_markup"))))
        return self._message(person, message_id, text, utc_now())

    async def edit_message_text(self, text: str, chat_id: int | str | None = None, message_id: int | None = None,  # type: ignore[override]
                                *args: Any, **kwargs: Any) -> Message | bool:  # fmt: skip
        outlet = self._outlet(chat_id)
        if outlet is None or message_id is None:
            return await super().edit_message_text(text, chat_id, message_id, *args, **kwargs)
        person = int(chat_id)  # type: ignore[arg-type]
        call = outlet.edit(person, message_id, text, _markup(kwargs.get("reply_markup")))
        return self._message(person, await self._to_wechat(outlet, call), text, utc_now())

    async def send_photo(self, chat_id: int | str, photo: Any, *args: Any, **kwargs: Any) -> Message:  # type: ignore[override]
        """WeChat: the caption, then the picture when it is ours to upload (a chart's bytes; not a Telegram file
        id, such as an announcement's photo, which WeChat cannot fetch)."""
        outlet = self._outlet(chat_id)
        if outlet is None:
            return await super().send_photo(chat_id, photo, *args, **kwargs)
        return await self._file(outlet, chat_id, photo, "chart.png", image=True, **kwargs)

    async def send_document(self, chat_id: int | str, document: Any, *args: Any, **kwargs: Any) -> Message:  # type: ignore[override]
        outlet = self._outlet(chat_id)
        if outlet is None:
            return await super().send_document(chat_id, document, *args, **kwargs)
        filename = kwargs.pop("filename", None) or "sanshe.dat"
        return await self._file(outlet, chat_id, document, filename, image=False, **kwargs)

    async def _file(self, outlet: WeChatOutlet, chat_id: int | str, content: Any, filename: str, *, image: bool,
                    **kwargs: Any) -> Message:  # fmt: skip
        caption = kwargs.get("caption") or ""
        if not isinstance(content, bytes):
            return await self.send_message(chat_id, caption, reply_markup=kwargs.get("reply_markup"))
        person = int(chat_id)
        call = outlet.send_file(person, content, filename, caption, image=image)
        return self._message(person, await self._to_wechat(outlet, call), caption, utc_now())

    async def send_chat_action(self, chat_id: int | str, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        if self._outlet(chat_id) is None:
            return await super().send_chat_action(chat_id, *args, **kwargs)
        return True  # WeChat shows no "typing…"

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None,  # type: ignore[override]
                                    show_alert: bool | None = None, *args: Any, **kwargs: Any) -> bool:  # fmt: skip
        """A WeChat choice (its id starts with "wx"): nothing to answer; the turn sent its words as a message."""
        if callback_query_id.startswith("wx"):
            return True
        return await super().answer_callback_query(callback_query_id, text, show_alert, *args, **kwargs)

    async def set_my_commands(self, commands: Any, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        scope = kwargs.get("scope")
        if is_wechat(getattr(scope, "chat_id", None)):
            return True  # WeChat has no per-person command menu; its menu is the account's own
        return await super().set_my_commands(commands, *args, **kwargs)

    async def delete_my_commands(self, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        if is_wechat(getattr(kwargs.get("scope"), "chat_id", None)):
            return True
        return await super().delete_my_commands(*args, **kwargs)
