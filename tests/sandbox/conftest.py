"""Fixtures for the sandbox tests: a running SandboxServer, its client and a real PTB Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from telegram import Bot

from sandbox import SandboxClient, SandboxServer, SimUser

TOKEN = "123456:TEST-token_for-sandbox"


def _make_bot(server: SandboxServer, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=f"{server.base_url}/bot", base_file_url=f"{server.base_url}/file/bot")


BotFactory = Callable[..., Bot]


@pytest.fixture
def make_bot() -> BotFactory:
    """``make_bot(server, token=TOKEN)`` -> an uninitialised PTB Bot pointed at the sandbox."""
    return _make_bot


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer() as running:
        yield running


@pytest.fixture
async def sandbox(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(server.base_url) as client:
        yield client


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[Bot]:
    async with _make_bot(server) as initialised:  # initialize() calls getMe -> claims the primary bot
        yield initialised


@pytest.fixture
async def user(sandbox: SandboxClient, bot: Bot) -> SimUser:
    """A user who has started the bot (so the bot may write to them); its update is consumed."""
    sim = await sandbox.user(first_name="张三", username="zhangsan")
    await sim.send_command("start")
    updates = await bot.get_updates(timeout=1)
    await bot.get_updates(offset=updates[-1].update_id + 1)
    return sim


@pytest.fixture
async def http(server: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP client on the sandbox, for raw Bot API requests (any encoding)."""
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        yield client
