"""The two ways into a WeChat person's chat, behind one interface for the outlet (channels/wechat/outlet.py):

- 微信客服 (`KfDoor`): kf/send_msg, 5 messages within 48 hours of the person's last message; the one welcome
  message that may answer a person who opened the chat without writing (enter_session's welcome_code).
- 服务号 (`OfficialDoor`): the passive reply inside the HTTP answer to their message (within WeChat's 5 seconds),
  customer-service messages (message/custom/send, 20 within 48 hours of their last interaction), and, when that
  window is closed, one template notice that something waits for them.
"""

from __future__ import annotations

from typing import Any

from channels.wechat.api import WeChatApi
from channels.wechat.passive import PassiveSlots
from channels.wechat.render import Choice, kf_message, official_message
from storage.records import WeChatPerson

KF_QUOTA = 5
OFFICIAL_QUOTA = 20


class KfDoor:
    quota = KF_QUOTA
    slots: PassiveSlots | None = None
    media_kinds = frozenset({"image", "file"})  # what kf/send_msg can carry besides words

    def __init__(self, api: WeChatApi) -> None:
        self._api = api

    async def upload(self, kind: str, filename: str, content: bytes) -> str:
        return await self._api.upload_media(kind, filename, content)

    def body(self, text: str, choices: list[Choice] | None, message_id: int, hint: str) -> dict[str, Any]:
        return kf_message(text, choices, message_id, hint)

    async def send(self, person: WeChatPerson, body: dict[str, Any], client_msgid: str) -> None:
        await self._api.kf_send(person.external_id, person.account, body, client_msgid)

    async def welcome(self, code: str, body: dict[str, Any], client_msgid: str) -> None:
        await self._api.kf_send_on_event(code, body, client_msgid)

    async def notice(self, person: WeChatPerson, first: str, remark: str) -> bool:
        return False  # 微信客服 has no way to write outside the window: the message waits


class OfficialDoor:
    quota = OFFICIAL_QUOTA
    media_kinds = frozenset({"image"})  # a customer-service message cannot carry a file

    def __init__(self, api: WeChatApi, slots: PassiveSlots, template_id: str | None) -> None:
        self._api, self.slots, self._template_id = api, slots, template_id

    async def upload(self, kind: str, filename: str, content: bytes) -> str:
        return await self._api.upload_media(kind, filename, content)

    def body(self, text: str, choices: list[Choice] | None, message_id: int, hint: str) -> dict[str, Any]:
        return official_message(text, choices, message_id, hint)

    async def send(self, person: WeChatPerson, body: dict[str, Any], client_msgid: str) -> None:
        await self._api.custom_send(person.external_id, body)

    async def welcome(self, code: str, body: dict[str, Any], client_msgid: str) -> None:
        raise NotImplementedError("a 服务号 has no welcome code")

    async def notice(self, person: WeChatPerson, first: str, remark: str) -> bool:
        """A template notice (allowed outside the window): something waits; writing anything brings it."""
        if not self._template_id:
            return False
        data = {"first": {"value": first}, "remark": {"value": remark}}
        await self._api.template_send(person.external_id, self._template_id, data)
        return True


Door = KfDoor | OfficialDoor
