"""Starting a sandbox's aiohttp app on a host and port (0: a free one), shared by the Telegram and WeChat fakes."""

from __future__ import annotations

import socket

from aiohttp import web


async def listen(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """The app serving on host:port; the runner (to clean up) and the port it got.

    handler_cancellation: a long poll whose client went away (PTB cancels its pending getUpdates on stop) ends
    instead of lingering; a short shutdown_timeout for the same reason."""
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        await runner.cleanup()
        raise
    await web.SockSite(runner, sock).start()
    return runner, int(sock.getsockname()[1])
