"""The 服务号 (official account) API: token, 客服消息, 模板消息, custom menu (follower callbacks: ``oa_callbacks``).

Residents are the same people: ``WeChatResident.openid`` is their follower id here. The 服务号 window is the
follower's own (opened by ``oa_send_text``, ``oa_click``, ``oa_subscribe``...), apart from the kf one, and
the API takes only tokens from ``/cgi-bin/token`` (the 服务号's appid/secret), not WeCom's gettoken ones.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from sandbox.wechat.http import api_route, require_str
from sandbox.wechat.models import ApiError, ReceivedMessage
from sandbox.wechat.state import MAX_TEXT_BYTES, MP_WINDOW_SENDS, WeChatState

_template_ids = itertools.count(2_000_000_001)
_MENU_KEYS = ("id", "content")


async def token(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    if request.query.get("grant_type") != "client_credential":
        raise ApiError(40002, "invalid grant_type")
    access_token, expires_in = state.issue_oa_token(request.query.get("appid", ""), request.query.get("secret", ""))
    return {"access_token": access_token, "expires_in": expires_in}


def _follower(state: WeChatState, body: dict[str, Any]) -> Any:
    resident = state.by_openid.get(str(body.get("touser", "")))
    if resident is None:
        raise ApiError(40003, "invalid openid")
    return resident


def _custom_message(body: dict[str, Any], msgid: str) -> ReceivedMessage:
    msgtype = str(body.get("msgtype", ""))
    content = body.get(msgtype) if isinstance(body.get(msgtype), dict) else {}
    if msgtype == "text":
        return ReceivedMessage("text", str(content.get("content", "")), msgid=msgid, channel="oa_custom", raw=body)
    if msgtype == "msgmenu":  # 服务号 menus are flat: {"id", "content"} per entry
        items = [("click", str(i.get("id", "")), str(i.get("content", ""))) for i in content.get("list", [])]
        head, tail = str(content.get("head_content", "")), str(content.get("tail_content", ""))
        return ReceivedMessage("msgmenu", head, items, tail, msgid=msgid, channel="oa_custom", raw=body)
    return ReceivedMessage(msgtype, msgid=msgid, channel="oa_custom", raw=body)


def _check_msgmenu(menu: dict[str, Any]) -> None:
    """Each entry ``{"id", "content"}``, both non-empty strings; at most 10 (the kf limit; WeChat documents none
    for the 服务号); head and tail, when given, strings."""
    entries = menu.get("list")
    if not isinstance(entries, list) or not 1 <= len(entries) <= 10:
        raise ApiError(40058, "invalid parameter: msgmenu.list")
    for entry in entries:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k] for k in _MENU_KEYS):
            raise ApiError(40058, "invalid parameter: msgmenu.list item needs id and content")
    for key in ("head_content", "tail_content"):
        if not isinstance(menu.get(key, ""), str):
            raise ApiError(40058, f"invalid parameter: msgmenu.{key}")


async def custom_send(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    """客服消息: like kf send_msg, 48 hours after the follower's last message, here 20 messages per window."""
    resident = _follower(state, body)
    msgtype = require_str(body, "msgtype", 40008)
    content = body.get(msgtype)
    if not isinstance(content, dict):
        raise ApiError(40058, f"invalid parameter: {msgtype}")
    if msgtype == "text" and not content.get("content"):
        raise ApiError(44004)
    if msgtype == "text" and len(str(content["content"]).encode()) > MAX_TEXT_BYTES:
        raise ApiError(45002)
    if msgtype == "msgmenu":
        _check_msgmenu(content)
    state.check_rate()
    resident.mp_window.take(state.now(), MP_WINDOW_SENDS)
    await state.deliver(resident, _custom_message(body, ""))
    return {}


async def template_send(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    """模板消息: allowed any time (no window), recorded with template id and data."""
    resident = _follower(state, body)
    template_id = require_str(body, "template_id", 40037)
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise ApiError(47001)
    msgid = next(_template_ids)
    record = {"msgid": msgid, "touser": resident.openid, "template_id": template_id, "data": data, "raw": body}
    state.template_messages.append(record)
    lines = [f"{key}: {value.get('value', '') if isinstance(value, dict) else value}" for key, value in data.items()]
    if isinstance(body.get("url"), str) and body["url"]:
        lines.append(f"<{body['url']}>")
    text = "\n".join([f"[模板 {template_id}]", *lines])
    message = ReceivedMessage("template", text, msgid=str(msgid), channel="oa_template", raw=body)
    await state.deliver(resident, message)
    return {"msgid": msgid}


async def menu_create(state: WeChatState, body: dict[str, Any], request: web.Request) -> dict[str, Any]:
    """Custom menu: 1-3 top-level buttons, each with at most 5 sub buttons."""
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise ApiError(40016, "invalid button size")
    for button in buttons:
        if not isinstance(button, dict) or not isinstance(button.get("name"), str) or not button["name"]:
            raise ApiError(40018, "invalid button name size")
        subs = button.get("sub_button")
        if subs is None:
            if not button.get("type"):
                raise ApiError(40017, "invalid button type")
            continue
        if not isinstance(subs, list) or len(subs) > 5:
            raise ApiError(40023, "invalid sub button size")
        for sub in subs:
            if not isinstance(sub, dict) or not sub.get("name") or not sub.get("type"):
                raise ApiError(40017, "invalid button type")
    state.menu = body
    return {}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/cgi-bin/token", api_route("token", token, needs_token=False))
    app.router.add_post("/cgi-bin/message/custom/send", api_route("custom_send", custom_send, app="oa"))
    app.router.add_post("/cgi-bin/message/template/send", api_route("template_send", template_send, app="oa"))
    app.router.add_post("/cgi-bin/menu/create", api_route("menu_create", menu_create, app="oa"))
