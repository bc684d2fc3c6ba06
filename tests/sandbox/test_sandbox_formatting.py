"""Unit tests for parse_mode handling, command entities and markup validation."""

from __future__ import annotations

import pytest

from sandbox.errors import ApiError
from sandbox.formatting import command_entities, parse_html, parse_markdown, parse_text, utf16_len
from sandbox.markup import validate_markup


def test_html_entities_offsets_are_utf16() -> None:
    text, entities = parse_html("😀 <b>粗</b> <pre><code class='language-python'>x</code></pre>")
    assert text == "😀 粗 x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 1},
        {"type": "pre", "offset": 5, "length": 1, "language": "python"},
    ]
    assert utf16_len("😀") == 2


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("中</b>", "Unexpected end tag at byte offset 3"),
        ("<b x", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_errors(raw: str, detail: str) -> None:
    with pytest.raises(ApiError) as error:
        parse_html(raw)
    assert error.value.code == 400
    assert error.value.description == f"Bad Request: can't parse entities: {detail}"


def test_html_entities_and_spoiler() -> None:
    assert parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#20013; &unknown;")[0] == 'a <b> & "c" 中 &unknown;'
    assert parse_html('<span class="tg-spoiler">s</span>')[1] == [{"type": "spoiler", "offset": 0, "length": 1}]


def test_markdown_v2() -> None:
    text, entities = parse_markdown(r"*粗* _斜_ __下__ ~删~ ||藏|| `c\`d` [链](https://x.org/a\)b) 1\.5", v2=True)
    assert text == "粗 斜 下 删 藏 c`d 链 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://x.org/a)b"
    with pytest.raises(ApiError, match=r"Character '!' is reserved and must be escaped with the preceding '\\'"):
        parse_markdown("你好!", v2=True)
    with pytest.raises(ApiError, match=r"Can't find end of Italic entity at byte offset 0"):
        parse_markdown("_x", v2=True)


def test_legacy_markdown_and_modes() -> None:
    assert parse_markdown("*b* 1.5!", v2=False) == ("b 1.5!", [{"type": "bold", "offset": 0, "length": 1}])
    assert parse_text("<b>x</b>", "html")[0] == "x"  # parse_mode is case-insensitive
    assert parse_text("<b>x</b>", None) == ("<b>x</b>", [])
    with pytest.raises(ApiError, match=r"unsupported parse_mode"):
        parse_text("x", "BBCode")


def test_command_entities() -> None:
    assert command_entities("/start abc") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("/cmd@sanshe_bot x")[0]["length"] == 15
    assert command_entities("hello /start") == []
    assert command_entities("/中文") == []


def test_markup_validation() -> None:
    assert validate_markup({"keyboard": [["a", {"text": "b", "request_contact": True}]]})["keyboard"] == [
        [{"text": "a"}, {"text": "b", "request_contact": True}]
    ]
    with pytest.raises(ApiError, match=r"BUTTON_DATA_INVALID"):
        validate_markup({"inline_keyboard": [[{"text": "x", "callback_data": "数" * 22}]]})  # 66 bytes
    with pytest.raises(ApiError, match=r"Wrong HTTP URL"):
        validate_markup({"inline_keyboard": [[{"text": "x", "url": "ftp://x"}]]})
    with pytest.raises(ApiError, match=r"can't parse reply keyboard markup"):
        validate_markup({"nothing": True})
