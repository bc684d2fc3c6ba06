"""``python -m sandbox [--host H] [--port 8081] [--bot-username NAME] [--latency-ms 50]
[--enforce-rate-limits [--chat-burst 3]]``.

Runs the sandbox standalone until Ctrl-C. Point a bot at ``<url>/bot`` (base_url) and
``<url>/file/bot`` (base_file_url); drive users through ``<url>/sandbox/...``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from sandbox.ratelimit import RateLimits
from sandbox.server import SandboxServer


async def _serve(args: argparse.Namespace) -> None:
    server = SandboxServer(
        host=args.host,
        port=args.port,
        bot_username=args.bot_username,
        enforce_rate_limits=args.enforce_rate_limits,
        limits=RateLimits(per_chat_burst=args.chat_burst),
        latency_ms=args.latency_ms,
    )
    await server.start()
    # Scripts read the URL as the last word of the first line: keep it there.
    print(f"Sanshe sandbox (fake Telegram Bot API) listening on {server.base_url}", flush=True)
    limits = f"on, {args.chat_burst} back to back per chat" if args.enforce_rate_limits else "off"
    print(f"Bot API round trip {args.latency_ms:g} ms; rate limits {limits}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows; there KeyboardInterrupt is handled in main().
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Run the Sanshe sandbox (a local fake Telegram Bot API) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--bot-username", default="sanshe_bot")
    parser.add_argument("--enforce-rate-limits", action="store_true", help="answer 429 like Telegram")
    parser.add_argument(
        "--chat-burst", type=int, default=1, help="sends a private chat may take back to back (default 1)"
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="round trip added to every Bot API request (default 0)"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
