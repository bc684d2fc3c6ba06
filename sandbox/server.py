"""``SandboxServer``: the fake Bot API + control API on one aiohttp server.

Runs inside the caller's event loop::

    async with SandboxServer() as server:          # port 0 = a free port
        app = (ApplicationBuilder().token("123:abc")
               .base_url(f"{server.base_url}/bot")
               .base_file_url(f"{server.base_url}/file/bot").build())
        user = await SandboxClient(server.base_url).user()

See ``sandbox.bot_api`` for the Bot API side and ``sandbox.control`` for the control routes.
"""

from __future__ import annotations

from types import TracebackType

import aiohttp
from aiohttp import web

from sandbox import bot_api, control, webhook
from sandbox.listen import listen
from sandbox.ratelimit import RateLimits
from sandbox.state import World

_MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's upload limit for bots


class SandboxServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "sanshe_bot",
        enforce_rate_limits: bool = False,
        limits: RateLimits | None = None,
        latency_ms: float = 0.0,
    ) -> None:
        """``latency_ms``: network round trip added to every Bot API request (0: as fast as loopback).
        ``enforce_rate_limits``: answer 429 to sends over ``limits`` (Telegram's by default)."""
        if latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        self.host = host
        self.port = port
        self.world = World(
            bot_username=bot_username, enforce_rate_limits=enforce_rate_limits, limits=limits, latency_ms=latency_ms
        )
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app[bot_api.WORLD_KEY] = self.world
        bot_api.add_routes(app)
        control.add_routes(app)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("SandboxServer already started")
        runner, self.port = await listen(self._make_app(), self.host, self.port)
        self.world.session = aiohttp.ClientSession()
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.world.close()  # wake every long poll so shutdown does not wait for them
        for bot in self.world.all_bots():
            await webhook.stop_worker(bot)
        await runner.cleanup()
        if self.world.session is not None:
            await self.world.session.close()
            self.world.session = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
