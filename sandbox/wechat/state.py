"""Everything the WeChat sandbox remembers: its clock, access tokens, residents, the kf message stream,
send windows, injected faults and counters. The HTTP layer (``kf_api``, ``official``) and the residents
change it; nothing here does I/O, so the rules read in one place."""

from __future__ import annotations

import asyncio
import secrets
import string
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.wechat.models import ApiError, ReceivedMessage

WINDOW_SECONDS = 48 * 3600  # a resident's message lets the bot answer for 48 hours ...
KF_WINDOW_SENDS = 5  # ... at most 5 times (微信客服)
MP_WINDOW_SENDS = 20  # 服务号 客服消息 allow 20
MSG_TOKEN_TTL = 600  # a callback's Token works for sync_msg for 10 minutes
WELCOME_CODE_TTL = 20  # enter_session's welcome_code: one send_msg_on_event within 20 seconds
SYNC_HISTORY = 3 * 24 * 3600  # sync_msg without a cursor starts at the oldest message of the last 3 days
MAX_TEXT_BYTES = 2048


def random_id(prefix: str, length: int = 30, alphabet: str = string.ascii_letters + string.digits) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class Window:
    """The reply window one resident's last message opened: until when, and how many sends it has used."""

    until: float = 0.0
    used: int = 0

    def open(self, now: float) -> None:
        self.until, self.used = now + WINDOW_SECONDS, 0

    def take(self, now: float, quota: int) -> None:
        if now > self.until:
            raise ApiError(45015)
        if self.used >= quota:
            raise ApiError(45047)
        self.used += 1


@dataclass
class ResidentState:
    external_userid: str
    openid: str
    name: str
    kf_window: Window = field(default_factory=Window)
    mp_window: Window = field(default_factory=Window)
    inbox: list[ReceivedMessage] = field(default_factory=list)


class WeChatState:
    def __init__(
        self,
        *,
        corp_id: str,
        secret: str,
        open_kfid: str,
        token_ttl: float,
        oa_app_id: str = "wxsandboxoa",
        oa_secret: str = "sandbox-oa-secret",
    ) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.oa_app_id = oa_app_id
        self.oa_secret = oa_secret
        self.open_kfid = open_kfid
        self.token_ttl = token_ttl
        self.max_sends_per_second: float | None = None
        self._offset = 0.0
        self.tokens: dict[str, float] = {}  # access_token → expires at (sandbox clock)
        self.token_apps: dict[str, str] = {}  # access_token → "kf" (the corp's) or "oa" (the 服务号's)
        self.msg_tokens: dict[str, float] = {}  # callback Token → issued at
        self.welcome_codes: dict[str, tuple[str, float]] = {}  # welcome_code → (external_userid, issued at)
        self.stream: list[dict[str, Any]] = []  # the kf account's messages, both directions, oldest first
        self.residents: dict[str, ResidentState] = {}  # by external_userid
        self.by_openid: dict[str, ResidentState] = {}
        self.client_msgids: dict[str, str] = {}  # send_msg msgid given by the client → the same id (idempotency)
        self.faults: dict[str, deque[int]] = {}
        self.recent_sends: deque[float] = deque()  # monotonic times, for max_sends_per_second
        self.counts: Counter[str] = Counter()
        self.send_errcodes: Counter[int] = Counter()
        self.template_messages: list[dict[str, Any]] = []
        self.media: dict[str, tuple[str, str, bytes]] = {}  # media_id → (type, filename, content), from media/upload
        self.menu: dict[str, Any] | None = None
        self.changed = asyncio.Condition()  # notified whenever a resident's inbox grows
        self.on_resident_message: Callable[[], None] = lambda: None  # set by the sandbox: queue a callback

    # -- clock -------------------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, hours: float) -> None:
        if hours < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += hours * 3600

    # -- access tokens -----------------------------------------------------------------------------------
    def issue_token(self, corp_id: str, secret: str) -> tuple[str, int]:
        """WeCom gettoken (corpid + corpsecret): a token for the kf API only."""
        if corp_id != self.corp_id:
            raise ApiError(40013)
        if secret != self.secret:
            raise ApiError(40001, "invalid credential")
        return self._new_token("kf")

    def issue_oa_token(self, app_id: str, secret: str) -> tuple[str, int]:
        """服务号 /cgi-bin/token (appid + secret): a token for the 服务号 API only."""
        if app_id != self.oa_app_id:
            raise ApiError(40013, "invalid appid")
        if secret != self.oa_secret:
            raise ApiError(40125, "invalid appsecret")
        return self._new_token("oa")

    def _new_token(self, app: str) -> tuple[str, int]:
        token = random_id("", 64, string.ascii_letters + string.digits + "-_")
        self.tokens[token] = self.now() + self.token_ttl
        self.token_apps[token] = app
        return token, int(self.token_ttl)

    def check_token(self, token: str | None, app: str = "kf") -> None:
        """``app``: whose API is called; the other app's token is as unknown as a forged one (40001)."""
        if not token:
            raise ApiError(41001)
        expires = self.tokens.get(token)
        if expires is None or self.token_apps.get(token) != app:
            raise ApiError(40001)
        if self.now() >= expires:
            raise ApiError(42001)

    def expire_tokens(self) -> None:
        now = self.now()
        self.tokens = {token: min(expires, now) for token, expires in self.tokens.items()}

    # -- faults and rate limit ---------------------------------------------------------------------------
    def fail_next(self, path: str, errcode: int, count: int = 1) -> None:
        self.faults.setdefault(path, deque()).extend([errcode] * count)

    def injected_fault(self, path: str) -> None:
        queue = self.faults.get(path)
        if queue:
            raise ApiError(queue.popleft())

    def check_rate(self) -> None:
        if self.max_sends_per_second is None:
            return
        now = time.monotonic()
        while self.recent_sends and now - self.recent_sends[0] >= 1.0:
            self.recent_sends.popleft()
        if len(self.recent_sends) >= self.max_sends_per_second:
            raise ApiError(45009)
        self.recent_sends.append(now)

    # -- residents ---------------------------------------------------------------------------------------
    def add_resident(self, name: str) -> ResidentState:
        resident = ResidentState(random_id("wm", 30), random_id("o", 27), name)
        self.residents[resident.external_userid] = resident
        self.by_openid[resident.openid] = resident
        return resident

    def resident_says(self, resident: ResidentState, msgtype: str, content: dict[str, Any]) -> str:
        """Store a resident's message (or event) in the kf stream; a message (not an event) opens a new kf window
        (only the kf one: the 服务号 window opens with the person's actions as a follower, ``follower_acts``)."""
        now = self.now()
        msgid = random_id("", 32)
        if msgtype == "event":
            entry = {"msgid": msgid, "send_time": int(now), "origin": 4, "msgtype": "event", "event": content}
        else:
            entry = {
                "msgid": msgid,
                "open_kfid": self.open_kfid,
                "external_userid": resident.external_userid,
                "send_time": int(now),
                "origin": 3,
                "msgtype": msgtype,
                msgtype: content,
            }
            resident.kf_window.open(now)
        self.stream.append(entry)
        self.counts["resident_messages"] += 1
        self.on_resident_message()
        return msgid

    def follower_acts(self, resident: ResidentState) -> None:
        """A follower's message, menu click or subscribe: a new 48-hour 服务号 window with 20 fresh sends."""
        resident.mp_window.open(self.now())
        self.counts["follower_actions"] += 1

    def new_welcome_code(self, resident: ResidentState) -> str:
        code = random_id("", 40)
        self.welcome_codes[code] = (resident.external_userid, self.now())
        return code

    def new_msg_token(self) -> str:
        token = random_id("ENC", 40)
        self.msg_tokens[token] = self.now()
        return token

    def check_msg_token(self, token: str) -> None:
        issued = self.msg_tokens.get(token)
        if issued is None or self.now() - issued > MSG_TOKEN_TTL:
            raise ApiError(95007)

    async def deliver(self, resident: ResidentState, message: ReceivedMessage) -> None:
        resident.inbox.append(message)
        self.counts["delivered"] += 1
        async with self.changed:
            self.changed.notify_all()

    def record_bot_message(self, resident: ResidentState, msgid: str, body: dict[str, Any]) -> None:
        """What the bot sent shows up in sync_msg too (origin 5), as in WeCom; clients must skip it."""
        msgtype = str(body.get("msgtype", ""))
        entry = {
            "msgid": msgid,
            "open_kfid": self.open_kfid,
            "external_userid": resident.external_userid,
            "send_time": int(self.now()),
            "origin": 5,
            "msgtype": msgtype,
            msgtype: body.get(msgtype, {}),
        }
        self.stream.append(entry)

    def stats(self) -> dict[str, Any]:
        return {
            "gettoken": self.counts["gettoken"],
            "sync_msg": self.counts["sync_msg"],
            "send_msg": dict(self.send_errcodes),
            "send_msg_on_event": self.counts["send_msg_on_event"],
            "delivered": self.counts["delivered"],
            "resident_messages": self.counts["resident_messages"],
            "callbacks": self.counts["callbacks"],
            "callback_retries": self.counts["callback_retries"],
            "callback_failures": self.counts["callback_failures"],
            "custom_send": self.counts["custom_send"],
            "template_send": self.counts["template_send"],
            "menu_create": self.counts["menu_create"],
            "token": self.counts["token"],
            "follower_actions": self.counts["follower_actions"],
            "oa_callbacks": self.counts["oa_callbacks"],
            "oa_callback_retries": self.counts["oa_callback_retries"],
            "oa_callback_failures": self.counts["oa_callback_failures"],
            "passive_replies": self.counts["passive_replies"],
            "passive_errors": self.counts["passive_errors"],
        }
