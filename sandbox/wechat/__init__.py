"""A local fake of WeChat's server side for the 微信客服 (WeChat Customer Service via WeCom) channel.

``WeChatSandbox`` serves, over real HTTP on a free port, the WeCom API the bot calls:

* ``GET /cgi-bin/gettoken`` (each call a NEW access token; older ones stay valid until they expire),
* ``POST /cgi-bin/kf/sync_msg`` (one stream per kf account, opaque cursor, re-reading from an old cursor
  returns the same messages again; the bot's own messages appear with origin 5),
* ``POST /cgi-bin/kf/send_msg`` (text, msgmenu, media types recorded as sent) and ``kf/send_msg_on_event``
  (the welcome message for an ``enter_session`` event's welcome_code),

and, like WeCom in 安全模式, sends the bot an AES-encrypted, signed ``kf_msg_or_event`` callback with a fresh
Token whenever a simulated resident (``WeChatResident``) writes. ``verify_url()`` performs the GET URL check.
A smaller 服务号 part (``/cgi-bin/token``, ``message/custom/send``, ``message/template/send``, ``menu/create``)
is in ``sandbox.wechat.official``.

Rules enforced (all answers are HTTP 200 with errcode, as WeChat does):

* access token: missing → 41001, unknown → 40001, expired (``token_ttl``, ``advance``, ``expire_tokens``) → 42001;
  gettoken with a wrong corpid → 40013, wrong secret → 40001.
* send_msg only within 48 hours after the resident's last message (→ 45015), at most 5 sends per window
  (→ 45047); a new resident message opens a new window with 5 fresh sends. Events (enter_session) do not.
* send_msg ``msgid`` given by the client: a repeat is answered errcode 0 with that msgid and NOT delivered
  again (nor counted against the window). Invalid msgid (> 32 bytes or outside [0-9a-zA-Z_-]) → 40058.
* text content: empty → 44004, over 2048 bytes → 45002 "content size out of limit" (our pick; WeCom's
  exact code for this case is not documented clearly). msgmenu: ≤ 10 items, head/tail/content ≤ 1024 bytes,
  click id ≤ 128 bytes, else 40058/45002. Unknown msgtype → 40008. Unknown touser → 40003.
  Wrong open_kfid → 95000. Bad JSON → 47001.
* sync_msg ``token`` (from a callback): unknown or older than 10 minutes → 95007; absent is accepted (as in
  WeCom, where it is optional but rate limited harder). ``limit`` 1..1000 else 40058; without a cursor it
  starts at the oldest message of the last 3 days.
* ``max_sends_per_second`` → 45009; ``fail_next(path, errcode, count)`` injects any errcode (e.g. -1, 45009).
* callbacks: HTTP 200 within ``callback_timeout`` or the SAME request is retried up to ``retries`` more times;
  delivered in the background, one at a time, in order. ``last_callback`` / ``post_raw`` allow replays and forgeries.

Where the fake differs from real WeChat (as far as we know):

* The kf send-limit errcodes are uncertain: WeCom documents the 48 h / 5 message rule but the codes seen in the
  wild vary (95xxx); we answer 45015 / 45047 like the 服务号 客服消息 API. The session state machine
  (接待状态, 95018 "send msg session status invalid") is not modelled: the bot may always answer.
* errmsg strings carry no "hint"/"rid" suffix; msgids and media_ids are random; media is not downloadable
  (no ``/cgi-bin/media/get``), and sent media_ids are not checked against uploads.
* One clock for everything except the callback query ``timestamp`` (real time, so a bot's replay check keeps
  working after ``advance``). WeCom may merge several messages into one callback; the sandbox sends one each.
* send_msg_on_event: unknown, used or > 20 s old welcome_code → 95017 (our pick of code).
* Callback retries follow immediately (with a short pause) instead of WeCom's own schedule.
* 服务号: no follower message callbacks; a kf message also opens the 服务号 window (one person, one window pair).
"""

from sandbox.wechat.crypto import DEFAULT_AES_KEY, CryptoError, MsgCrypt
from sandbox.wechat.models import CallbackRecord, ReceivedMessage
from sandbox.wechat.resident import WeChatResident
from sandbox.wechat.server import WeChatSandbox

__all__ = [
    "DEFAULT_AES_KEY",
    "CallbackRecord",
    "CryptoError",
    "MsgCrypt",
    "ReceivedMessage",
    "WeChatResident",
    "WeChatSandbox",
]
