"""What goes wrong on the WeChat channel.

Two families: a callback we refuse to act on (`CallbackRefused`: the HTTP handler answers it without reading
further, and never says which check failed to the caller), and an API call WeChat did not carry out
(`WeChatError`, classified so that the sender knows whether to retry, hold the message, or give up).
"""

from __future__ import annotations

from channels.wechat.codes import NO_ANSWER_DELAY, Kind, classify


class CallbackRefused(Exception):
    """A callback request that is not acted upon: not from WeChat, replayed, or malformed."""


class BadSignature(CallbackRefused):
    """The signature does not match: the request is not from WeChat (or token is misconfigured)."""


class StaleTimestamp(CallbackRefused):
    """The timestamp is too far from now (or not a number): possibly a replayed request."""


class CryptoError(CallbackRefused):
    """The Encrypt field does not decrypt to a well-formed message for our receive_id."""


class BadXml(CallbackRefused):
    """The body is not the small, flat, entity-free XML document WeChat sends."""


class TooLarge(CallbackRefused):
    """The body is bigger than anything WeChat sends."""


class WeChatError(Exception):
    """An API call WeChat did not carry out.

    `errcode` is WeChat's code, or None when WeChat gave no answer we could read (network error, HTTP 5xx, a page
    that is not JSON). `kind` says what the caller should do (see channels/wechat/codes.py); `retry_after` is a
    suggested delay in seconds for kind "retry".
    """

    def __init__(
        self, errcode: int | None, errmsg: str, *, kind: Kind | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        default_kind, default_delay = classify(errcode)
        self.kind: Kind = kind or default_kind
        # A delay only means something for kind "retry".
        delay = retry_after if retry_after is not None else default_delay or NO_ANSWER_DELAY
        self.retry_after = delay if self.kind == "retry" else None
