"""The 微信客服 API routes: gettoken, kf/sync_msg, kf/send_msg, kf/send_msg_on_event.

sync_msg reads one stream per kf account (both directions, bot messages with origin 5) from an opaque
cursor; send_msg enforces the 48-hour / 5-message window per resident and de-duplicates client msgids."""

from __future__ import annotations

import base64
import re
from typing import Any

from aiohttp import web

from sandbox.wechat.http import STATE_KEY, answer, api_route, require_str
from sandbox.wechat.models import ApiError, ReceivedMessage
from sandbox.wechat.state import KF_WINDOW_SENDS, MAX_TEXT_BYTES, SYNC_HISTORY, WELCOME_CODE_TTL, WeChatState, random_id

_CLIENT_MSGID = re.compile(r"[0-9a-zA-Z_-]{1,32}")
_MEDIA_TYPES = {"image", "voice", "video", "file"}  # need a media_id (not checked against uploads)
_OTHER_TYPES = {"link", "miniprogram", "location", "ca_link", "business_card"}  # accepted, recorded as sent
_MENU_MAX_ITEMS = 10
_MENU_TEXT_BYTES = 1024
_MENU_ID_BYTES = 128


async def gettoken(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    token, expires_in = state.issue_token(request.query.get("corpid", ""), request.query.get("corpsecret", ""))
    return {"access_token": token, "expires_in": expires_in}


def _encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"sandbox-cursor:{index}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, index = text.partition(":")
        if prefix != "sandbox-cursor":
            raise ValueError(prefix)
        return int(index)
    except ValueError:
        raise ApiError(40058, "invalid parameter: cursor") from None


async def sync_msg(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    if body.get("open_kfid", state.open_kfid) != state.open_kfid:
        raise ApiError(95000)
    token = body.get("token")
    if token:  # optional in WeCom too ("" counts as absent), but when given it must be a live callback Token
        state.check_msg_token(str(token))
    limit = body.get("limit", 1000)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
        raise ApiError(40058, "invalid parameter: limit")
    cursor = body.get("cursor")
    if cursor:
        start = min(_decode_cursor(str(cursor)), len(state.stream))
    else:
        oldest = state.now() - SYNC_HISTORY
        start = next((i for i, m in enumerate(state.stream) if m["send_time"] >= oldest), len(state.stream))
    batch = state.stream[start : start + limit]
    end = start + len(batch)
    return {"next_cursor": _encode_cursor(end), "has_more": int(end < len(state.stream)), "msg_list": batch}


def _validate_content(body: dict[str, Any]) -> str:
    """Check the message payload as WeChat documents it; return the msgtype."""
    msgtype = body.get("msgtype")
    if not isinstance(msgtype, str):
        raise ApiError(40008)
    content = body.get(msgtype)
    if msgtype not in {"text", "msgmenu"} | _MEDIA_TYPES | _OTHER_TYPES:
        raise ApiError(40008)
    if not isinstance(content, dict):
        raise ApiError(40058, f"invalid parameter: {msgtype}")
    if msgtype == "text":
        text = content.get("content")
        if not isinstance(text, str) or not text:
            raise ApiError(44004)
        if len(text.encode()) > MAX_TEXT_BYTES:
            raise ApiError(45002, f"content size out of limit: text.content is {len(text.encode())} bytes > 2048")
    elif msgtype == "msgmenu":
        _validate_menu(content)
    elif msgtype in _MEDIA_TYPES:
        require_str(content, "media_id")
    return msgtype


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value.encode()) > limit


def _validate_menu(menu: dict[str, Any]) -> None:
    items = menu.get("list", [])
    if not isinstance(items, list) or len(items) > _MENU_MAX_ITEMS:
        raise ApiError(40058, "invalid parameter: msgmenu.list (at most 10 items)")
    if _too_long(menu.get("head_content"), _MENU_TEXT_BYTES) or _too_long(menu.get("tail_content"), _MENU_TEXT_BYTES):
        raise ApiError(45002, "content size out of limit: msgmenu head/tail > 1024 bytes")
    if not items and not menu.get("head_content") and not menu.get("tail_content"):
        raise ApiError(44004)
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        spec = item.get(kind) if kind in {"click", "view", "text", "miniprogram"} else None
        if not isinstance(spec, dict):
            raise ApiError(40058, f"invalid parameter: msgmenu item {item!r}")
        content = spec.get("content")
        if not isinstance(content, str) or not content or _too_long(content, _MENU_TEXT_BYTES):
            raise ApiError(40058, f"invalid parameter: msgmenu item content {content!r}")
        if kind == "click":
            ref = spec.get("id", "")
            if not isinstance(ref, str) or _too_long(ref, _MENU_ID_BYTES):
                raise ApiError(40058, "invalid parameter: msgmenu click id (at most 128 bytes)")
        if kind == "view" and not isinstance(spec.get("url"), str):
            raise ApiError(40058, "invalid parameter: msgmenu view url")


def _client_msgid(body: dict[str, Any]) -> str | None:
    msgid = body.get("msgid")
    if msgid is None or msgid == "":
        return None
    if not isinstance(msgid, str) or not _CLIENT_MSGID.fullmatch(msgid):
        raise ApiError(40058, "invalid parameter: msgid (at most 32 of [0-9a-zA-Z_-])")
    return msgid


async def send_msg(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    if body.get("open_kfid") != state.open_kfid:
        raise ApiError(95000)
    resident = state.residents.get(str(body.get("touser", "")))
    if resident is None:
        raise ApiError(40003)
    client_msgid = _client_msgid(body)
    if client_msgid is not None and client_msgid in state.client_msgids:
        state.counts["send_msg_duplicates"] += 1
        return {"msgid": client_msgid}  # a retry of a send that went through: not delivered again
    _validate_content(body)
    state.check_rate()
    resident.kf_window.take(state.now(), KF_WINDOW_SENDS)
    msgid = client_msgid or random_id("", 32)
    if client_msgid is not None:
        state.client_msgids[client_msgid] = msgid
    state.record_bot_message(resident, msgid, body)
    await state.deliver(resident, ReceivedMessage.from_kf(body, msgid))
    return {"msgid": msgid}


async def send_msg_on_event(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    """The welcome message for an enter_session event: one send per welcome_code, within 20 seconds."""
    code = require_str(body, "code")
    owner = state.welcome_codes.get(code)
    if owner is None or state.now() - owner[1] > WELCOME_CODE_TTL:
        raise ApiError(95017)
    if _validate_content(body) not in {"text", "msgmenu"}:
        raise ApiError(40008)
    del state.welcome_codes[code]
    resident = state.residents[owner[0]]
    msgid = _client_msgid(body) or random_id("", 32)
    state.record_bot_message(resident, msgid, body)
    await state.deliver(resident, ReceivedMessage.from_kf(body, msgid))
    return {"msgid": msgid}


MAX_MEDIA_BYTES = 20 * 1024 * 1024  # a file; WeChat allows images up to 10 MB, files up to 20 MB


async def media_upload(request: web.Request) -> web.Response:
    """POST /cgi-bin/media/upload?access_token=T&type=image|file (multipart, field "media"): a temporary media
    file; either app's token is taken (a 服务号 and 微信客服 each have this endpoint on their own host)."""
    state: WeChatState = request.app[STATE_KEY]
    state.counts["media_upload"] += 1
    try:
        state.injected_fault(request.path)
        token = request.query.get("access_token")
        try:
            state.check_token(token, "kf")
        except ApiError:
            state.check_token(token, "oa")
        kind = request.query.get("type", "")
        if kind not in ("image", "file", "voice", "video"):
            raise ApiError(40004, "invalid media type")
        form = await request.post()
        media = form.get("media")
        if not isinstance(media, web.FileField):
            raise ApiError(41005, "media data missing")
        content = media.file.read()
        if not content or len(content) > MAX_MEDIA_BYTES:
            raise ApiError(40005 if content else 41005)
        media_id = random_id("media_", 32)
        state.media[media_id] = (kind, media.filename or "", content)
    except ApiError as exc:
        return web.json_response(exc.as_json())
    return answer({"type": kind, "media_id": media_id, "created_at": int(state.now())})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/cgi-bin/gettoken", api_route("gettoken", gettoken, needs_token=False))
    app.router.add_post("/cgi-bin/kf/sync_msg", api_route("sync_msg", sync_msg))
    app.router.add_post("/cgi-bin/kf/send_msg", api_route("send_msg", send_msg))
    app.router.add_post("/cgi-bin/kf/send_msg_on_event", api_route("send_msg_on_event", send_msg_on_event))
    app.router.add_post("/cgi-bin/media/upload", media_upload)
