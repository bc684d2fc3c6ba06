"""The intake run for someone else (代办): the same steps (handlers.intake), with `for_resident` carried in the
dialog data; the filer's right to file for that resident is checked again when the need is described and when it
is filed, and the request is filed with the resident as its resident and the filer recorded (core.on_behalf)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import on_behalf
from core.requests import Status
from handlers import home, notify, steps
from handlers.turn import Turn
from storage.records import RequestRecord, channel_of, has_chat

FOR_RESIDENT = "for_resident"


def carried(data: Mapping[str, Any]) -> dict[str, int]:
    """What the intake keeps from step to step when filing for someone else (nothing otherwise)."""
    value = data.get(FOR_RESIDENT)
    return {FOR_RESIDENT: value} if isinstance(value, int) and not isinstance(value, bool) else {}


async def _target(turn: Turn) -> on_behalf.Target | None:
    try:
        return await on_behalf.resolve(turn.tx, turn.user, int(turn.data[FOR_RESIDENT]))
    except on_behalf.BehalfError as error:  # the link ended, the role was taken away, the person was deleted
        turn.say(turn.t(error.key))
        return None


async def community(turn: Turn) -> int | None:
    target = await _target(turn)
    return target.resident.community_id if target is not None else None


async def submit(turn: Turn) -> None:
    t, services = turn.t, turn.services
    target = await _target(turn)
    if target is None:
        await steps.enter(turn, home.home_state(turn))
        return
    changes = await on_behalf.file_for(turn.tx, target, turn.data, turn.now, services.i18n.tz, services.dispatch_top_k)
    await notify.announce(turn, changes, resident_told=True)
    request, final = changes[-1].request, changes[-1].after
    if has_chat(target.resident.telegram_id):
        await _tell_resident(turn, target, request)
    next_key = "intake.filed_unmatched" if final is Status.UNMATCHED else "intake.filed_escalated"
    if final not in (Status.UNMATCHED, Status.ESCALATED):
        next_key = "intake.filed_dispatched"
    answer_key = "behalf.you_answer" if target.proxy_id is not None else "behalf.they_are_told"
    turn.say("\n".join([t("behalf.filed", name=target.name, reference=request.reference), t(next_key), t(answer_key)]))
    await steps.enter(turn, home.home_state(turn))


async def _tell_resident(turn: Turn, target: on_behalf.Target, request: RequestRecord) -> None:
    """The resident is told in their own chat that someone filed for them, and by whom."""
    resident = target.resident
    if resident.blocked_at is not None:
        return
    t = turn.services.i18n.translator(resident.locale, channel_of(resident.telegram_id))
    role, label = await on_behalf.filer_role(turn.tx, target.filer_id, resident.telegram_id)
    if label is None:
        who = t(f"behalf.by_{role}")
    elif role == on_behalf.FAMILY:
        who = t("behalf.by_family", name=label)
    else:  # a grid worker or staff member the resident linked with their code
        who = t("behalf.by_worker", role=t(f"behalf.by_{role}"), name=label)
    text = t("behalf.filed_for_you", who=who, reference=request.reference, need=request.need_text)
    text += "\n" + t("notify.status_changed", reference=request.reference, status=t(f"status.{request.status}"))
    await turn.tx.outbox.enqueue(resident.telegram_id, text, None, turn.now)
    turn.enqueued = True
