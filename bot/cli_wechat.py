"""`sanshe wechat-menu [--print]`: the 服务号's menu (at most 3 buttons, each with at most 5 under it), whose
CLICK keys the dialog understands (channels/wechat/inbound.py MENU_WORDS). WeChat keeps one menu per account, so
this is run once after setting the account up, and again after changing the words; --print shows the JSON and
sends nothing."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from functools import partial
from typing import Any

import httpx

from bot.cli_run import load_settings
from bot.cli_text import both
from bot.config import Settings
from bot.i18n import Translator
from channels.wechat.api import WeChatApi, gettoken
from channels.wechat.errors import WeChatError
from channels.wechat.tokens import AccessTokens
from storage.db import Database
from storage.records import utc_now

EXIT_USAGE = 2


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("wechat-menu", help=both("cli.wechat_menu.help"))
    parser.add_argument("--print", action="store_true", dest="print_only", help=both("cli.wechat_menu.print_help"))
    parser.set_defaults(func=run)


def menu(t: Translator) -> dict[str, Any]:
    """Three buttons: ask for help, my requests, and more (vote, help, privacy, language, announcements)."""

    def click(key: str) -> dict[str, str]:
        return {"type": "click", "name": t(f"wechat.menu.{key.lower()}"), "key": key}

    more = [click(key) for key in ("VOTE", "HELP", "PRIVACY", "LANGUAGE", "MUTE")]
    return {"button": [click("REQUEST"), click("MINE"), {"name": t("wechat.menu.more"), "sub_button": more}]}


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        print(both("cli.invalid_settings"), file=sys.stderr)
        return EXIT_USAGE
    from bot.app import load_i18n

    body = menu(load_i18n(settings).translator(settings.default_locale))
    if args.print_only:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    if not settings.wechat_oa_app_id or not settings.wechat_oa_secret:
        print(both("cli.wechat_menu.not_configured"), file=sys.stderr)
        return EXIT_USAGE
    try:
        asyncio.run(_create(settings, body))
    except WeChatError as exc:
        print(both("cli.wechat_menu.refused", code=exc.errcode, message=exc.errmsg), file=sys.stderr)
        return 1
    print(both("cli.wechat_menu.done"))
    return 0


async def _create(settings: Settings, body: dict[str, Any]) -> None:
    app, base = settings.wechat_oa_app_id, settings.wechat_oa_api_base
    secret = settings.wechat_oa_secret.get_secret_value() if settings.wechat_oa_secret else ""
    db = await Database.open(settings.database_url)  # the access_token is the one the running bot shares
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            fetch = partial(gettoken, http, base, app, secret, official_account=True)
            api = WeChatApi(base, app, secret, AccessTokens(db, app, fetch, utc_now), http)
            await api.menu_create(body)
    finally:
        await db.close()
