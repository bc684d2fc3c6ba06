"""Dialog saves check the version the turn read, so two turns of one chat can never both win."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.errors import StaleDialog
from storage.records import utc_now


async def test_a_save_from_a_stale_read_is_refused(db_url: str) -> None:
    first, second = await Database.open(db_url), await Database.open(db_url)  # two processes on one file
    async with first.transaction() as tx:
        read_by_first = await tx.dialogs.get(7)
    assert read_by_first is None
    async with second.transaction() as tx:
        won = await tx.dialogs.save(7, "menu", {}, utc_now(), expected_version=0)
    assert won.version == 1
    with pytest.raises(StaleDialog):
        async with first.transaction() as tx:
            await tx.dialogs.save(7, "need.describe", {"need": "修水管"}, utc_now(), expected_version=0)
    async with second.transaction() as tx:
        again = await tx.dialogs.save(7, "need.when", {}, utc_now(), expected_version=1)
    assert again.version == 2
    with pytest.raises(StaleDialog):
        async with first.transaction() as tx:
            await tx.dialogs.save(7, "menu", {}, utc_now(), expected_version=1)
    async with first.transaction() as tx:
        state = await tx.dialogs.get(7)
    assert state is not None and (state.state, state.version) == ("need.when", 2)
    await first.close()
    await second.close()


async def test_a_turn_that_erased_its_own_dialog_can_still_move_on(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await tx.dialogs.save(7, "menu", {}, utc_now(), expected_version=0)
    async with db.transaction() as tx:  # a withdrawal erases the dialog, then the turn goes to "declined"
        await tx.dialogs.clear(7)
        saved = await tx.dialogs.save(7, "declined", {}, utc_now(), expected_version=1)
    assert saved.version == 1
    await db.close()
