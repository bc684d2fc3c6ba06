"""`sanshe demo --channel wechat`: 王阿姨's request told again, this time from WeChat (微信客服), through the
WeChat sandbox over HTTP: she opens the chat from the community's QR code, answers by number, by words or by
tapping menu items; the volunteer who serves her is on Telegram, as before. Same bot, same dialog."""

from __future__ import annotations

import asyncio

from bot.demo import DemoWorld, Scene, _open_chat_quietly, demo_world
from bot.sample_city import SOCIAL_WORKER, VOLUNTEER
from bot.transcript import Transcript
from sandbox.wechat import DEFAULT_AES_KEY, ReceivedMessage, WeChatResident, WeChatSandbox

QUIET_S = 0.6  # the bot has answered when nothing new came for this long


class WeChatScene:
    """A simulated WeChat resident, and what the bot sends them, printed as WeChat shows it."""

    def __init__(self, resident: WeChatResident, label: str, transcript: Transcript) -> None:
        self.resident, self.label, self.transcript = resident, label, transcript
        self._shown = 0

    async def say(self, text: str) -> None:
        self.transcript.out(f"\n{self.label} ▸ {text}")
        await self.resident.send_text(text)
        await self.settle()

    async def tap(self, words: str) -> None:
        """Tap the menu item of the newest menu that says `words`."""
        newest = [m for m in await self.resident.messages() if m.items][-1]
        ref, content = next((ref, c) for kind, ref, c in newest.items if kind == "click" and words in c)
        self.transcript.out(f"\n{self.label} ▸ {self.transcript.t('demo.press', button=content)}")
        await self.resident.tap_menu(ref, content)
        await self.settle()

    async def open_chat(self) -> None:
        self.transcript.out(f"\n{self.label} ▸ {self.transcript.t('demo.wechat_opens')}")
        await self.resident.enter_session()
        await self.settle()

    async def receives(self) -> None:
        self.transcript.out("\n" + self.transcript.t("demo.receives", label=self.label))
        await self.settle()

    async def settle(self, timeout: float = 5.0) -> list[ReceivedMessage]:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline, quiet_since, count = loop.time() + timeout, loop.time(), len(await self.resident.messages())
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            now_count = len(await self.resident.messages())
            if now_count != count:
                count, quiet_since = now_count, loop.time()
            elif count > self._shown and loop.time() - quiet_since >= QUIET_S:
                break
        fresh = (await self.resident.messages())[self._shown :]
        self._shown += len(fresh)
        for message in fresh:
            self.transcript.out(self.transcript.t("demo.bot_name") + ":")
            for line in message.as_text(with_ids=False).splitlines():
                self.transcript.out("    " + line)
        return fresh


async def play_wechat_scenario(world: DemoWorld, sandbox: WeChatSandbox, transcript: Transcript) -> None:
    out, t = transcript.out, transcript.t
    out("═" * 60)
    out(t("demo.wechat_title"))
    out("═" * 60)
    chen = Scene(await world.client.user(SOCIAL_WORKER.telegram_id, first_name=SOCIAL_WORKER.name),
                 t("demo.label.social_worker", name=SOCIAL_WORKER.name), transcript)  # fmt: skip
    li = Scene(await world.client.user(VOLUNTEER.telegram_id, first_name=VOLUNTEER.name),
               t("demo.label.volunteer", name=VOLUNTEER.name), transcript)  # fmt: skip
    for scene in (chen, li):
        await _open_chat_quietly(scene)
    auntie = t("demo.name.wang")
    wang = WeChatScene(await sandbox.resident(auntie), t("demo.label.wechat", name=auntie), transcript)

    await wang.open_chat()
    await wang.tap("中文")
    await wang.say("1")
    await wang.say("阳光社区")
    transcript.section(t("demo.section.request"))
    await wang.say("厨房下水道堵了，水下不去")
    await wang.tap("管道疏通")
    await wang.say("今天")
    await wang.say("阳光小区3栋2单元501")
    await wang.say("13812345678")
    await wang.say("门铃坏了，请敲门")
    await wang.tap("提交")
    await chen.receives()
    await li.receives()
    await li.press("✅ 接单")
    await wang.receives()
    await li.press("🚶 出发")
    await wang.receives()
    await li.press("✅ 完成")
    await li.say("疏通好了，下水正常，顺便清理了存水弯。")
    await li.press("1小时30分钟")  # how long it took (the volunteer is on Telegram)
    await wang.receives()
    await wang.tap("⭐⭐⭐⭐⭐")
    await wang.say("小伙子很负责，谢谢！")
    stats = sandbox.stats()
    out("\n" + t("demo.wechat_stats", sent=stats["delivered"], callbacks=stats["callbacks"],
                  retries=stats["callback_retries"]))  # fmt: skip
    out("\n" + t("demo.end"))


async def scripted_wechat() -> int:
    async with WeChatSandbox() as sandbox:
        settings: dict[str, object] = {
            "wechat_corp_id": sandbox.corp_id, "wechat_secret": sandbox.secret, "wechat_token": sandbox.token,
            "wechat_aes_key": DEFAULT_AES_KEY, "wechat_kf_id": sandbox.open_kfid, "wechat_api_base": sandbox.base_url,
            "wechat_listen": "127.0.0.1:0",
        }  # fmt: skip
        async with demo_world(wechat=settings) as world:
            sandbox.set_callback_url(f"http://127.0.0.1:{world.wechat.port}/wechat")
            await play_wechat_scenario(world, sandbox, Transcript(world.narrator))
    return 0
