"""Bot API error type used by the sandbox.

Every failure of a Bot API method is raised as :class:`ApiError` and rendered by
``sandbox.bot_api`` into Telegram's error envelope::

    {"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}

The descriptions below are the exact strings the real Bot API uses (as far as they are
known), because bots — and python-telegram-bot's exception mapping — match on them.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error: HTTP status == ``error_code`` plus Telegram's description."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(what: str) -> ApiError:
    """400 with Telegram's ``Bad Request: `` prefix (PTB strips it and capitalises the rest)."""
    return ApiError(400, f"Bad Request: {what}")


def forbidden(what: str) -> ApiError:
    return ApiError(403, f"Forbidden: {what}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


UNAUTHORIZED = ApiError(401, "Unauthorized")
METHOD_NOT_FOUND = ApiError(404, "Not Found: method not found")
FILE_NOT_FOUND = ApiError(404, "Not Found")
WEBHOOK_CONFLICT = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
)
CHAT_NOT_FOUND_TEXT = "chat not found"
QUERY_TOO_OLD_TEXT = "query is too old and response timeout expired or query ID is invalid"
BLOCKED_TEXT = "bot was blocked by the user"
NOT_MODIFIED_TEXT = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
