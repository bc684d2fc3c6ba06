"""What the bot answers to a message that asks for nothing (a greeting, thanks, small talk): a short friendly
word. Thanks and greetings are told by their words; other talk by the kind of message the matcher found it
closest to (core/matching/data/not_needs.txt)."""

from __future__ import annotations

import unicodedata

# Words that make a message a thank-you or a greeting, whatever else it says ("谢谢你们，辛苦了").
THANKS_WORDS = ("谢", "感谢", "辛苦", "多亏", "thank", "thx", "多谢", "唔该")
GREETING_WORDS = (
    *("你好", "您好", "在吗", "在不在", "有人吗", "早上好", "早安", "晚上好", "下午好"),
    *("hello", "hi", "哈喽", "嗨"),
)
_REPLIES = {
    "greeting": "talk.greeting",
    "thanks": "talk.thanks",
    "ack": "talk.ack",
    "botq": "talk.about_bot",
    "emoji": "talk.ack",
}
_OTHER = "talk.other"


def talk_reply_key(kind: str, text: str = "") -> str:
    """The locale key of the answer to this talk."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if any(word in folded for word in THANKS_WORDS):
        return _REPLIES["thanks"]
    words = folded.replace("，", " ").replace(",", " ").replace("!", " ").split()
    if any(word in folded for word in GREETING_WORDS if len(word) > 2) or any(w in GREETING_WORDS for w in words):
        return _REPLIES["greeting"]
    return _REPLIES.get(kind, _OTHER)
