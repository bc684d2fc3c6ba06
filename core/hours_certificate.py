"""The certificate of service hours (志愿服务时长证明): an A4 page for a chosen period, with a reference code that
`sanshe hours verify CODE` checks against what was stored when it was issued and against the ledger today.

The code is random (secrets), 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L): about 59 bits,
so it cannot be guessed, and it says nothing about the person or the database. What it certifies is stored with
it (person, names as printed, period, minutes, tasks, issued at), so a later correction of the ledger is reported
by `verify` instead of silently changing what an old paper meant.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from core import hours
from core.hours import Words
from storage.hours_records import Certificate
from storage.protocols import UnitOfWork

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "HR"
GROUPS, GROUP_LENGTH = 3, 4


def new_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join((PREFIX, *groups))


def normalized(code: str) -> str:
    """What a person types back: any case, with or without dashes or spaces (hr 7k3m q9xz 4pta)."""
    letters = "".join(c for c in code.upper() if c.isalnum())
    if letters.startswith(PREFIX):
        letters = letters[len(PREFIX) :]
    if len(letters) != GROUPS * GROUP_LENGTH:
        return code.strip().upper()
    parts = [letters[i : i + GROUP_LENGTH] for i in range(0, len(letters), GROUP_LENGTH)]
    return "-".join((PREFIX, *parts))


def hours_text(minutes: int) -> str:
    """37.5 — hours with at most one decimal, as certificates print them (2,250 minutes is 37.5 hours)."""
    value = round(minutes / 60, 1)
    return f"{value:g}" if value != int(value) else str(int(value))


class NothingToCertify(ValueError):
    """No hours that count in the period (a certificate of nothing is not issued)."""


async def issue(
    uow: UnitOfWork, person_id: int, first: date, last: date, tz: ZoneInfo, now: datetime, removed: str = ""
) -> Certificate:
    """Store and return the certificate of what counts in [first, last]. `removed` names a confirming supervisor
    who is no longer a provider (a neutral label: never a raw chat id on paper)."""
    provider = await uow.providers.get(person_id)
    if provider is None:
        raise hours.HoursError("hours.not_a_provider")
    period = hours.in_period(await hours.person_ledger(uow, person_id), first, last, tz)
    if period.tasks == 0:
        raise NothingToCertify(person_id)
    names = []
    for supervisor_id in period.confirmed_by:
        supervisor = await uow.providers.get(supervisor_id)
        name = supervisor.display_name if supervisor else removed
        if name and name not in names:
            names.append(name)
    certificate = Certificate(new_code(), person_id, provider.display_name, provider.organization, first, last,
                              period.minutes, period.tasks, "、".join(names), now)  # fmt: skip
    await uow.hours.add_certificate(certificate)
    return certificate


@dataclass(frozen=True)
class Verification:
    certificate: Certificate | None  # None: no certificate has this code
    minutes_now: int = 0  # what the ledger counts for the same person and period today
    tasks_now: int = 0

    @property
    def genuine(self) -> bool:
        return self.certificate is not None

    @property
    def still_agrees(self) -> bool:
        c = self.certificate
        return c is not None and (c.minutes, c.tasks) == (self.minutes_now, self.tasks_now)


async def verify(uow: UnitOfWork, code: str, tz: ZoneInfo) -> Verification:
    certificate = await uow.hours.certificate(normalized(code))
    if certificate is None:
        return Verification(None)
    items = await hours.person_ledger(uow, certificate.person_id)
    now = hours.in_period(items, certificate.first_day, certificate.last_day, tz)
    return Verification(certificate, now.minutes, now.tasks)


STYLE = """
@page { size: A4; margin: 25mm 22mm; }
body { margin: 0; color: #000; line-height: 1.6; font-size: 12pt;
       font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", "Noto Sans CJK SC", serif; }
.sheet { border: 1.2mm double #8b0000; padding: 14mm 16mm; min-height: 230mm; box-sizing: border-box; }
h1 { text-align: center; font-size: 24pt; letter-spacing: 0.3em; margin: 4mm 0 1mm; }
p.en { text-align: center; color: #444; margin: 0 0 10mm; font-size: 10pt; }
p.body { font-size: 14pt; text-indent: 2em; margin: 0 0 8mm; }
table { border-collapse: collapse; width: 100%; margin: 0 0 10mm; }
th, td { border: 0.3mm solid #666; padding: 2mm 3mm; text-align: left; vertical-align: top; }
th { width: 38%; background: #f2f2f2; font-weight: normal;
     -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.code { font-family: "DejaVu Sans Mono", "Consolas", monospace; font-size: 13pt; letter-spacing: 0.08em; }
p.verify { font-size: 9.5pt; color: #333; }
p.issued { text-align: right; margin-top: 14mm; }
@media screen { body { max-width: 210mm; margin: 10mm auto; } }
"""


def certificate_html(c: Certificate, tz: ZoneInfo, zh: Words, en: Words) -> bytes:
    """The certificate as a standalone HTML page for A4, Chinese first with English below; every value escaped
    (the catalogue's words are ours, the values are not)."""
    e = escape
    issued = c.issued_at.astimezone(tz).date()
    total = hours_text(c.minutes)

    def both(label: str) -> str:
        return f"{e(zh(label))} / {e(en(label))}"

    def period(t: Words) -> str:
        return t("hours.cert_period_value", first=t.day(c.first_day, "yMMMd"), last=t.day(c.last_day, "yMMMd"))

    def body(t: Words) -> str:
        values = {"name": f"<b>{e(c.person_name)}</b>", "first": e(t.day(c.first_day, "yMMMd")),
                  "last": e(t.day(c.last_day, "yMMMd")), "platform": e(t("hours.cert_platform")),
                  "tasks": e(t.number(c.tasks)), "hours": f"<b>{e(total)}</b>"}  # fmt: skip
        return t.plural("hours.cert_body", c.tasks, **values)

    def each(render: Callable[[Words], str]) -> str:
        return "<br>".join(e(render(t)) for t in (zh, en))

    def confirmed(t: Words) -> str:
        return c.confirmed_by or t("hours.cert_no_confirmation")

    rows = [
        ("hours.cert_label_name", e(c.person_name)),
        ("hours.cert_label_org", e(c.organization or "—")),
        ("hours.cert_label_period", each(period)),
        (
            "hours.cert_label_hours",
            each(lambda t: t("hours.cert_hours_value", hours=total, minutes=t.number(c.minutes))),
        ),
        (
            "hours.cert_label_tasks",
            each(lambda t: t.plural("hours.cert_tasks_value", c.tasks, tasks=t.number(c.tasks))),
        ),
        ("hours.cert_label_confirmed", e(c.confirmed_by) if c.confirmed_by else each(confirmed)),
        ("hours.cert_label_issued", each(lambda t: t.day(issued, "yMMMd"))),
        ("hours.cert_label_code", f'<span class="code">{e(c.code)}</span>'),
    ]
    table = "\n".join(f"<tr><th>{both(k)}</th><td>{v}</td></tr>" for k, v in rows)
    # Chinese sentences stay on one line of HTML: a line break between two hanzi would print as a space.
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(zh("hours.cert_title"))} {e(c.code)}</title>
<style>{STYLE}</style></head>
<body><div class="sheet">
<h1>{e(zh("hours.cert_title"))}</h1>
<p class="en">{e(en("hours.cert_title"))}</p>
<p class="body">{body(zh)}{e(zh("hours.cert_volunteer_note"))}</p>
<p class="body" lang="en">{body(en)} {e(en("hours.cert_volunteer_note"))}</p>
<table>{table}</table>
<p class="verify">{e(zh("hours.cert_verify", code=c.code))}<br>
{e(en("hours.cert_verify", code=c.code))}</p>
<p class="issued">{e(zh("hours.cert_platform"))}<br>{e(zh.day(issued, "yMMMd"))}</p>
</div></body></html>
"""
    return page.encode("utf-8")
