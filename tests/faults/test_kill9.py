"""kill -9 at chosen points of intake, accept and an announcement (bot/failpoints.py): nothing lost, no
request doubled, and a message sent twice only where a kill landed between Telegram's answer and its mark.
The longer run is `python bench/faults.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import crashes


@pytest.mark.timeout(900)
async def test_kills_at_every_point_lose_nothing_and_double_no_request(tmp_path: Path) -> None:
    figures = await crashes.run(tmp_path, kills=10, max_episodes=16)
    assert figures["kills"] >= 8, figures  # the failpoints really fire
    assert figures["requests_filed"] >= 5, figures
    assert figures["updates_lost"] == 0, figures
    assert figures["replies_lost"] == 0, figures
    assert figures["requests_lost"] == 0 and figures["requests_doubled"] == 0, figures
    assert figures["kill_tracebacks"] == 0, figures
    # Only a kill between a send and its mark can double a message, and each at most one.
    assert figures["messages_doubled"] <= figures["kills"], figures


@pytest.mark.timeout(300)
async def test_two_processes_on_one_database_send_every_message_once(tmp_path: Path) -> None:
    figures = await crashes.two_processes(tmp_path, residents=6)
    assert figures["two_process_requests_filed"] == 6, figures
    assert figures["two_process_requests_doubled"] == 0 and figures["two_process_updates_lost"] == 0, figures
    assert figures["two_process_replies_lost"] == 0, figures
    assert figures["two_process_messages_doubled"] == 0, figures
