"""Callback delivery, as WeCom does it in 安全模式: an encrypted, signed ``kf_msg_or_event`` notice POSTed to
the bot's callback URL, carrying only a Token; the bot then pulls the messages with sync_msg.

Callbacks go out in the background (a resident's send returns once the message is stored), one at a time
and in order. An answer other than HTTP 200 within ``timeout`` (or a connection error) makes the sandbox
retry the *same* request, query and body, up to ``retries`` more times; after that it is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time

import aiohttp

from sandbox.wechat.crypto import MsgCrypt, random_nonce
from sandbox.wechat.models import CallbackRecord
from sandbox.wechat.state import WeChatState

log = logging.getLogger(__name__)

_RETRY_PAUSE = 0.05  # seconds before retry n is n * this: fast tests, no hammering of a dead receiver


def _cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


class CallbackPoster:
    """What both callback senders share (微信客服's here, the 服务号's in oa_callbacks.py): the URL, the time WeChat
    waits and how often it tries again, and one POST."""

    def __init__(self, state: WeChatState, crypto: MsgCrypt, url: str | None, *, timeout: float, retries: int) -> None:
        self.state = state
        self.crypto = crypto
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.last_callback: CallbackRecord | None = None
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, url: str, query: dict[str, str], body: bytes) -> tuple[int, str]:
        if self._session is None:
            raise RuntimeError("WeChatSandbox is not running")
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        headers = {"Content-Type": "text/xml"}
        async with self._session.post(url, params=query, data=body, headers=headers, timeout=timeout) as response:
            return response.status, await response.text()

    async def _attempts(self, record: CallbackRecord, retry_counter: str) -> str | None:
        """WeChat's delivery: the body of the first HTTP 200 within the timeout, trying again up to `retries`
        times (counted in `retry_counter`); None when every attempt failed."""
        for attempt in range(self.retries + 1):
            if attempt:
                self.state.counts[retry_counter] += 1
                await asyncio.sleep(_RETRY_PAUSE * attempt)
            if self.url is None:
                break
            try:
                status, text = await self._post(self.url, record.query, record.body)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.info("wechat sandbox: callback attempt %d failed: %r", attempt + 1, exc)
                continue
            if status == 200:
                return text
            log.info("wechat sandbox: callback attempt %d answered HTTP %d", attempt + 1, status)
        return None

    async def _echoes(self, query: dict[str, str], echo: str) -> bool:
        """The GET URL check: does the server answer 200 with `echo`, exactly?"""
        if self.url is None or self._session is None:
            raise RuntimeError("no callback URL set or sandbox not running")
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self._session.get(self.url, params=query, timeout=timeout) as response:
                return response.status == 200 and await response.text() == echo
        except (aiohttp.ClientError, TimeoutError, OSError):
            return False

    async def post_raw(self, query: dict[str, str], body: bytes) -> tuple[int, str]:
        """POST anything to the callback URL (forged signatures, replays, garbage) and return (status, text)."""
        if self.url is None:
            raise RuntimeError("no callback URL set")
        return await self._post(self.url, query, body)


class CallbackDelivery(CallbackPoster):
    def __init__(self, state: WeChatState, crypto: MsgCrypt, url: str | None, *, timeout: float, retries: int) -> None:
        super().__init__(state, crypto, url, timeout=timeout, retries=retries)
        self._queue: asyncio.Queue[CallbackRecord] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._worker = asyncio.get_running_loop().create_task(self._deliver_forever())

    async def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _seal(self, plaintext: str) -> tuple[dict[str, str], str]:
        """Encrypt and sign: the query WeCom puts on the URL, and the Encrypt value.
        The query timestamp is real wall-clock time (``advance`` does not move it): bots compare it with
        their own clock for replay protection, and their clock does not move either."""
        encrypted = self.crypto.encrypt(plaintext)
        timestamp, nonce = str(int(time.time())), random_nonce()
        query = {"msg_signature": self.crypto.sign(timestamp, nonce, encrypted), "timestamp": timestamp, "nonce": nonce}
        return query, encrypted

    def notify(self) -> None:
        """Queue a kf_msg_or_event callback with a fresh Token (nothing without a callback URL)."""
        if self.url is None:
            self.state.counts["callbacks_skipped"] += 1
            return
        corp_id = self.state.corp_id
        plaintext = (
            f"<xml><ToUserName>{_cdata(corp_id)}</ToUserName><CreateTime>{int(self.state.now())}</CreateTime>"
            f"<MsgType>{_cdata('event')}</MsgType><Event>{_cdata('kf_msg_or_event')}</Event>"
            f"<Token>{_cdata(self.state.new_msg_token())}</Token><OpenKfId>{_cdata(self.state.open_kfid)}</OpenKfId>"
            "</xml>"
        )
        query, encrypted = self._seal(plaintext)
        body = (
            f"<xml><ToUserName>{_cdata(corp_id)}</ToUserName><AgentID>{_cdata('')}</AgentID>"
            f"<Encrypt>{_cdata(encrypted)}</Encrypt></xml>"
        ).encode()
        self.state.counts["callbacks_queued"] += 1
        self._queue.put_nowait(CallbackRecord(query, body))

    async def idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a test helper's deadline
        """Wait until every queued callback was delivered or given up on."""
        async with asyncio.timeout(timeout):
            await self._queue.join()

    async def _deliver_forever(self) -> None:
        while True:
            record = await self._queue.get()
            try:
                await self._deliver(record)
            except Exception:  # never let one callback kill the worker
                log.exception("wechat sandbox: callback delivery crashed")
            finally:
                self._queue.task_done()

    async def _deliver(self, record: CallbackRecord) -> None:
        self.last_callback = record
        self.state.counts["callbacks"] += 1
        if await self._attempts(record, "callback_retries") is not None:
            self.state.counts["callbacks_delivered"] += 1
        else:
            self.state.counts["callback_failures"] += 1

    async def verify_url(self) -> bool:
        """WeCom's URL check: GET with an encrypted numeric echostr; the bot must answer its plaintext, exactly."""
        if self.url is None or self._session is None:
            raise RuntimeError("no callback URL set or sandbox not running")
        echo = str(secrets.randbelow(10**19)).rjust(19, "1")
        query, encrypted = self._seal(echo)
        query["echostr"] = encrypted
        return await self._echoes(query, echo)
