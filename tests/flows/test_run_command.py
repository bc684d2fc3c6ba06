"""`sanshe run` as a real process: long polling against the sandbox, and a clean stop on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sandbox import SandboxClient, SandboxServer


async def test_run_polls_the_configured_api_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    async with SandboxServer() as server, SandboxClient(server.base_url) as client:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
        env.update(
            SANSHE_BOT_TOKEN="31337:run-test",
            SANSHE_API_BASE_URL=f"{server.base_url}/bot",
            SANSHE_DATABASE_URL="sqlite:///data/run.db",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            user = await client.user(language_code="zh-hans")
            await user.send_command("start")
            (prompt,) = await user.wait_for_messages(timeout=30)
            assert "请选择语言" in prompt.text
            info = await client.bot_info()
            assert "start" in str(info.get("commands"))  # the command menu was announced
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr
        assert (tmp_path / "data" / "run.db").exists()
