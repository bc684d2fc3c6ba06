"""core.matcher_cache: after a catalogue change the previous matcher keeps answering while the new one is
built in the background, and the new one is used once ready (the build itself is held back by a latch)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

import pytest

import core.matcher_cache as matcher_cache
from core.catalog import ServiceEntry
from core.matcher_cache import MatcherCache
from core.matching import Matcher
from storage.records import ServiceRecord, utc_now
from tests.unit.fakes import FakeUnitOfWork


def _service(service_id: str, name: str) -> ServiceRecord:
    return ServiceRecord(service_id=service_id, name=name, category="elderly", description=name, keywords=())


async def test_a_rebuild_never_stalls_a_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    uow = FakeUnitOfWork()
    await uow.catalog.upsert(_service("s1", "助餐送餐"), utc_now())
    cache = MatcherCache(fresh_wait=0.05)
    first = await cache.get(uow)  # the very first build happens in the turn
    assert [e.service_id for e in first.entries] == ["s1"]

    latch = threading.Event()
    real_build = Matcher.build

    def held_build(entries: Iterable[ServiceEntry]) -> Matcher:
        latch.wait(10)
        return real_build(entries)

    monkeypatch.setattr(matcher_cache.Matcher, "build", staticmethod(held_build))
    await uow.catalog.upsert(_service("s2", "管道疏通"), utc_now())
    await uow.catalog.bump_version()
    assert await cache.get(uow) is first  # the build is still running: the previous matcher answers
    assert await cache.get(uow) is first  # and a second turn does not start another build or wait
    latch.set()
    for _ in range(200):
        newer = await cache.get(uow)
        if newer is not first:
            break
        await asyncio.sleep(0.01)
    assert sorted(e.service_id for e in newer.entries) == ["s1", "s2"]
