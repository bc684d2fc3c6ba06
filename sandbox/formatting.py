"""Text formatting: ``parse_mode`` parsing into plain text + entities, and command entities.

Like Telegram, the stored ``text`` is the text with markup removed and the formatting is kept
as ``entities`` (offsets/lengths in UTF-16 code units), so PTB's ``Message.text_html`` works.
Malformed markup is rejected with Telegram's ``Bad Request: can't parse entities: ...``.

HTML supports Telegram's tag set (b/strong, i/em, u/ins, s/strike/del, tg-spoiler,
span class="tg-spoiler", a href, code, pre, blockquote, tg-emoji) and the entities
``&lt; &gt; &amp; &quot;`` plus numeric ones. MarkdownV2 enforces the reserved-character
rule (``Character '.' is reserved and must be escaped with the preceding '\\'``), which is
the most common real-world formatting bug.
"""

from __future__ import annotations

import html
import re
from typing import Any

from sandbox.errors import ApiError, bad_request

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_ATTR_RE = re.compile(r"""([a-zA-Z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MD_RESERVED = set("_*[]()~`>#+-=|{}.!")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cant_parse(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


class _Builder:
    """Accumulates plain text and entities while a markup string is scanned."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.parts: list[str] = []
        self.length = 0  # in UTF-16 units
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def byte_offset(self, index: int) -> int:
        return len(self.raw[:index].encode())

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append({"type": kind, "offset": start, "length": self.length - start, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def parse_html(raw: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder(raw)
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "&":
            match = _ENTITY_RE.match(raw, i)
            out.add(html.unescape(match.group(0)) if match else "&")
            i = match.end() if match else i + 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        end = raw.find(">", i)
        if end == -1:
            raise _cant_parse(f"Unclosed start tag at byte offset {out.byte_offset(i)}")
        inner = raw[i + 1 : end].strip()
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _cant_parse(f"Unexpected end tag at byte offset {out.byte_offset(i)}")
            open_name, start, attrs = stack.pop()
            if name and name != open_name:
                raise _cant_parse(
                    f'Unmatched end tag at byte offset {out.byte_offset(i)}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            _close_html(out, open_name, start, attrs, stack)
        else:
            name, _, rest = inner.replace("\n", " ").replace("\t", " ").partition(" ")
            name = name.lower()
            if name not in _HTML_TAGS:
                raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {out.byte_offset(i)}')
            attrs = {
                m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR_RE.finditer(rest)
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _cant_parse('Tag "span" must have class "tg-spoiler"')
            stack.append((name, out.length, attrs))
        i = end + 1
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(
    out: _Builder, name: str, start: int, attrs: dict[str, str], stack: list[tuple[str, int, dict[str, str]]]
) -> None:
    kind = _HTML_TAGS[name]
    if kind == "text_link":
        if attrs.get("href"):
            out.entity("text_link", start, url=attrs["href"])
    elif kind == "custom_emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
    elif kind == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> is one pre entity carrying the language.
        language = attrs.get("class", "").removeprefix("language-")
        if language:
            stack[-1][2]["language"] = language
    elif kind == "pre":
        extra = {"language": attrs["language"]} if attrs.get("language") else {}
        out.entity("pre", start, **extra)
    elif kind == "blockquote":
        out.entity("expandable_blockquote" if "expandable" in attrs else "blockquote", start)
    else:
        out.entity(kind, start)


_MD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def parse_markdown(raw: str, *, v2: bool) -> tuple[str, list[dict[str, Any]]]:
    """MarkdownV2 (``v2=True``) or legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url)."""
    out = _Builder(raw)
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, index in raw)
    markers = {"*": "bold", "_": "italic", "~": "strikethrough"} if v2 else {"*": "bold", "_": "italic"}
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw) and (v2 or raw[i + 1] in "_*`["):
            out.add(raw[i + 1])
            i += 2
        elif char == "`":
            fence = "```" if raw.startswith("```", i) else "`"
            close = _find_unescaped(raw, fence, i + len(fence), v2)
            if close == -1:
                entity = "Pre" if fence == "```" else "Code"
                raise _cant_parse(f"Can't find end of {entity} entity at byte offset {out.byte_offset(i)}")
            body = raw[i + len(fence) : close]
            language = ""
            if fence == "```" and "\n" in body:
                first, body_rest = body.split("\n", 1)
                if first and " " not in first:
                    language, body = first, body_rest
            start = out.length
            out.add(re.sub(r"\\([`\\])", r"\1", body) if v2 else body)
            out.entity("pre" if fence == "```" else "code", start, **({"language": language} if language else {}))
            i = close + len(fence)
        elif v2 and (raw.startswith("__", i) or raw.startswith("||", i)):
            _toggle(out, stack, "underline" if char == "_" else "spoiler", i)
            i += 2
        elif char in markers:
            _toggle(out, stack, markers[char], i)
            i += 1
        elif char == "[":
            stack.append(("text_link", out.length, i))
            i += 1
        elif char == "]" and stack and stack[-1][0] == "text_link" and raw.startswith("(", i + 1):
            close = _find_unescaped(raw, ")", i + 2, v2)
            if close == -1:
                raise _cant_parse(f"Can't find end of a URL at byte offset {out.byte_offset(i + 1)}")
            _, start, _ = stack.pop()
            out.entity("text_link", start, url=raw[i + 2 : close].replace("\\)", ")"))
            i = close + 1
        elif v2 and char == ">" and (i == 0 or raw[i - 1] == "\n"):
            i += 1  # blockquote line marker; the quote entity itself is not tracked
        elif v2 and char in _MD_RESERVED:
            raise _cant_parse(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        else:
            out.add(char)
            i += 1
    if stack:
        kind, _, index = stack[-1]
        where = out.byte_offset(index)
        if v2:
            raise _cant_parse(f"Can't find end of {_MD_NAMES[kind]} entity at byte offset {where}")
        raise _cant_parse(f"Can't find end of the entity starting at byte offset {where}")
    return out.result()


def _find_unescaped(raw: str, token: str, start: int, v2: bool) -> int:
    """Index of the next ``token`` not preceded by a backslash escape (MarkdownV2 only)."""
    i = start
    while i < len(raw):
        if v2 and raw[i] == "\\":
            i += 2
        elif raw.startswith(token, i):
            return i
        else:
            i += 1
    return -1


def _toggle(out: _Builder, stack: list[tuple[str, int, int]], kind: str, index: int) -> None:
    if stack and stack[-1][0] == kind:
        _, start, _ = stack.pop()
        out.entity(kind, start)
    else:
        stack.append((kind, out.length, index))


def parse_text(raw: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (case-insensitive, like Telegram); unknown modes are a 400."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return raw, []
    if mode == "html":
        return parse_html(raw)
    if mode in ("markdownv2", "markdown"):
        return parse_markdown(raw, v2=mode == "markdownv2")
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


def command_entities(text: str) -> list[dict[str, Any]]:
    """A bot_command entity for a leading ``/command`` (incl. ``@botname``), like Telegram adds."""
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
