"""WeChat's error codes, in one table: what each means for the sender.

Kinds:
- "retry": WeChat or the network is busy; try again after `retry_after` seconds.
- "window_closed": the person has not written recently enough for us to message them; hold the message until
  they write again.
- "quota": the window is open but its message allowance is used up; also wait for them to write.
- "token": the access_token was refused even after one refresh (the secret is wrong or was reset).
- "refused": the request itself is wrong (content, user, ids, configuration); retrying will not help.

Sources: the 服务号 global return codes and the 企业微信 / 微信客服 global return codes. Codes not in the table are
"refused" (a wrong request is the safe guess: retrying a wrong request forever is worse than dropping it).
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["retry", "window_closed", "quota", "token", "refused"]

# errcode None: no readable answer from WeChat (network error, timeout, HTTP 5xx, not JSON).
NO_ANSWER_DELAY = 5.0

# Codes meaning "this access_token is no good": the client drops it, fetches a new one and retries once.
TOKEN_CODES = frozenset({40001, 40014, 42001})

CODES: dict[int, tuple[Kind, float | None]] = {
    -1: ("retry", 2.0),  # system busy; WeChat advises retrying later, at most 3 times
    40001: ("token", None),  # invalid credential: token invalid or not the latest (at gettoken: wrong secret)
    40014: ("token", None),  # invalid access_token
    42001: ("token", None),  # access_token expired
    45009: ("retry", 300.0),  # API call limit: per-minute on WeCom, *daily* quota on 服务号 (then retries fail until
    #                           the quota resets; the delay is a compromise the caller may lengthen)
    45011: ("retry", 60.0),  # API minute-quota reached / calls too frequent
    45015: ("window_closed", None),  # 服务号: response out of time limit (no message from them within 48 h), or
    #                                  they unsubscribed
    45047: ("quota", None),  # 服务号: out of response count limit (customer-service sends per user message used up)
    95001: ("window_closed", None),  # 微信客服: send count limit: only within 48 h of their last message and at most
    #                                  5 sends; WeChat does not say which of the two was hit (our own window_sends
    #                                  count does)
    95018: ("window_closed", None),  # 微信客服: session status invalid: the session is not in a state where the API
    #                                  may send (ended, or taken over by a human agent); this reading comes from
    #                                  developers' reports, not from WeChat's documentation
    # Listed for the reader; "refused" is also the default for codes not listed.
    40003: ("refused", None),  # invalid openid / userid (not a follower, another account's id)
    40008: ("refused", None),  # invalid message type
    40037: ("refused", None),  # invalid template_id
    43004: ("refused", None),  # require subscribe: they no longer follow the 服务号
    43101: ("refused", None),  # user refuses to accept the message (subscription message)
    44002: ("refused", None),  # empty POST data
    44004: ("refused", None),  # empty text content
    45002: ("refused", None),  # content too long
    47001: ("refused", None),  # JSON body format error
    48001: ("refused", None),  # API not authorised for this account
    60020: ("refused", None),  # WeCom: calling IP not in the trusted list (configuration)
    95000: ("refused", None),  # 微信客服: invalid open_kfid
}


def classify(errcode: int | None) -> tuple[Kind, float | None]:
    """The kind of error `errcode` is, and a suggested delay for kind "retry"."""
    if errcode is None:
        return "retry", NO_ANSWER_DELAY
    return CODES.get(errcode, ("refused", None))
