"""WeChat's 5-second rule under load: how long the bot takes to answer WeChat's callbacks when many residents
write at once, and how many answers still travel as the passive reply.

    .venv/bin/python bench/wechat.py [--people 40] [--rounds 5]

The real bot (SQLite, sample city) with a 服务号 and a 微信客服 account, against the WeChat sandbox, all in this
one process over loopback HTTP (so the sandbox's work counts against the bot: a pessimistic measure). First every
person onboards (subscribe or open the chat, choose 中文, agree, choose 阳光社区); then, `rounds` times, all of them
write at once ("楼道的灯坏了", which starts a request: a matching turn). 服务号: the time from WeChat posting the
callback to the bot's answer (the sandbox waits for it, as WeChat does), and whether the first message went as the
passive reply. 微信客服: the time from the resident's message to the bot's first message arriving. WeChat allows 5
seconds before it retries; retries and errors are counted. Prints, last, one JSON line. Not part of the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import load_i18n, running_bot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.sample_city import seed  # noqa: E402
from sandbox import SandboxServer  # noqa: E402
from sandbox.wechat import DEFAULT_AES_KEY, WeChatResident, WeChatSandbox  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.records import utc_now  # noqa: E402

TOKEN = "8080:wechat-bench"
NEED = "楼道的灯坏了"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1) if ordered else 0.0


async def _tap(person: WeChatResident, words: str, official: bool) -> None:
    newest = [m for m in await person.messages() if m.items][-1]
    ref, content = next((ref, c) for kind, ref, c in newest.items if kind == "click" and words in c)
    await (person.oa_send_text(content, bizmsgmenuid=ref) if official else person.tap_menu(ref, content))


async def _onboard(person: WeChatResident, official: bool) -> None:
    say = person.oa_send_text if official else person.send_text
    if official:
        await person.oa_subscribe()
    else:
        await person.enter_session()
    await person.wait_for_messages(1, timeout=30)
    await _tap(person, "中文", official)
    await person.wait_for_messages(2, timeout=30)
    await say("1")
    await person.wait_for_messages(2, timeout=30)
    await say("阳光社区")
    await person.wait_for_messages(2, timeout=30)


async def _more_than(person: WeChatResident, count: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Until the person has received more than `count` messages (counted, so a late one from before is not
    taken for the answer)."""
    async with asyncio.timeout(timeout):
        while len(await person.messages()) <= count:  # noqa: ASYNC110 - the sandbox has no event for this
            await asyncio.sleep(0.01)


async def _settled(person: WeChatResident) -> int:
    """Let the answers of the previous step finish arriving; how many messages the person has then."""
    count = len(await person.messages())
    while True:
        await asyncio.sleep(0.5)
        now = len(await person.messages())
        if now == count:
            return count
        count = now


async def _official_round(person: WeChatResident) -> tuple[float, str]:
    before = await _settled(person)
    started = time.perf_counter()
    await person.oa_send_text(NEED)  # returns once WeChat (the sandbox) has the callback's answer
    took = time.perf_counter() - started
    await _more_than(person, before)
    first = (await person.messages())[before]
    await person.oa_send_text("取消")  # back to the menu for the next round
    return took, first.channel


async def _kf_round(person: WeChatResident) -> float:
    before = await _settled(person)
    started = time.perf_counter()
    await person.send_text(NEED)
    await _more_than(person, before)
    took = time.perf_counter() - started
    await person.send_text("取消")
    return took


async def main(people: int, rounds: int) -> dict[str, object]:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        async with SandboxServer() as server, WeChatSandbox() as wechat:
            settings = Settings(
                _env_file=None, bot_token=TOKEN, api_base_url=f"{server.base_url}/bot", database_url=db_url,  # type: ignore[call-arg,arg-type]
                wechat_corp_id=wechat.corp_id, wechat_secret=wechat.secret, wechat_token=wechat.token,  # type: ignore[arg-type]
                wechat_aes_key=DEFAULT_AES_KEY, wechat_kf_id=wechat.open_kfid, wechat_api_base=wechat.base_url,  # type: ignore[arg-type]
                wechat_oa_app_id=wechat.oa_app_id, wechat_oa_secret="sandbox-oa-secret",  # type: ignore[arg-type]
                wechat_oa_api_base=wechat.base_url, wechat_listen="127.0.0.1:0",
            )  # fmt: skip
            db = await Database.open(db_url)
            async with db.transaction() as tx:
                await seed(tx, utc_now())
            try:
                async with running_bot(settings, db, load_i18n(settings), TOKEN, poll_timeout=1) as app:
                    port = app.bot_data.wechat.port
                    wechat.set_callback_url(f"http://127.0.0.1:{port}/wechat")
                    wechat.set_oa_callback_url(f"http://127.0.0.1:{port}/wechat/oa")
                    followers = [await wechat.resident(f"关注者{n}") for n in range(people)]
                    customers = [await wechat.resident(f"居民{n}") for n in range(people)]
                    await asyncio.gather(*(_onboard(p, True) for p in followers))
                    await asyncio.gather(*(_onboard(p, False) for p in customers))
                    official_times: list[float] = []
                    channels: list[str] = []
                    kf_times: list[float] = []
                    for _ in range(rounds):
                        for took, channel in await asyncio.gather(*(_official_round(p) for p in followers)):
                            official_times.append(took)
                            channels.append(channel)
                        kf_times += await asyncio.gather(*(_kf_round(p) for p in customers))
                    stats = wechat.stats()
            finally:
                await db.close()
    return {
        "bench": "wechat",
        "people": people,
        "rounds": rounds,
        "oa_callback_answer_ms_p50": _pct(official_times, 0.5),
        "oa_callback_answer_ms_p99": _pct(official_times, 0.99),
        "oa_callback_answer_ms_max": round(max(official_times) * 1000, 1),
        "oa_passive_share": round(channels.count("oa_passive") / len(channels), 3),
        "kf_first_reply_ms_p50": _pct(kf_times, 0.5),
        "kf_first_reply_ms_p99": _pct(kf_times, 0.99),
        "kf_first_reply_ms_mean": round(statistics.mean(kf_times) * 1000, 1),
        "callback_retries": stats["callback_retries"] + stats["oa_callback_retries"],
        "oa_errors": stats["passive_errors"] + stats["oa_callback_failures"],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    print(json.dumps(asyncio.run(main(options.people, options.rounds)), ensure_ascii=False))
