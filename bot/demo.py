"""`sanshe demo`: the sandbox, the real bot and a sample city, played through by simulated residents.

Everything runs in this process on loopback: a throwaway SQLite file, the sandbox Bot API on a free
port, and python-telegram-bot polling it over HTTP exactly as it would poll Telegram.
The narration (headings, people's labels, "（点击）") comes from the catalogues' `demo.` keys; what the
simulated people type and press stays here, since it has to match the bot's own Chinese buttons.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import load_i18n, running_bot
from bot.config import Settings
from bot.i18n import I18n, Translator
from bot.sample_city import SOCIAL_WORKER, STAFF, VOLUNTEER, Person, seed, seed_providers
from bot.transcript import Transcript
from sandbox import SandboxClient, SandboxServer, SimUser
from storage.db import Database
from storage.records import utc_now

DEMO_TOKEN = "777000:sanshe-demo"
# The story is scripted in Chinese (the residents press Chinese buttons), so it is told in Chinese too.
DEMO_LOCALE = "zh_CN"


@dataclass
class DemoWorld:
    server: SandboxServer
    client: SandboxClient
    db: Database
    settings: Settings
    i18n: I18n
    wechat: Any = None  # the WeChat channel, when the demo plays on WeChat (its callback port)

    @property
    def narrator(self) -> Translator:
        return self.i18n.translator(DEMO_LOCALE)


@asynccontextmanager
async def demo_world(
    port: int = 0, keep_dir: Path | None = None, wechat: dict[str, object] | None = None
) -> AsyncIterator[DemoWorld]:
    """Sandbox + seeded database + running bot; all torn down on exit. `wechat`: the WeChat channel's settings
    (bot/demo_wechat.py)."""
    with tempfile.TemporaryDirectory(prefix="sanshe-demo-") as scratch:
        folder = keep_dir or Path(scratch)
        async with SandboxServer(port=port) as server, SandboxClient(server.base_url) as client:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=DEMO_TOKEN,  # type: ignore[arg-type]
                api_base_url=f"{server.base_url}/bot",
                database_url=f"sqlite:///{folder / 'demo.db'}",
                **(wechat or {}),  # type: ignore[arg-type]
            )
            db = await Database.open(settings.database_url)
            try:
                async with db.transaction() as tx:
                    await seed(tx, utc_now())
                    await seed_providers(tx, utc_now())
                i18n = load_i18n(settings)
                async with running_bot(settings, db, i18n, DEMO_TOKEN, poll_timeout=1) as app:
                    yield DemoWorld(server, client, db, settings, i18n, app.bot_data.wechat)
            finally:
                await db.close()


class Scene:
    """One simulated person acting and the transcript printing the bot's answers."""

    def __init__(self, user: SimUser, label: str, transcript: Transcript) -> None:
        self.user, self.label, self.transcript = user, label, transcript
        self.t = transcript.t

    async def say(self, text: str) -> None:
        self.transcript.says(self.user, self.label, text)
        await self.user.send_text(text)
        await self.transcript.settle(self.user)

    async def press(self, button: str) -> None:
        self.transcript.says(self.user, self.label, self.t("demo.press", button=button))
        await self.user.press(button)
        await self.transcript.settle(self.user)

    async def tap_keyboard(self, button: str) -> None:
        self.transcript.says(self.user, self.label, self.t("demo.tap_keyboard", button=button))
        await self.user.press_reply_button(button)
        await self.transcript.settle(self.user)

    async def receives(self) -> None:
        """Messages that reach this person because of someone else (through the outbox)."""
        self.transcript.out("\n" + self.t("demo.receives", label=self.label))
        await self.transcript.settle(self.user)

    async def sticker(self) -> None:
        self.transcript.says(self.user, self.label, self.t("demo.sticker"))
        await self.user.send_sticker()
        await self.transcript.settle(self.user)


async def _open_chat_quietly(scene: Scene) -> None:
    """Staff have talked to the bot before; set that up without printing it."""
    quiet = Scene(scene.user, scene.label, Transcript(scene.t, out=lambda _line: None))
    await quiet.say("/start")  # registered by the community: the language is known, consent is asked
    await quiet.press("✅ 同意")
    await quiet.press("阳光社区")
    await scene.transcript.mark_seen(scene.user)


async def _announcement_and_vote(staff: Scene, wang: Scene) -> None:
    transcript, t = staff.transcript, staff.t
    transcript.section(t("demo.section.announcement"))
    await staff.say("/announce")
    await staff.say("本周六上午九点在社区广场义诊，量血压、测血糖，请带好医保卡。")
    await staff.press("社区居民（4 人）")
    await staff.press("📣 确认发送")
    await wang.receives()

    transcript.section(t("demo.section.vote"))
    await staff.say("/rounds")
    await staff.press("➕ 新建评议")
    await staff.say("2027年社区微实事项目")
    await staff.say("14")
    await staff.say("楼道照明改造\n阳光社工服务中心\n2万\n给没有电梯的老楼道装声控灯")
    await staff.say("长者助餐补贴｜安康居家养老服务站｜1.5万｜80 岁以上老人每餐补贴 3 元")
    await staff.press("✅ 完成")
    await staff.press("1")
    await staff.press("📣 开启并通知居民")
    await wang.receives()
    await wang.press("🗳 去投票")
    await wang.press("2. 长者助餐补贴")
    await wang.press("1. 楼道照明改造")  # changed her mind: still one vote
    await staff.press("⏹ 截止投票")
    await staff.press("⏹ 确认截止")
    await staff.press("📝 录入纸质票")
    await staff.press("1. 楼道照明改造")
    await staff.say("12 居民议事会现场投票")
    await staff.press("✅ 确认记入")
    await staff.press("📢 公布结果")
    await staff.press("📢 确认公布")
    await wang.receives()

    transcript.section(t("demo.section.report"))
    await staff.say("/report")
    await staff.press("本周")


async def play_scenario(world: DemoWorld, transcript: Transcript) -> None:
    out, t = transcript.out, transcript.t
    out("═" * 60)
    out(t("demo.title"))
    out("═" * 60)

    async def person(who: Person, label: str) -> Scene:
        scene = Scene(await world.client.user(who.telegram_id, first_name=who.name), label, transcript)
        await _open_chat_quietly(scene)
        return scene

    staff = await person(STAFF, t("demo.label.staff", name=STAFF.name))
    chen = await person(SOCIAL_WORKER, t("demo.label.social_worker", name=SOCIAL_WORKER.name))
    li = await person(VOLUNTEER, t("demo.label.volunteer", name=VOLUNTEER.name))

    auntie = t("demo.name.wang")
    wang = Scene(await world.client.user(first_name=auntie, language_code="zh-hans", phone_number="13812345678"),
                 f"👵 {auntie}", transcript)  # fmt: skip
    await wang.say("/start")
    await wang.press("中文")
    await wang.press("✅ 同意")
    await wang.press("阳光社区")
    await wang.sticker()

    transcript.section(t("demo.section.request"))
    await wang.say("厨房下水道堵了，水下不去")
    await wang.press("管道疏通 · 巧手便民维修队")
    await wang.press("今天")
    await wang.say("阳光小区3栋2单元501")
    await wang.tap_keyboard("📞 分享我的电话")
    await wang.say("门铃坏了，请敲门")
    await wang.press("✅ 提交")
    await chen.receives()
    await li.receives()
    await li.press("✅ 接单")
    await chen.receives()
    await wang.receives()
    await li.press("🚶 出发")
    await wang.receives()
    await li.press("✅ 完成")
    await li.say("疏通好了，下水正常，顺便清理了存水弯。")
    await chen.receives()
    await wang.receives()
    await li.press("1小时30分钟")  # how long it took: a volunteer's hours wait for the supervisor
    await chen.receives()
    await chen.press("✅ 确认时长")
    await wang.press("⭐⭐⭐⭐⭐")
    await wang.say("小伙子很负责，谢谢！")

    transcript.section(t("demo.section.to_staff"))
    await wang.say("楼道的灯坏了好几天了")
    await wang.press("都不是")
    await wang.press("尽快")
    await wang.say("阳光小区3栋")
    await wang.tap_keyboard("💬 只在这里联系我")
    await wang.tap_keyboard("跳过")
    await wang.press("✅ 提交")
    await staff.receives()
    await staff.press("关闭并备注")
    await staff.say("已通知物业，明天上午换灯。")
    await wang.receives()
    await wang.press("⭐⭐⭐⭐")
    await wang.tap_keyboard("跳过")
    await wang.say("📋 我的求助")
    await wang.say("/privacy")
    await _announcement_and_vote(staff, wang)

    transcript.section(t("demo.section.consent_later"))
    tom_name = t("demo.name.tom")
    tom = Scene(await world.client.user(first_name=tom_name, language_code="en"), f"🧑 {tom_name}", transcript)
    await tom.say("/start")
    await tom.press("English")
    await tom.press("❌ I do not agree")
    await tom.say("I need help with my sink")
    await tom.press("Read the notice again")
    await tom.press("✅ I agree")
    await tom.press("桂花社区")
    out("\n" + t("demo.end"))
