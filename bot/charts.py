"""The /report chart as PNG bytes, drawn offline with a Chinese font.

Matplotlib's own fonts have no Chinese glyphs: every character would be an empty box. The Noto Sans CJK SC file
that the mplfonts package carries (SIL Open Font License) is registered once and then asked for by family name.
Only the object-oriented API is used — a Figure on an Agg canvas, no pyplot, no rcParams — so a chart can be
drawn in a worker thread of the bot's process; the one global change is the extra entry in the font list.
Matplotlib is imported on the first chart, not with this module: every `sanshe` command would pay for it.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties

FONT_PACKAGE, FONT_FILE = "mplfonts", "NotoSansCJKsc-Regular.otf"
# Tableau 10 and two more: one colour per category, by registry position, so a category keeps its colour.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#bab0ac")  # fmt: skip
RESPONSE, RESOLUTION, SATISFACTION = "#4e79a7", "#59a14f", "#f28e2b"
NOTE_GREY = "#888888"
WIDTH_IN, DPI = 10.0, 110
_font_lock = threading.Lock()


def cjk_font_path() -> Path:
    return Path(str(files(FONT_PACKAGE) / "fonts" / FONT_FILE))


@functools.cache
def _registered_family() -> str:
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()  # "Noto Sans CJK SC"


def cjk_family() -> str:
    """Register the bundled CJK font (once, also when two threads ask at the same time); its family name."""
    with _font_lock:
        return _registered_family()


@dataclass(frozen=True)
class NeedSeries:
    label: str  # the category's name
    counts: Sequence[int]  # one per bucket
    colour: int  # index into PALETTE, stable per category


@dataclass(frozen=True)
class OrganizationBars:
    name: str
    response: float | None  # 0–1
    resolution: float | None  # 0–1
    satisfaction: float | None  # 1–5
    texts: tuple[str, str, str]  # the three values as the reader's language writes them ("—" when none)


@dataclass(frozen=True)
class ReportChart:
    """Everything the picture says, already in the reader's language."""

    title: str
    needs_title: str
    bucket_labels: Sequence[str]
    needs: Sequence[NeedSeries]
    organizations_title: str
    organizations: Sequence[OrganizationBars]
    response_label: str
    resolution_label: str
    satisfaction_label: str
    no_data: str


def _plain(text: str) -> str:
    """A name with a "$" in it must not switch matplotlib into math mode."""
    return text.replace("$", r"\$")


def _no_data(ax: Axes, text: str, font: FontProperties) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=NOTE_GREY,
            fontproperties=font, fontsize=16)  # fmt: skip


def _needs_panel(ax: Axes, chart: ReportChart, font: FontProperties) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_title(chart.needs_title, fontproperties=font, fontsize=13, loc="left")
    x = list(range(len(chart.bucket_labels)))
    bottom = [0] * len(x)
    for series in chart.needs:
        ax.bar(x, series.counts, bottom=bottom, width=0.65, label=_plain(series.label),
               color=PALETTE[series.colour % len(PALETTE)])  # fmt: skip
        bottom = [b + c for b, c in zip(bottom, series.counts, strict=True)]
    for xi, total in zip(x, bottom, strict=True):
        if total:
            ax.annotate(str(total), (xi, total), xytext=(0, 3), textcoords="offset points", ha="center",
                        fontproperties=font, fontsize=10)  # fmt: skip
    ax.set_xticks(x, [_plain(label) for label in chart.bucket_labels], fontproperties=font, fontsize=9)
    ax.set_xlim(-0.6, len(x) - 0.4)  # the same slots with or without bars
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([*bottom, 4]) * 1.15)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    if chart.needs:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, prop=font.copy())
    else:
        _no_data(ax, chart.no_data, font)


def _bar_texts(ax: Axes, ys: Sequence[float], values: Sequence[float | None], texts: Sequence[str],
               font: FontProperties) -> None:  # fmt: skip
    for y, value, text in zip(ys, values, texts, strict=True):
        ax.annotate(text, (value or 0, y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontproperties=font, fontsize=9)  # fmt: skip


def _organizations_panel(rates: Axes, satisfaction: Axes, chart: ReportChart, font: FontProperties) -> None:
    from matplotlib.ticker import PercentFormatter

    orgs = chart.organizations
    ys = [len(orgs) - 1 - i for i in range(len(orgs))]  # the first organisation on top
    half = 0.38
    response = [o.response for o in orgs]
    resolution = [o.resolution for o in orgs]
    up, down = [y + half / 2 for y in ys], [y - half / 2 for y in ys]
    rates.barh(up, [v or 0 for v in response], height=half, color=RESPONSE, label=chart.response_label)
    rates.barh(down, [v or 0 for v in resolution], height=half, color=RESOLUTION, label=chart.resolution_label)
    _bar_texts(rates, up, response, [o.texts[0] for o in orgs], font)
    _bar_texts(rates, down, resolution, [o.texts[1] for o in orgs], font)
    rates.set_xlim(0, 1.18)
    rates.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    rates.set_yticks(ys, [_plain(o.name) for o in orgs], fontproperties=font, fontsize=10)
    rates.set_ylim(-0.6, len(orgs) - 0.4)
    rates.set_title(chart.organizations_title, fontproperties=font, fontsize=13, loc="left")
    rates.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False, prop=font.copy())
    values = [o.satisfaction for o in orgs]
    satisfaction.barh(ys, [v or 0 for v in values], height=half * 1.4, color=SATISFACTION)
    _bar_texts(satisfaction, ys, values, [o.texts[2] for o in orgs], font)
    satisfaction.set_xlim(0, 5.9)
    satisfaction.set_xticks([0, 1, 2, 3, 4, 5])
    satisfaction.tick_params(axis="y", left=False, labelleft=False)
    satisfaction.set_title(chart.satisfaction_label, fontproperties=font, fontsize=10)
    for ax in (rates, satisfaction):
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)


def render_report(chart: ReportChart) -> bytes:
    """Two panels: needs by category over the period (stacked bars), then response and resolution rates and
    mean satisfaction per organisation. An empty part says so instead of failing. CPU work: call it from a
    worker thread (asyncio.to_thread), never while holding a database transaction."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = FontProperties(family=cjk_family())
    orgs_height = max(1.8, 0.6 * len(chart.organizations) + 1.2)
    fig = Figure(figsize=(WIDTH_IN, 5.2 + orgs_height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(_plain(chart.title), fontproperties=font, fontsize=15)
    grid = fig.add_gridspec(2, 2, height_ratios=[4.4, orgs_height], width_ratios=[2.2, 1])
    _needs_panel(fig.add_subplot(grid[0, :]), chart, font)
    if chart.organizations:
        rates = fig.add_subplot(grid[1, 0])
        _organizations_panel(rates, fig.add_subplot(grid[1, 1], sharey=rates), chart, font)
    else:
        ax = fig.add_subplot(grid[1, :])
        ax.set_axis_off()
        ax.set_title(chart.organizations_title, fontproperties=font, fontsize=13, loc="left")
        _no_data(ax, chart.no_data, font)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()
