"""``WeChatResident``: a simulated WeChat user talking to the kf account and following the 服务号 (in process,
no control API). The ``oa_*`` actions post the 服务号 callback and return once its answer was handled.

Like the Telegram sandbox's ``SimUser``, each resident keeps a read cursor: ``wait_for_messages`` returns
only messages newer than the ones it returned before, so a test reads the conversation in order."""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox.wechat.models import ReceivedMessage
from sandbox.wechat.oa_callbacks import OfficialCallbacks
from sandbox.wechat.state import ResidentState, WeChatState, random_id


def _dump(messages: list[ReceivedMessage]) -> str:
    return "\n---\n".join(m.as_text() for m in messages) or "(nothing)"


class WeChatResident:
    def __init__(self, state: WeChatState, resident: ResidentState, oa: OfficialCallbacks | None = None) -> None:
        self._state = state
        self._resident = resident
        self._oa = oa
        self._cursor = 0  # inbox entries already returned by wait_for_messages
        self.welcome_code: str | None = None  # from the latest enter_session

    @property
    def external_userid(self) -> str:
        return self._resident.external_userid

    @property
    def openid(self) -> str:
        """The same person as a 服务号 follower (for message/custom/send and template/send)."""
        return self._resident.openid

    @property
    def name(self) -> str:
        return self._resident.name

    def __repr__(self) -> str:
        return f"WeChatResident({self.name!r}, {self.external_userid})"

    async def _say(self, msgtype: str, content: dict[str, Any]) -> str:
        msgid = self._state.resident_says(self._resident, msgtype, content)
        await asyncio.sleep(0)  # let the callback worker pick it up, as a network would
        return msgid

    async def send_text(self, text: str) -> str:
        """Returns the msgid sync_msg will report."""
        return await self._say("text", {"content": text})

    async def tap_menu(self, menu_id: str, content: str) -> str:
        """Tap a msgmenu click item: WeChat sends the item's text with its ``menu_id``."""
        return await self._say("text", {"content": content, "menu_id": menu_id})

    async def send_location(self, latitude: float, longitude: float, name: str = "", address: str = "") -> str:
        location = {"latitude": latitude, "longitude": longitude, "name": name, "address": address}
        return await self._say("location", location)

    async def send_image(self) -> str:
        return await self._say("image", {"media_id": random_id("MEDIA_IMG_", 24)})

    async def send_voice(self) -> str:
        return await self._say("voice", {"media_id": random_id("MEDIA_VOICE_", 24)})

    async def enter_session(self, scene_param: str = "") -> str:
        """Open the kf chat (e.g. from a QR code): an enter_session event with a welcome_code.
        Like WeCom this does NOT open the 48-hour window; only send_msg_on_event may answer it."""
        self.welcome_code = self._state.new_welcome_code(self._resident)
        event = {
            "event_type": "enter_session",
            "open_kfid": self._state.open_kfid,
            "external_userid": self.external_userid,
            "scene": "",
            "scene_param": scene_param,
            "welcome_code": self.welcome_code,
        }
        return await self._say("event", event)

    # -- as a 服务号 follower: each returns after the server's answer was handled (delivered, or the error) --
    def _official(self) -> OfficialCallbacks:
        if self._oa is None:
            raise RuntimeError(f"{self!r} has no 服务号 (create residents with WeChatSandbox.resident)")
        return self._oa

    async def oa_subscribe(self) -> None:
        """Follow the 服务号: a ``subscribe`` event (empty EventKey); opens the 48-hour window."""
        await self._official().event(self._resident, "subscribe")

    async def oa_send_text(self, text: str, bizmsgmenuid: str | None = None) -> str:
        """A text message; ``bizmsgmenuid`` when it was a tap on a ``weixin://bizmsgmenu`` link or a msgmenu item
        (then ``text`` is the item's words). Returns the MsgId (a 64-bit number as a string)."""
        return await self._official().text(self._resident, text, bizmsgmenuid)

    async def oa_click(self, key: str) -> None:
        """Tap a ``click`` button of the custom menu: a ``CLICK`` event with EventKey ``key``."""
        await self._official().event(self._resident, "CLICK", key)

    async def oa_send_location(self, latitude: float, longitude: float, label: str = "") -> str:
        """Share a location (Location_X latitude, Location_Y longitude, Scale 15). Returns the MsgId."""
        return await self._official().location(self._resident, latitude, longitude, label)

    async def messages(self) -> list[ReceivedMessage]:
        """Everything the bot sent this resident, in order, on every channel (kf, oa_custom, oa_template,
        oa_passive, oa_error; see ``ReceivedMessage.channel``). Does not move the cursor."""
        return list(self._resident.inbox)

    async def _wait_until(self, size: int, timeout: float) -> bool:  # noqa: ASYNC109
        changed = self._state.changed
        try:
            async with asyncio.timeout(timeout), changed:
                await changed.wait_for(lambda: len(self._resident.inbox) >= size)
        except TimeoutError:
            return False
        return True

    async def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[ReceivedMessage]:  # noqa: ASYNC109
        """Wait for the next ``count`` messages after the cursor; return exactly those and advance."""
        if not await self._wait_until(self._cursor + count, timeout):
            fresh = self._resident.inbox[self._cursor :]
            raise TimeoutError(
                f"{self!r}: expected {count} new message(s) within {timeout}s, got {len(fresh)}:\n{_dump(fresh)}"
            )
        taken = self._resident.inbox[self._cursor : self._cursor + count]
        self._cursor += count
        return taken

    async def expect_silence(self, seconds: float = 0.5) -> None:
        """Assert the bot sends nothing new (after the cursor) for ``seconds``."""
        if await self._wait_until(self._cursor + 1, seconds):
            fresh = self._resident.inbox[self._cursor :]
            raise AssertionError(f"{self!r}: expected silence, but the bot sent:\n{_dump(fresh)}")
