"""Parsing of Bot API request parameters, in every encoding Telegram accepts.

python-telegram-bot (``telegram/request/_httpxrequest.py`` + ``_requestparameter.py``) POSTs
``application/x-www-form-urlencoded`` where every non-string value is a JSON *string*
(``chat_id=123``, ``disable_notification=true``, ``reply_markup={"inline_keyboard": ...}``),
and switches to ``multipart/form-data`` when an ``InputFile`` is uploaded (the file part is
named after the parameter, e.g. ``photo``, or ``attach://<name>`` points at a part).
Other clients send a JSON body or a query string; all are merged here (body wins).

Because a form value ``"123"`` may be a string (a text) or a number (a chat id), values are
kept raw and converted by the typed getters of :class:`Params` per parameter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Raw parameter values plus typed accessors that raise Telegram-style 400s."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.files = files or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise bad_request("can't parse JSON body") from exc
                if not isinstance(body, dict):
                    raise bad_request("JSON body must be an object")
                values.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        values[key] = value
        return cls(values, files)

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) is not None

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        # Only JSON bodies carry non-strings; render them the way a form would have.
        return json.dumps(value) if isinstance(value, dict | list | bool) else str(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes")

    def get_json(self, name: str, what: str | None = None) -> Any:
        """A JSON-valued parameter (object/array); form values arrive as JSON strings."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            # "@channelusername" — the sandbox has no public channels.
            raise bad_request("chat not found") from None
