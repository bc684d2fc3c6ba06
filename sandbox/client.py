"""Async client for the sandbox control API (see ``sandbox.control`` for the routes).

::

    async with SandboxClient(server.base_url) as sandbox:
        user = await sandbox.user(first_name="李四")
        await user.send_command("start")
        [welcome] = await user.wait_for_messages(1)
        answer = await user.press("报名")          # inline button by text or callback_data
        edited = await user.wait_for_edit(welcome.message_id)

Each ``SimUser`` keeps a read cursor: ``wait_for_messages`` returns only bot messages newer
than the ones it returned before, so a test reads the conversation in order. Waiting is done
by long polls on the server, not by busy polling.
"""

from __future__ import annotations

import base64
from types import TracebackType
from typing import Any

import httpx

from sandbox.client_models import BotMessage, CallbackAnswer, InlineButton, ReplyButton, SandboxError, dump
from sandbox.ratelimit import RateLimits

__all__ = [
    "BotMessage",
    "CallbackAnswer",
    "InlineButton",
    "ReplyButton",
    "SandboxClient",
    "SandboxError",
    "SimUser",
]


class SandboxClient:
    def __init__(self, base_url: str, *, bot_id: int | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=30.0)
        self._params = {"bot_id": str(bot_id)} if bot_id is not None else {}

    async def request(
        self, verb: str, path: str, *, json: dict[str, Any] | None = None, wait: float = 0.0, **query: Any
    ) -> dict[str, Any]:
        """One control-API call; ``wait`` extends the HTTP timeout for server-side long polls."""
        params = {**self._params, **{k: str(v) for k, v in query.items() if v is not None}}
        response = await self._http.request(verb, path, json=json, params=params, timeout=wait + 30.0)
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            raise SandboxError(response.status_code, response.text) from None
        if response.is_error:
            raise SandboxError(response.status_code, str(body.get("error", body)))
        return body

    async def user(
        self,
        user_id: int | None = None,
        *,
        first_name: str = "张三",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        phone_number: str | None = None,
    ) -> SimUser:
        """Create (or, for a known ``user_id``, return) a simulated private-chat user."""
        body = {
            "id": user_id,
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "phone_number": phone_number,
        }
        data = await self.request("POST", "/sandbox/users", json=body)
        return SimUser(self, data["user"], data["phone_number"])

    async def set_rate_limits(self, enforce: bool, limits: RateLimits | None = None) -> None:
        body: dict[str, Any] = {"enforce": enforce}
        if limits is not None:
            body["limits"] = limits.as_json()
        await self.request("PUT", "/sandbox/rate-limits", json=body)

    async def set_latency(self, latency_ms: float) -> None:
        """Add this round trip (ms) to every Bot API request from now on; 0 turns it off."""
        await self.request("PUT", "/sandbox/latency", json={"latency_ms": latency_ms})

    async def stats(self) -> dict[str, Any]:
        """{"requests": {method: n}, "http_400", "http_403", "http_429", "messages_delivered", ...,
        "long_poll_wakeups": waiters (getUpdates, control waits) woken by a change to what they watch}."""
        data = await self.request("GET", "/sandbox/stats")
        data.pop("ok", None)
        return data

    async def bot_info(self) -> dict[str, Any]:
        """Bot id/username, commands per scope+language, descriptions, webhook url, pending updates."""
        return await self.request("GET", "/sandbox/bot")

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class SimUser:
    """A simulated Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(self, client: SandboxClient, user: dict[str, Any], phone_number: str) -> None:
        self.client = client
        self.id: int = user["id"]
        self.first_name: str = user["first_name"]
        self.last_name: str | None = user.get("last_name")
        self.username: str | None = user.get("username")
        self.language_code: str | None = user.get("language_code")
        self.phone_number = phone_number
        self._path = f"/sandbox/users/{self.id}"
        self._cursor = 0  # newest bot message id already returned by wait_for_messages
        self._seen_edits: dict[int, int] = {}

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r})"

    async def _send(self, body: dict[str, Any]) -> int:
        data = await self.client.request("POST", f"{self._path}/messages", json=body)
        return int(data["message_id"])

    async def send_text(self, text: str, *, reply_to: int | None = None) -> int:
        """Send a text; a leading ``/command`` (also ``/cmd@bot``, ``/start payload``) is a command.
        ``reply_to`` makes it a reply (e.g. to a ForceReply prompt) with ``reply_to_message``."""
        return await self._send({"text": text, "reply_to": reply_to})

    async def send_command(self, command: str, args: str = "") -> int:
        return await self.send_text(f"/{command.lstrip('/')}" + (f" {args}" if args else ""))

    async def send_contact(self, phone_number: str, *, own: bool = True, first_name: str | None = None) -> int:
        """``own=True`` is what a request_contact button sends: ``contact.user_id == self.id``."""
        return await self._send({"contact": {"phone_number": phone_number, "own": own, "first_name": first_name}})

    async def send_location(self, latitude: float, longitude: float) -> int:
        return await self._send({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_photo(self, caption: str | None = None) -> int:
        """A real PNG (90x68 thumbnail + 320x240), downloadable by the bot via getFile."""
        return await self._send({"photo": {"caption": caption}})

    async def send_voice(self, duration: int = 3) -> int:
        return await self._send({"voice": {"duration": duration}})

    async def send_document(
        self, data: bytes, file_name: str, *, mime_type: str | None = None, caption: str | None = None
    ) -> int:
        """A file (a spreadsheet, a PDF) with these bytes, downloadable by the bot via getFile."""
        spec = {"data": base64.b64encode(data).decode(), "file_name": file_name, "mime_type": mime_type}
        return await self._send({"document": {**spec, "caption": caption}})

    async def send_sticker(self, emoji: str = "👍") -> int:
        return await self._send({"sticker": {"emoji": emoji}})

    async def press(
        self,
        button: str,
        *,
        message_id: int | None = None,
        timeout: float = 3.0,  # noqa: ASYNC109 - a server-side wait, part of the public API
    ) -> CallbackAnswer | None:
        """Press an inline button (visible text or callback_data) on ``message_id`` or the newest
        bot message that has it; returns the bot's answerCallbackQuery, or None if it never
        answered within ``timeout``. Raises SandboxError if there is no such callback button."""
        return await self._callback({"button": button, "message_id": message_id, "timeout": timeout}, timeout)

    async def press_forged(
        self,
        callback_data: str,
        *,
        message_id: int | None = None,
        timeout: float = 3.0,  # noqa: ASYNC109 - a server-side wait, part of the public API
    ) -> CallbackAnswer | None:
        """What a modified client can do: send a callback query with data no button of the chat carries,
        attached to ``message_id`` or the newest bot message. For testing that the bot checks who may act."""
        body = {"forged_data": callback_data, "message_id": message_id, "timeout": timeout}
        return await self._callback(body, timeout)

    async def _callback(self, body: dict[str, Any], timeout: float) -> CallbackAnswer | None:  # noqa: ASYNC109
        data = await self.client.request("POST", f"{self._path}/callback-queries", json=body, wait=timeout)
        answer = data.get("answer")
        if answer is None:
            return None
        return CallbackAnswer(
            answer.get("text"), bool(answer.get("show_alert")), answer.get("url"), data["callback_query_id"]
        )

    async def press_reply_button(
        self, text: str, *, latitude: float | None = None, longitude: float | None = None
    ) -> int:
        """Tap a button of the reply keyboard currently shown; request_contact / request_location
        buttons send the user's contact / a location (default Beijing) instead of the text."""
        body = {"text": text, "latitude": latitude, "longitude": longitude}
        data = await self.client.request(
            "POST",
            f"{self._path}/reply-keyboard-presses",
            json={k: v for k, v in body.items() if v is not None},
        )
        return int(data["message_id"])

    def _remember(self, messages: list[BotMessage]) -> list[BotMessage]:
        for message in messages:
            self._seen_edits[message.message_id] = message.edits
        return messages

    async def _fetch(self, after: int, min_count: int = 0, wait: float = 0.0) -> list[BotMessage]:
        data = await self.client.request(
            "GET", f"{self._path}/messages", wait=wait, after=after, min_count=min_count, timeout=wait
        )
        return [BotMessage.from_json(m) for m in data["messages"]]

    async def messages(self) -> list[BotMessage]:
        """Everything the bot sent to this chat, in current state (does not move the cursor)."""
        return self._remember(await self._fetch(after=0))

    async def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[BotMessage]:  # noqa: ASYNC109
        """Wait for ``count`` bot messages newer than the cursor; return exactly those, advance."""
        fresh = await self._fetch(after=self._cursor, min_count=count, wait=timeout)
        if len(fresh) < count:
            raise TimeoutError(
                f"{self!r}: expected {count} new bot message(s) within {timeout}s, got {len(fresh)}:\n{dump(fresh)}"
            )
        taken = fresh[:count]
        self._cursor = taken[-1].message_id
        return self._remember(taken)

    async def wait_for_edit(self, message_id: int, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """Wait until the message has been edited more often than when this user last saw it."""
        baseline = self._seen_edits.get(message_id, 0)
        data = await self.client.request(
            "GET",
            f"{self._path}/messages/{message_id}",
            wait=timeout,
            min_edits=baseline + 1,
            timeout=timeout,
        )
        message = BotMessage.from_json(data["message"])
        if data["timed_out"]:
            raise TimeoutError(f"{self!r}: message {message_id} was not edited within {timeout}s:\n{message}")
        self._remember([message])
        return message

    async def expect_silence(self, seconds: float = 0.5) -> None:
        """Assert the bot sends nothing new (after the cursor) for ``seconds``."""
        fresh = await self._fetch(after=self._cursor, min_count=1, wait=seconds)
        if fresh:
            raise AssertionError(f"{self!r}: expected silence, but the bot sent:\n{dump(fresh)}")

    async def block(self, blocked: bool = True) -> None:
        """Block (or unblock) the bot: sends to this chat then fail with 403."""
        await self.client.request("PUT", f"{self._path}/blocked", json={"blocked": blocked})

    async def chat_actions(self) -> list[str]:
        data = await self.client.request("GET", f"{self._path}/chat-actions")
        return list(data["actions"])
