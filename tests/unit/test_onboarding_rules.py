"""Core onboarding rules over in-memory fakes: order of steps, consent, privacy, admins."""

from __future__ import annotations

import pytest

from core import onboarding
from core.dialog import State
from storage.records import utc_now
from tests.unit.fakes import FakeUnitOfWork


async def test_new_person_starts_with_language_then_consent_community_menu() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    now = utc_now()
    user, step = await onboarding.begin(uow, 7, "en", now)
    assert step is State.LANGUAGE and user.locale == "en" and not user.has_consented
    user = await onboarding.choose_language(uow, user, "zh_CN", now)
    assert onboarding.next_step(user) is State.CONSENT
    user, step = await onboarding.give_consent(uow, user, now)
    assert step is State.COMMUNITY and "resident" in user.roles
    user = await onboarding.choose_community(uow, user, 1, now)
    assert onboarding.next_step(user) is State.MENU
    _, step = await onboarding.begin(uow, 7, "en", now)  # /start again resumes at the menu
    assert step is State.MENU


async def test_a_community_cannot_be_stored_before_consent() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    user, _ = await onboarding.begin(uow, 7, "zh_CN", utc_now())
    with pytest.raises(PermissionError):
        await onboarding.choose_community(uow, user, 1, utc_now())
    assert uow.users.rows[7].community_id is None


async def test_declining_forgets_personal_data_but_keeps_language() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    now = utc_now()
    user, _ = await onboarding.begin(uow, 7, "en", now)
    user, _ = await onboarding.give_consent(uow, user, now)
    user = await onboarding.choose_community(uow, user, 1, now)
    user = await onboarding.decline_consent(uow, user, now)
    assert user.community_id is None and user.consent_at is None and "resident" not in user.roles
    assert user.locale == "en" and user.consent_declined_at == now
    assert onboarding.next_step(user) is State.CONSENT  # reversible: consent is simply asked again


async def test_unknown_community_is_refused() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    user, _ = await onboarding.begin(uow, 7, "zh_CN", utc_now())
    user, _ = await onboarding.give_consent(uow, user, utc_now())
    with pytest.raises(onboarding.UnknownCommunity):
        await onboarding.choose_community(uow, user, 99, utc_now())


async def test_configured_admins_get_the_admin_role() -> None:
    uow = FakeUnitOfWork()
    user, _ = await onboarding.begin(uow, 5, "zh_CN", utc_now(), admin_ids={5})
    assert "admin" in user.roles
    other, _ = await onboarding.begin(uow, 6, "zh_CN", utc_now(), admin_ids={5})
    assert "admin" not in other.roles
