"""Residents who join from a community's poster: a deep link `https://t.me/<bot>?start=c_<code>` whose code names
the community, so that after the language and the privacy consent nobody is asked which community they live in.

The code is random (8 letters and digits of base32, about 10¹² possibilities) and kept per community in the
database, not derived from the community's row id: a printed poster then says nothing about how the database
is numbered, keeps working if communities are renumbered or merged into another database, and a mistyped or made-up
code is unknown rather than some other community. Choosing a community is not a secret (every community is a
button at the community step), so the code protects nothing else and needs no expiry; it is created with the first
poster and stays the same for every poster after it.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from storage.protocols import UnitOfWork
from storage.records import Community

JOIN_PREFIX = "c_"
CODE_BYTES = 5  # base32 of 5 bytes: 8 characters, no padding
MAX_TRIES = 5


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").lower()


def link(bot_username: str, code: str) -> str:
    """The link a poster's QR code holds. Telegram allows A-Z, a-z, 0-9, _ and - in a start parameter, 64 at most."""
    return f"https://t.me/{bot_username}?start={JOIN_PREFIX}{code}"


def is_join_payload(payload: str) -> bool:
    return payload.startswith(JOIN_PREFIX)


async def code_for(uow: UnitOfWork, community_id: int, now: datetime) -> str:
    """The community's poster code, made the first time it is asked for."""
    for _ in range(MAX_TRIES):
        code = await uow.community_codes.code_of(community_id)
        if code is not None:
            return code
        await uow.community_codes.add(community_id, new_code(), now)  # a clash (10⁻¹² a try) just tries again
    raise RuntimeError(f"could not make a poster code for community {community_id}")


async def community_for(uow: UnitOfWork, payload: str) -> Community | None:
    """The community a `/start c_<code>` payload names; None for a code nobody issued."""
    code = payload.removeprefix(JOIN_PREFIX)
    if not code or len(code) > 32 or not code.isascii() or not code.isalnum():
        return None
    community_id = await uow.community_codes.community_of(code.lower())
    return await uow.communities.get(community_id) if community_id is not None else None
