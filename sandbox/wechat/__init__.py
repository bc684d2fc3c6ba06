"""A local fake of WeChat's server side for the 微信客服 (WeChat Customer Service via WeCom) channel and a 服务号.

``WeChatSandbox`` serves, over real HTTP on a free port, the WeCom API the bot calls:

* ``GET /cgi-bin/gettoken`` (each call a NEW access token; older ones stay valid until they expire),
* ``POST /cgi-bin/kf/sync_msg`` (one stream per kf account, opaque cursor, re-reading from an old cursor
  returns the same messages again; the bot's own messages appear with origin 5),
* ``POST /cgi-bin/kf/send_msg`` (text, msgmenu, media types recorded as sent) and ``kf/send_msg_on_event``
  (the welcome message for an ``enter_session`` event's welcome_code),
* ``POST /cgi-bin/media/upload`` (multipart ``media``; kept in ``sandbox.state.media`` by media_id, so a test can
  read the file a resident received; either app's token is taken; a media_id sent is not checked against it),

and, like WeCom in 安全模式, sends the bot an AES-encrypted, signed ``kf_msg_or_event`` callback with a fresh
Token whenever a simulated resident (``WeChatResident``) writes. ``verify_url()`` performs the GET URL check.

The 服务号 (official account, ``oa_app_id`` / ``oa_secret`` / original id ``oa_original_id``) is the other half:
``/cgi-bin/token``, ``message/custom/send`` (text, msgmenu, media types recorded), ``message/template/send``,
``menu/create`` (``sandbox.wechat.official``), and the follower side (``sandbox.wechat.oa_callbacks``): each
resident is also a follower (``.openid``) whose ``oa_subscribe()``, ``oa_send_text(text, bizmsgmenuid)``,
``oa_click(key)`` and ``oa_send_location(lat, lon, label)`` POST a 安全模式 callback to ``oa_callback_url``
(``?signature&timestamp&nonce&openid&encrypt_type=aes&msg_signature``, body ``<xml><ToUserName>gh_…
<Encrypt>…``; the message XML inside encrypted with the APP ID as receive id) and return once the answer was
handled: "success"/empty → nothing; an encrypted passive reply → delivered (channel "oa_passive", its
``weixin://bizmsgmenu`` links as click items); anything else → WeChat's "该公众号暂时无法提供服务，请稍后再试"
(channel "oa_error"). ``verify_oa_url()`` is the 服务号's GET check (plain echostr). Everything a resident
receives (kf, oa_custom, oa_template, oa_passive, oa_error) is one stream: ``messages()`` / ``wait_for_messages()``.

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
* 服务号 tokens: /cgi-bin/token wrong appid → 40013, wrong secret → 40125; the 服务号 API refuses WeCom tokens
  and the kf API refuses 服务号 tokens (40001), as two separate apps do.
* 服务号 window: a follower's message, CLICK, location or subscribe opens 48 hours with 20 custom/send messages
  (→ 45015 / 45047); a kf message opens only the kf window. msgmenu: 1-10 entries with id and content (→ 40058).
* 服务号 callbacks (the 5-second rule): no HTTP 200 within ``callback_timeout`` (default 5.0), another status or a
  connection error → the SAME request again, up to ``retries`` (default 3) more times, then the follower gets the
  error text. A passive reply must be ``<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`` with
  MsgSignature = sha1(sorted([token, TimeStamp, Nonce, Encrypt])), decrypt with the app id as receive id, and
  carry ToUserName = the follower's openid, FromUserName = the original id, a numeric CreateTime and a known
  MsgType (text needs non-empty Content); else the error text and stats ``passive_errors``. Stats:
  ``oa_callbacks``, ``oa_callback_retries``, ``oa_callback_failures``, ``passive_replies``, ``passive_errors``.

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
* 服务号: shares ``token`` and ``encoding_aes_key`` with the kf side (one set of callback settings to configure;
  real accounts have their own); only 安全模式 (no plain or 兼容模式 callbacks, a plain-XML passive reply is an
  error); follow state is not modelled (custom/template sends to a follower who never subscribed work; no
  43004, no unsubscribe). Passive replies other than text are recorded by MsgType only. FromUserName and the
  empty-Content check are our picks. Events carry an EventKey (empty for a plain subscribe; no QR scene/Ticket).
  MsgIds are a per-process counter; CreateTime is the sandbox clock, the query timestamp real time.
"""

from sandbox.wechat.crypto import DEFAULT_AES_KEY, CryptoError, MsgCrypt
from sandbox.wechat.models import CallbackRecord, ReceivedMessage
from sandbox.wechat.oa_callbacks import UNAVAILABLE as OA_UNAVAILABLE
from sandbox.wechat.resident import WeChatResident
from sandbox.wechat.server import WeChatSandbox

__all__ = [
    "DEFAULT_AES_KEY",
    "OA_UNAVAILABLE",
    "CallbackRecord",
    "CryptoError",
    "MsgCrypt",
    "ReceivedMessage",
    "WeChatResident",
    "WeChatSandbox",
]
