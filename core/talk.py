"""What the bot answers to a message that asks for nothing (a greeting, thanks, small talk): a short friendly
word, chosen by the kind of talk the matcher found it closest to (core/matching/data/not_needs.txt)."""

from __future__ import annotations

_REPLIES = {
    "greeting": "talk.greeting",
    "thanks": "talk.thanks",
    "ack": "talk.ack",
    "botq": "talk.about_bot",
    "emoji": "talk.ack",
}
_OTHER = "talk.other"


def talk_reply_key(kind: str) -> str:
    """The locale key of the answer to talk of this kind (any kind not listed gets a general answer)."""
    return _REPLIES.get(kind, _OTHER)
