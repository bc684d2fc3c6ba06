"""The WeChat HTTP API: the few calls the channel makes, over httpx.

Every call carries the shared access_token (channels/wechat/tokens.py). When WeChat says the token is no good
(40001, 40014, 42001) the client drops it, gets a fresh one and tries once more: WeChat refused the first request
without acting on it, so repeating it cannot deliver a message twice. Any other failure raises WeChatError,
classified in channels/wechat/codes.py.

Note for logging: the token travels in the query string (WeChat requires it there), and httpx logs request URLs at
INFO level; keep the `httpx` logger at WARNING or the token ends up in the logs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from channels.wechat.codes import TOKEN_CODES
from channels.wechat.errors import WeChatError
from channels.wechat.tokens import AccessTokens

# 微信客服 send_msg: the caller's own message id, so that a repeated send is recognised (≤ 32 bytes, this alphabet).
_CLIENT_MSGID = re.compile(r"[0-9A-Za-z_-]{1,32}")


def _errcode(data: dict[str, Any]) -> int:
    """The errcode of a JSON answer; the 服务号 token endpoint leaves it out on success."""
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


async def _read(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """WeChat's JSON answer, or WeChatError(None, …, kind "retry") when there is none to read.

    The messages name the failure, never the URL: it holds the access_token or the secret."""
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise WeChatError(None, f"network error: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise WeChatError(None, f"HTTP {response.status_code}")
    if response.status_code != 200:
        raise WeChatError(None, f"HTTP {response.status_code}", kind="refused")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise WeChatError(None, "the answer is not a JSON object")
    return data


async def gettoken(
    http: httpx.AsyncClient, base_url: str, app: str, secret: str, *, official_account: bool = False
) -> tuple[str, int]:
    """A new access_token and its lifetime in seconds: the `fetch` for AccessTokens.

    WeCom: GET /cgi-bin/gettoken?corpid=…&corpsecret=…; 服务号 (official_account): GET
    /cgi-bin/token?grant_type=client_credential&appid=…&secret=…."""
    base = base_url.rstrip("/")
    if official_account:
        url, params = f"{base}/cgi-bin/token", {"grant_type": "client_credential", "appid": app, "secret": secret}
    else:
        url, params = f"{base}/cgi-bin/gettoken", {"corpid": app, "corpsecret": secret}
    data = await _read(http, "GET", url, params=params)
    if code := _errcode(data):
        raise WeChatError(code, str(data.get("errmsg", "")))
    token, expires_in = data.get("access_token"), data.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(expires_in, int):
        raise WeChatError(None, "gettoken answered without access_token / expires_in")
    return token, expires_in


class WeChatApi:
    def __init__(self, base_url: str, app: str, secret: str, tokens: AccessTokens, http: httpx.AsyncClient) -> None:
        self._base = base_url.rstrip("/")
        self._app = app
        self._secret = secret
        self._tokens = tokens
        self._http = http

    async def fetch_token(self) -> tuple[str, int]:
        """WeCom's gettoken for this app (a `fetch` for AccessTokens, when built after this client)."""
        return await gettoken(self._http, self._base, self._app, self._secret)

    async def _post(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        # ensure_ascii=False: WeChat wants UTF-8 text; some 服务号 endpoints refuse \uXXXX escapes (40033).
        content = json.dumps(body, ensure_ascii=False).encode()
        return await _read(
            self._http,
            "POST",
            f"{self._base}{path}",
            params={"access_token": token},
            content=content,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` to `path`; WeChat's answer when its errcode is 0, else WeChatError."""
        return await self._with_token(lambda token: self._post(path, token, body))

    async def upload_media(self, kind: str, filename: str, content: bytes) -> str:
        """A temporary media file (3 days) for an image or file message: its media_id."""
        url = f"{self._base}/cgi-bin/media/upload"

        def upload(token: str) -> Awaitable[dict[str, Any]]:
            params = {"access_token": token, "type": kind}
            return _read(self._http, "POST", url, params=params, files={"media": (filename, content)})

        data = await self._with_token(upload)
        media_id = data.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise WeChatError(None, "media/upload answered without a media_id", kind="refused")
        return media_id

    async def _with_token(self, request: Callable[[str], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        token = await self._tokens.get()
        data = await request(token)
        if _errcode(data) in TOKEN_CODES:
            await self._tokens.invalidate(token)
            token = await self._tokens.get()
            data = await request(token)
            if _errcode(data) in TOKEN_CODES:
                # A token fetched a moment ago refused too: drop it as well (it is useless to every worker), but do
                # not loop; the error (kind "token") says the credentials need a look.
                await self._tokens.invalidate(token)
        if code := _errcode(data):
            raise WeChatError(code, str(data.get("errmsg", "")))
        return data

    # -- 微信客服 (WeCom customer service) --------------------------------------------------------------------

    async def sync_msg(
        self, callback_token: str, cursor: str | None, open_kfid: str, limit: int = 1000
    ) -> dict[str, Any]:
        """The messages after `cursor` (None: from the oldest WeChat still keeps). `callback_token` comes from the
        kf_msg_or_event callback and is valid 10 minutes; without it WeChat rate-limits this call much harder."""
        if not 1 <= limit <= 1000:
            raise ValueError("limit must be 1..1000")
        body: dict[str, Any] = {"limit": limit, "open_kfid": open_kfid}
        if callback_token:  # none when catching up without a callback
            body["token"] = callback_token
        if cursor is not None:
            body["cursor"] = cursor
        return await self.call("/cgi-bin/kf/sync_msg", body)

    async def kf_send(self, touser: str, open_kfid: str, message: dict[str, Any], client_msgid: str | None) -> str:
        """Send `message` ({"msgtype": "text", "text": {...}}, or msgmenu…); WeChat's msgid for it.

        `client_msgid` is our own id for this message, so that WeChat can recognise a send we repeat after a
        timeout (how WeChat answers a repeat is not documented clearly; see the report)."""
        body: dict[str, Any] = {**message, "touser": touser, "open_kfid": open_kfid}
        if client_msgid is not None:
            if not _CLIENT_MSGID.fullmatch(client_msgid):
                raise ValueError("client_msgid must be 1-32 characters of [0-9A-Za-z_-]")
            body["msgid"] = client_msgid
        data = await self.call("/cgi-bin/kf/send_msg", body)
        return str(data.get("msgid") or client_msgid or "")

    async def kf_send_on_event(self, welcome_code: str, message: dict[str, Any], client_msgid: str | None) -> str:
        """The one message allowed in answer to an enter_session event (a person opening the chat from a link
        or QR code before writing anything), within 20 seconds, with the event's welcome_code."""
        body: dict[str, Any] = {**message, "code": welcome_code}
        if client_msgid is not None:
            body["msgid"] = client_msgid
        data = await self.call("/cgi-bin/kf/send_msg_on_event", body)
        return str(data.get("msgid") or client_msgid or "")

    # -- 服务号 (official account) -----------------------------------------------------------------------------

    async def custom_send(self, touser: str, message: dict[str, Any]) -> None:
        """A customer-service message: allowed for a while after they write (45015 / 45047 otherwise)."""
        await self.call("/cgi-bin/message/custom/send", {**message, "touser": touser})

    async def template_send(self, touser: str, template_id: str, data: dict[str, Any], url: str | None = None) -> None:
        body: dict[str, Any] = {"touser": touser, "template_id": template_id, "data": data}
        if url is not None:
            body["url"] = url
        await self.call("/cgi-bin/message/template/send", body)

    async def menu_create(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)
