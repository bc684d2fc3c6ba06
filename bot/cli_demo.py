"""`sanshe demo [--interactive]`: see Sanshe work with no Telegram token."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from bot.cli_run import wait_for_stop_signal
from bot.cli_text import both
from bot.demo import DemoWorld, Scene, demo_world, play_scenario
from bot.demo_wechat import scripted_wechat
from bot.transcript import Transcript


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help=both("cli.demo.help"))
    parser.add_argument("--interactive", action="store_true", help=both("cli.demo.interactive_help"))
    parser.add_argument("--port", type=int, default=8081, help=both("cli.demo.port_help"))
    channels = ("telegram", "wechat")
    parser.add_argument("--channel", choices=channels, default="telegram", help=both("cli.demo.channel_help"))
    parser.set_defaults(func=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        if args.channel == "wechat":
            return asyncio.run(scripted_wechat())
        return asyncio.run(_interactive(args.port) if args.interactive else _scripted())
    except OSError as exc:
        print(f"sanshe demo: {exc}", file=sys.stderr)
        return 2


async def _scripted() -> int:
    async with demo_world() as world:
        await play_scenario(world, Transcript(world.narrator))
    return 0


async def _interactive(port: int) -> int:
    async with demo_world(port=port) as world:
        base = world.server.base_url
        print(both("cli.demo.interactive_banner", api=f"{base}/bot<token>", control=f"{base}/sandbox", sep="\n"))
        chat = asyncio.create_task(_chat_from_terminal(world))
        await wait_for_stop_signal() if sys.stdin.isatty() else await _until_stdin_closes(chat)
        chat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chat
    return 0


async def _until_stdin_closes(chat: asyncio.Task[None]) -> None:
    stop = asyncio.create_task(wait_for_stop_signal())
    await asyncio.wait({chat, stop}, return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()


async def _chat_from_terminal(world: DemoWorld) -> None:
    transcript = Transcript(world.narrator)
    you = transcript.t("demo.name.you")
    me = Scene(await world.client.user(first_name=you, language_code="zh-hans"), f"🙂 {you}", transcript)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            if line.startswith(">"):
                await me.press(line[1:].strip())
            else:
                await me.say(line)
        except Exception as exc:  # a typo in a button name must not end the session
            print(f"  ⚠ {exc}")
