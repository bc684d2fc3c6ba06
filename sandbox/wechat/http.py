"""Shared plumbing for the WeChat API routes: errcode answers, access tokens, injected faults, JSON bodies.

WeChat answers API failures with HTTP 200 and ``{"errcode": n, "errmsg": ...}``; clients must read errcode,
not the status, and the sandbox does the same so a client that trusts the status is caught."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.wechat.models import ApiError
from sandbox.wechat.state import WeChatState

STATE_KEY = web.AppKey("wechat_state", WeChatState)

Handler = Callable[[WeChatState, dict[str, Any], web.Request], Awaitable[dict[str, Any]]]
Route = Callable[[web.Request], Awaitable[web.Response]]


def answer(data: dict[str, Any]) -> web.Response:
    return web.json_response({"errcode": 0, "errmsg": "ok", **data}, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def api_route(name: str, handler: Handler, *, needs_token: bool = True, app: str = "kf") -> Route:
    """Wrap ``handler(state, json_body, request)``: count the call (send_msg also by errcode), apply a fault
    from ``fail_next``, check ``access_token`` (issued for ``app``: "kf" or "oa"), parse the body (bad JSON →
    47001) and turn ApiError into JSON."""

    async def route(request: web.Request) -> web.Response:
        state = request.app[STATE_KEY]
        state.counts[name] += 1
        errcode = 0
        try:
            state.injected_fault(request.path)
            if needs_token:
                state.check_token(request.query.get("access_token"), app)
            body: dict[str, Any] = {}
            if request.method == "POST":
                try:
                    parsed = json.loads(await request.read() or b"{}")
                except (ValueError, UnicodeDecodeError):
                    raise ApiError(47001) from None
                if not isinstance(parsed, dict):
                    raise ApiError(47001)
                body = parsed
            response = answer(await handler(state, body, request))
        except ApiError as exc:
            errcode = exc.errcode
            response = web.json_response(exc.as_json())
        if name == "send_msg":
            state.send_errcodes[errcode] += 1
        return response

    return route


def require_str(body: dict[str, Any], key: str, errcode: int = 40058) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError(errcode, f"invalid parameter: {key}")
    return value
