"""The certificate of service hours as a PDF, drawn with matplotlib and the bundled Noto Sans CJK font (as the
poster is): nothing is downloaded, no new dependency, the font's outlines embedded (pdf.fonttype 42) so the text
prints sharply and can be searched. The HTML page (core.hours_certificate) says the same; this is the file to
print or forward as it is."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from bot.charts import cjk_families
from bot.i18n import Translator
from bot.poster import A4_IN, _pdf_lock
from core.hours_certificate import hours_text
from storage.hours_records import Certificate

BORDER = "#8b0000"


def render_certificate_pdf(c: Certificate, tz: ZoneInfo, zh: Translator, en: Translator) -> bytes:
    """CPU work: call it from a worker thread, never while holding a transaction. Chinese first; each label in both
    languages, the sentence in Chinese with the English below."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Rectangle

    font = FontProperties(family=cjk_families())
    fig = Figure(figsize=A4_IN)
    FigureCanvasAgg(fig)
    for inset, width in ((0.05, 2.4), (0.058, 0.8)):
        fig.patches.append(Rectangle((inset, inset * A4_IN[0] / A4_IN[1]), 1 - 2 * inset,
                                     1 - 2 * inset * A4_IN[0] / A4_IN[1], transform=fig.transFigure,
                                     facecolor="none", edgecolor=BORDER, linewidth=width))  # fmt: skip

    def line(y: float, text: str, size: float, x: float = 0.5, ha: str = "center", **style: object) -> None:
        fig.text(x, y, text.replace("$", r"\$"), ha=ha, va="center", fontproperties=font, fontsize=size, **style)

    issued = c.issued_at.astimezone(tz).date()
    total = hours_text(c.minutes)
    first, last = zh.day(c.first_day, "yMMMd"), zh.day(c.last_day, "yMMMd")
    line(0.86, zh("hours.cert_title"), 30)
    line(0.825, en("hours.cert_title"), 13, color="#444444")
    rows = (
        ("hours.cert_label_name", c.person_name),
        ("hours.cert_label_org", c.organization or "—"),
        ("hours.cert_label_period", zh("hours.cert_period_value", first=first, last=last)),
        ("hours.cert_label_hours", zh("hours.cert_hours_value", hours=total, minutes=zh.number(c.minutes))),
        ("hours.cert_label_tasks", zh.plural("hours.cert_tasks_value", c.tasks, tasks=zh.number(c.tasks))),
        ("hours.cert_label_confirmed", c.confirmed_by or zh("hours.cert_no_confirmation")),
        ("hours.cert_label_issued", zh.day(issued, "yMMMd")),
        ("hours.cert_label_code", c.code),
    )
    for i, (label, value) in enumerate(rows):
        y = 0.72 - i * 0.055
        line(y, f"{zh(label)} {en(label)}", 12, x=0.14, ha="left", color="#444444")
        line(y, value, 15, x=0.45, ha="left")
    for y, t, size in ((0.25, zh, 13), (0.225, en, 10)):
        line(y, t.plural("hours.cert_pdf_body", c.tasks, name=c.person_name, tasks=t.number(c.tasks), hours=total),
             size)  # fmt: skip
    line(0.20, zh("hours.cert_volunteer_note"), 13)
    line(0.15, zh("hours.cert_pdf_verify", code=c.code), 11, color="#444444")
    line(0.10, f"{zh('hours.cert_platform')}  {zh.day(issued, 'yMMMd')}", 13, x=0.86, ha="right")
    buffer = io.BytesIO()
    metadata = {"Title": f"{zh('hours.cert_title')} {c.code}", "Subject": c.person_name, "Creator": "Sanshe"}
    with _pdf_lock, matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(buffer, format="pdf", facecolor="white", metadata=metadata)
    return buffer.getvalue()
