"""The WeChat channel's records on both backends: message ids numbered once and never again, even after
pruning; the newest choices (an empty list takes them away); held messages taken once, oldest first."""

from __future__ import annotations

from datetime import timedelta

from channels.wechat.arrival import picked
from storage.db import Database
from storage.records import WECHAT_ID_BASE, utc_now


async def test_inbound_ids_are_given_once_and_pruning_never_lets_one_come_back(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        old, now = utc_now() - timedelta(days=10), utc_now()
        async with db.transaction() as tx:
            first = await tx.wechat.first_inbound("m1", old)
            second = await tx.wechat.first_inbound("m2", old)
            assert first is not None and second == first + 1
            assert await tx.wechat.first_inbound("m1", now) is None  # WeChat delivered it again
            assert await tx.wechat.prune_inbound(now - timedelta(days=7), 100) == 1  # the newest stays
            third = await tx.wechat.first_inbound("m3", now)
        assert third == second + 1  # counted on from the newest, never reused
    finally:
        await db.close()


async def test_choices_and_held_messages(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        now = utc_now()
        async with db.transaction() as tx:
            person = await tx.wechat.person_for("wkX", "wm1", now)
            assert person.person_id > WECHAT_ID_BASE
            menu = await tx.wechat.record_message(person.person_id, [{"label": "中文", "data": "lang:zh_CN"}], now)
            await tx.wechat.record_message(person.person_id, None, now)  # plain words change nothing
            assert await tx.wechat.latest_choices(person.person_id) == (menu, [{"label": "中文", "data": "lang:zh_CN"}])
            await tx.wechat.set_choices(person.person_id, menu, [])  # answered: its choices are gone
            assert await tx.wechat.latest_choices(person.person_id) == (menu, [])
            await tx.wechat.hold(person.person_id, {"text": "一"}, now)
            await tx.wechat.hold(person.person_id, {"text": "二"}, now)
            assert await tx.wechat.take_held(person.person_id) == [{"text": "一"}, {"text": "二"}]
            assert await tx.wechat.take_held(person.person_id) == []
    finally:
        await db.close()


async def test_a_typed_number_presses_buttons_only_of_the_newest_message(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        now = utc_now()
        async with db.transaction() as tx:
            person = (await tx.wechat.person_for("wkX", "wm2", now)).person_id
            await tx.wechat.record_message(person, [{"label": "✅ 提交", "data": "in:ok"}], now)
            found = await picked(tx, person, "1", None)
            assert found is not None and found.choice["data"] == "in:ok"
            await tx.wechat.record_message(person, None, now)  # other words came after the buttons
            assert await picked(tx, person, "1", None) is None  # "1" is just "1" now (a floor, an answer)
            await tx.wechat.record_message(person, [{"label": "🙋 求助", "text": "🙋 求助"}], now)  # a menu's words
            await tx.wechat.record_message(person, None, now)
            found = await picked(tx, person, "1", None)  # stay, as a Telegram reply keyboard does
            assert found is not None and found.choice["text"] == "🙋 求助"
    finally:
        await db.close()


async def test_an_edit_of_a_held_message_replaces_it(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        now = utc_now()
        async with db.transaction() as tx:
            person = (await tx.wechat.person_for("wkX", "wm3", now)).person_id
            await tx.wechat.hold(person, {"text": "🆕 新任务", "markup": {"inline_keyboard": []}}, now, 41)
            assert await tx.wechat.replace_held(person, 41, {"text": "（已被接单）", "markup": None})
            assert not await tx.wechat.replace_held(person, 42, {"text": "x", "markup": None})
            assert await tx.wechat.take_held(person) == [{"text": "（已被接单）", "markup": None}]
    finally:
        await db.close()
