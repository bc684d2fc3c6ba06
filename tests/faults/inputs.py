"""Hypothesis strategies for hostile inputs: texts, commands, forged button data and media.

The callback prefixes are read from the running Application (the `pattern=` of every CallbackQueryHandler that
handlers.register added), the commands from handlers.COMMANDS, and the vocabulary of button actions from the
string constants in handlers/*.py — so a new prefix, command or action is fuzzed without editing this file.
The real ids the scouts left (other people's requests, tasks, rounds, projects, applications, communities) and the
bot's own buttons and button texts come from the Atlas (scenarios.py).
"""

from __future__ import annotations

import ast
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from telegram.ext import Application, CallbackQueryHandler

import handlers
from tests.faults.harness import Input
from tests.faults.scenarios import Atlas

HANDLERS_DIR = Path(handlers.__file__).parent

# Numbers str.isdigit() (or isnumeric/isdecimal) accepts but int() refuses or reads differently, numbers past
# SQLite's 2**63 - 1, signs, floats, hex, and the edges of every range the bot checks.
NUMBERS = (
    "²", "³", "¹²", "٣", "۳", "१२", "１２", "１", "０", "𝟙𝟚", "Ⅻ", "½", "⑫", "〇", "十二", "٣٤٥",
    "-1", "0", "00", "007", "+1", "1.5", "1e9", "0x1F", " 1 ", "1_000", "1,000", "∞", "NaN",
    str(2**31), str(2**53 + 1), str(2**63 - 1), str(2**63), str(2**64), "9" * 19, "9" * 30, "-" + "9" * 25, "1" * 400,
    "1", "2", "3", "5", "14", "366", "367", "1000", "100000", "❶", "⓵", "፩", "᧚", "⑴", "⒈", "❶❷", "3❶", "❶号楼",
)  # fmt: skip


@cache
def digits_int_refuses() -> tuple[str, ...]:
    """Characters str.isdigit() accepts that int() refuses even after NFKC (❶, ፩, ⑴), and some that only NFKC
    makes numbers (², ₃, ⑥)."""
    found = []
    for cp in range(0x30000):  # every assigned digit lies below
        c = chr(cp)
        if c.isdigit() and not c.isdecimal():
            try:
                int(unicodedata.normalize("NFKC", c))
            except ValueError:
                found.append(c)
    return (*found, "²", "³", "¹", "⁵", "₃", "⑥", "⓪")


WEIRD = (
    " ", "  ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e",
    "\u202d", "\u2066", "\u2069", "\u0000", "\u0007", "\u001b[31m", "\u0085", "\u2028", "\u2029", "\ufffd",
    "{x}", "{0}", "{}", "{name}", "{count}", "{{", "}}", "%s", "%d", "%(name)s", "%", "$1", "\\", "\\n", "\\u0000",
    "<b>粗</b>", "<script>alert(1)</script>", "&amp;", "&lt;", "<", ">", "*粗*", "_斜_", "`码`", "```", "[链接](http://x)",
    "||剧透||", "~删~", "' OR 1=1 --", "'); DROP TABLE users; --", "\"", "'", "../../etc/passwd", "null", "None",
    "undefined", "true", "[]", "{}", "😀", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "ﷺ", "עברית", "العربية", "ᄀ", "e\u0301", "Å",
)  # fmt: skip
TEXTS = (
    "你好", "谢谢", "求助", "帮助", "取消", "返回", "跳过", "是", "否", "同意", "不同意", "中文", "English",
    "阳光社区", "桂花社区", "阳光", "社区", "3号楼", "３幢", "3栋", "综合楼", "清除", "不住这里",
    "厨房下水道堵了", "楼道的灯坏了", "需要有人帮忙送饭", "开锁", "我家老人摔倒了快来人", "13812345678",
    "１３８１２３４５６７８", "+86 138-1234-5678", "110", "12月20日", "2026-12-20", "2026-02-30", "12月32日", "20日",
    "31号", "明天", "14天后", "0天", "5 居民议事会", "35张，第三网格投票箱", "355号楼投票箱", "²张 票箱", "٣ 票箱",
    "99999999999999999999 票箱", "2万", "²万", "0.5万", "8k", "1e308", "-5000", "完成", "好了", "没有了",
    "楼道照明改造\n阳光社工服务中心\n2万", "项目｜机构｜²万", "项目|机构|" + "9" * 40, "只有名称",
    "社工", "志愿者", "机构", "week", "month", "本周", "上月",
    # the typed steps of /projects, /calls, /family and /behalf (issue 15): their own grammar, bent
    "每单 50元，满意度 NaN", "满意度 sNaN，每单 1元", "封顶 1e308，每单 1", "资金｜福彩｜NaN万", "资金｜区｜1e308",
    "征集｜10万｜0天", "方案｜99999999999亿｜阳光社区", "方案｜5万｜不存在社区、", "验收 2026-13-45", "2026-02-30",
    "12345678", "１２３４５６７８", "1234 5678", "٣٣٣٣٣٣٣٣", "孙奶奶", "%", "_",
)  # fmt: skip
UNITS = ("帮", "a", "😀", "\u200b", " ", "\n", "长者助餐补贴\n", "9", "²", "<b>", "{x}")
LENGTHS = (19, 20, 21, 59, 60, 61, 100, 101, 119, 120, 121, 299, 300, 301, 499, 500, 501, 899, 900, 901, 1999, 2000,
           2001, 4000, 4096, 4097, 5000)  # fmt: skip
COMMAND_LOOKALIKES = (
    "/start", "/start@sanshe_bot", "/help@other_bot", "/cancel now", "/ start", "／start", "/START", "/Start",
    "/start inv_", "/start inv_abc", "/start inv_" + "x" * 80, "/start " + "²" * 5, "/nosuchcommand", "/", "//",
    "/stats ²", "/stats 99999999999999999999", "/stats -1", "/stats 0", "/stats 366 1", "/report ²",
    "/report week month", "/invite", "/invite 社工", "/invite 志愿者 " + "机" * 300, "/invite nobody",
    "/building ²号楼", "/building " + "9" * 40, "/building 清除", "/vote ²", "/rounds x", "/language xx",
    "/tasks ²", "/duty off", "/privacy delete", "/mute ²", "/needs 9999", "/building ❶", "/building ❶❷号楼",
    "/stats " + "1" * 5000, "/stats ❶", "/report ❶",
)  # fmt: skip
PHONES = (
    "13812345678", "+8613812345678", "１３８１２３４５６７８", "", "+", "0", "²" * 11, "❶" * 11, "9" * 40,
    "138-1234-5678 ", "\u202e87654321831",
)  # fmt: skip
MEDIA = ("sticker", "photo", "voice", "location", "contact")


def command_names() -> list[str]:
    return list(getattr(handlers, "COMMANDS", ()))


def callback_prefixes(app: Application[Any, Any, Any, Any, Any, Any]) -> list[str]:
    """The fixed prefix of every CallbackQueryHandler's pattern ("^rg:" → "rg"), as registered."""
    found: list[str] = []
    for group in app.handlers.values():
        for handler in group:
            pattern = getattr(handler, "pattern", None) if isinstance(handler, CallbackQueryHandler) else None
            source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
            if not isinstance(source, str):
                continue
            match = re.match(r"\^?([A-Za-z0-9_]+):", source)
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


@cache
def action_words() -> tuple[str, ...]:
    """Every short lowercase string constant in the handlers' source: the actions their buttons carry (accept,
    cancel_yes, svc_done, closeok, …), plus whatever else — all fair game for a forged press."""
    words: set[str] = set()
    for path in sorted(HANDLERS_DIR.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"[a-z][a-z_]{0,15}", node.value)
            ):
                words.add(node.value)
    return tuple(sorted(words))


def _text_body() -> st.SearchStrategy[str]:
    any_char = st.characters(blacklist_categories=("Cs",))  # lone surrogates cannot be sent as UTF-8 at all
    odd_char = st.characters(whitelist_categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Nd", "No", "Nl", "So"))
    return st.one_of(
        st.sampled_from(TEXTS),
        st.sampled_from(WEIRD),
        st.sampled_from(NUMBERS),
        st.lists(st.sampled_from(digits_int_refuses()), min_size=1, max_size=4).map("".join),
        st.text(any_char, min_size=1, max_size=40),
        st.text(odd_char, min_size=1, max_size=12),
        st.builds(
            lambda unit, n: (unit * n)[:n] if len(unit) == 1 else unit * max(1, n // len(unit)),
            st.sampled_from(UNITS),
            st.sampled_from(LENGTHS),
        ),
        st.lists(
            st.one_of(
                st.sampled_from(TEXTS), st.sampled_from(WEIRD), st.sampled_from(NUMBERS), st.text(any_char, max_size=6)
            ),
            min_size=2,
            max_size=5,
        ).map("".join),
    )


def hostile_text(atlas: Atlas) -> st.SearchStrategy[str]:
    """Text a person may type: anything, the bot's own button texts (in the wrong step), command lookalikes."""
    own = sorted(atlas.button_texts) or ["🙋 求助"]
    return st.one_of(
        _text_body(),
        _text_body(),
        st.sampled_from(own),
        st.sampled_from(COMMAND_LOOKALIKES),
    ).filter(lambda s: s != "")  # an empty message cannot be sent


def hostile_argument(atlas: Atlas) -> st.SearchStrategy[str]:
    ids = [str(i) for i in atlas.ids()] or ["1"]
    return st.one_of(
        st.just(""),
        st.sampled_from(NUMBERS),
        st.sampled_from(digits_int_refuses()),
        st.sampled_from(WEIRD),
        st.sampled_from(ids),
        st.sampled_from(action_words()),
        st.sampled_from(
            (
                "S001",
                "S020",
                "S999",
                "none",
                "zh_CN",
                "en",
                "xx",
                "yes",
                "no",
                "residents",
                "both",
                "providers",
                "notify",
                "quiet",
                "retype",
                "社区",
                "阳光社区",
            )
        ),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
    )


def forged_callback(atlas: Atlas, prefixes: list[str]) -> st.SearchStrategy[str]:
    """Callback data a modified client can send: the bot's own buttons (wrong step, wrong person), those buttons
    with a part changed, dropped or added, any prefix with hostile parts, data past Telegram's 64 bytes."""
    own = sorted(atlas.buttons) or ["consent:yes"]
    prefix = st.sampled_from(prefixes or ["x"])
    arg = hostile_argument(atlas)

    def mutate(data: str, how: int, index: int, part: str) -> str:
        parts = data.split(":")
        i = index % len(parts)
        if how == 0 and len(parts) > 1:  # replace a part (never the prefix)
            parts[max(i, 1)] = part
        elif how == 1:  # drop the last parts
            parts = parts[: max(1, i)]
        elif how == 2:  # extra parts
            parts += [part, part]
        else:  # a part replaced by a number str.isdigit() accepts and int() refuses, or one too large
            parts[max(i, 1) if len(parts) > 1 else 0] = part
        return ":".join(parts)

    built = st.builds(lambda p, parts: ":".join([p, *parts]), prefix,
                      st.lists(st.one_of(st.sampled_from(action_words()), arg), max_size=5))  # fmt: skip
    return st.one_of(
        st.sampled_from(own),
        st.builds(mutate, st.sampled_from(own), st.integers(0, 3), st.integers(0, 5), arg),
        built,
        built,
        st.builds(lambda p, n: f"{p}:{'9' * n}", prefix, st.integers(40, 90)),  # past 64 bytes
        st.builds(lambda p, a: f"{p}:{a}:{'社' * 30}", prefix, st.sampled_from(action_words())),  # non-ASCII, long
        st.sampled_from(
            (
                "",
                ":",
                "::",
                "x",
                "lang",
                "LANG:zh_CN",
                " lang:zh_CN",
                "lang:zh_CN ",
                "in:",
                "tk::",
                "rq:cancel:²",
                "rate:²:5",
                "st:close:²",
                "tk:accept:" + str(2**64),
                "vt:v:1:²",
            )
        ),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=70),
    )


def media() -> st.SearchStrategy[Input]:
    captions = st.one_of(st.just(""), _text_body())
    latitude = st.one_of(st.floats(-90, 90), st.sampled_from((90.0, -90.0, 90.0001, -91.0, 180.0, 1e9, -0.0)))
    longitude = st.one_of(st.floats(-180, 180), st.sampled_from((180.0, -180.0, 180.5, -181.0, 360.0, -1e9)))
    phones = st.one_of(st.sampled_from(PHONES), _text_body())
    return st.one_of(
        st.builds(lambda e: Input("sticker", e), st.sampled_from(("👍", "😀", "", "🏳️‍🌈"))),
        st.builds(lambda c: Input("photo", c), captions),
        st.builds(lambda d: Input("voice", number=d), st.integers(0, 100_000)),
        st.builds(lambda a, b: Input("location", number=a, other=b), latitude, longitude),
        st.builds(lambda p, own: Input("contact", p or "0", own=own), phones, st.booleans()),
    )


def hostile_input(atlas: Atlas, prefixes: list[str]) -> st.SearchStrategy[Input]:
    commands = command_names() or ["start"]
    command_line = st.builds(
        lambda c, a: f"/{c} {a}".rstrip() if a.strip() else f"/{c}",
        st.sampled_from([*commands, "start"]),
        st.one_of(st.just(""), hostile_argument(atlas), st.sampled_from(_invite_payloads(atlas))),
    )
    callback = forged_callback(atlas, prefixes).map(lambda d: Input("callback", d))
    text = hostile_text(atlas).map(lambda s: Input("text", s))
    return st.one_of(
        text,
        text,
        callback,
        callback,
        st.one_of(command_line, st.sampled_from(COMMAND_LOOKALIKES)).map(lambda s: Input("command", s)),
        media(),
    )


def _invite_payloads(atlas: Atlas) -> list[str]:
    found = [str(atlas.targets.get(k, "")) for k in ("invite_used", "invite_unused")]
    return [p for p in found if p] + ["inv_", "inv_²", "inv_" + "A" * 100]
