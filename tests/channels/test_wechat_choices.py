"""Choices in WeChat: a turn's buttons become numbered items, and what the person answers (a number, the words,
a tapped menu item) becomes the press of that button; what WeChat cannot do (share a phone) is left out."""

from __future__ import annotations

from channels.wechat.inbound import Offered, kf_update, resolve
from channels.wechat.render import choices_of, kf_message

SUBMIT, CANCEL = {"text": "✅ 提交", "callback_data": "in:ok"}, {"text": "取消", "callback_data": "in:x"}
INLINE = {"inline_keyboard": [[SUBMIT, CANCEL], [{"text": "说明", "url": "https://example.org/a"}]]}
KEYBOARD = {"keyboard": [[{"text": "📞 分享我的电话", "request_contact": True}], [{"text": "💬 只在这里联系我"}]]}


def test_inline_buttons_become_a_menu_of_numbered_items() -> None:
    choices = choices_of(INLINE)
    assert choices == [{"label": "✅ 提交", "data": "in:ok"}, {"label": "取消", "data": "in:x"},
                       {"label": "说明", "url": "https://example.org/a"}]  # fmt: skip
    body = kf_message("请确认", choices, 7, "回复数字即可选择")
    menu = body["msgmenu"]
    assert menu["head_content"] == "请确认" and menu["tail_content"] == "回复数字即可选择"
    assert menu["list"][0] == {"type": "click", "click": {"id": "7.1", "content": "1. ✅ 提交"}}
    assert menu["list"][2] == {"type": "view", "view": {"url": "https://example.org/a", "content": "3. 说明"}}


def test_a_phone_button_is_left_out_and_a_removed_keyboard_clears_the_choices() -> None:
    assert choices_of(KEYBOARD) == [{"label": "💬 只在这里联系我", "text": "💬 只在这里联系我"}]
    assert choices_of({"remove_keyboard": True}) == []
    assert choices_of(None) is None


def test_too_many_choices_or_a_long_text_fall_back_to_numbered_lines() -> None:
    many = [{"label": f"社区{n}", "data": f"c:{n}"} for n in range(12)]
    body = kf_message("请选择社区", many, 3, "回复数字即可选择")
    assert body["msgtype"] == "text"
    assert "\n12. 社区11\n" in body["text"]["content"]
    long = kf_message("长" * 3000, None, 3, "")
    assert len(long["text"]["content"].encode()) <= 2048


def test_a_number_the_words_or_a_tapped_item_pick_the_choice() -> None:
    offered = Offered(7, choices_of(INLINE) or [])
    assert resolve("1", None, offered, None).choice["data"] == "in:ok"  # type: ignore[union-attr]
    assert resolve("２。", None, offered, None).choice["data"] == "in:x"  # type: ignore[union-attr]
    assert resolve("提交", None, offered, None).choice["data"] == "in:ok"  # type: ignore[union-attr]
    assert resolve("9", None, offered, None) is None
    assert resolve("楼道灯坏了", None, offered, None) is None
    older = Offered(5, [{"label": "中文", "data": "lang:zh"}])
    picked = resolve("1. 中文", "5.1", offered, older)
    assert picked is not None and picked.message_id == 5 and picked.choice["data"] == "lang:zh"
    assert resolve("1. 中文", "6.1", offered, older) is None  # the id names another message: not trusted


def test_a_press_becomes_a_callback_query_and_words_a_message() -> None:
    offered = Offered(7, choices_of(INLINE) or [])
    message = {"msgid": "m1", "origin": 3, "msgtype": "text", "send_time": 1700000000, "text": {"content": "1"}}
    press = kf_update(100, 9_007_199_254_740_993, message, resolve("1", None, offered, None), "微信用户")
    assert press is not None
    query = press["callback_query"]
    assert query["data"] == "in:ok" and query["message"]["message_id"] == 7
    assert query["id"].startswith("wx9007199254740993:")
    words = kf_update(101, 9_007_199_254_740_993, {**message, "text": {"content": "/start"}}, None, "微信用户")
    assert words is not None and words["message"]["entities"][0]["type"] == "bot_command"
    event = {"msgid": "e1", "origin": 4, "msgtype": "event", "event": {"event_type": "enter_session"}}
    assert kf_update(102, 9_007_199_254_740_993, event, None, "微信用户")["message"]["text"] == "/start"  # type: ignore[index]
    assert kf_update(103, 1, {"msgid": "x", "msgtype": "link"}, None, "微信用户") is None
