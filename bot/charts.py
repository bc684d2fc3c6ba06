"""The /report chart as PNG bytes, drawn offline with a Chinese font.

Matplotlib's own fonts have no Chinese glyphs: every character would be an empty box. We ship a subset of Noto Sans
CJK SC (SIL Open Font License, bot/data/fonts/OFL.txt; tools/subset_cjk_font.py made it): every GB2312 character and
every character of our catalogues, 3 MB instead of a 100 MB font package. It comes first in the font list, so a
chart looks the same on every host; a Noto Sans CJK (or Source Han Sans) font installed on the system comes second,
as matplotlib's per-glyph fallback for a rare character of a name that the subset lacks.
Only the object-oriented API is used — a Figure on an Agg canvas, no pyplot, no rcParams — so a chart can be
drawn in a worker thread of the bot's process; the one global change is the extra entries in the font list.
Matplotlib is imported on the first chart, not with this module: every `sanshe` command would pay for it.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties

FONT_FILE = "NotoSansCJKscSanshe-Regular.otf"
# Tableau 10 and two more: one colour per category, by registry position, so a category keeps its colour.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#bab0ac")  # fmt: skip
RESPONSE, RESOLUTION, SATISFACTION = "#4e79a7", "#59a14f", "#f28e2b"
NOTE_GREY = "#888888"
WIDTH_IN, DPI = 10.0, 110
_font_lock = threading.Lock()


# Where distributions put Noto Sans CJK / Source Han Sans (Debian and Ubuntu fonts-noto-cjk, Fedora, Arch,
# Alpine, macOS with Homebrew's font casks); fc-match is asked only when none of these exists.
SYSTEM_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
    "/Library/Fonts/NotoSansCJKsc-Regular.otf",
)
# fc-match always answers, with DejaVu if need be: only a file of one of these families is a CJK fallback.
SYSTEM_FONT_NAMES = ("NotoSansCJK", "SourceHanSans")


def cjk_font_path() -> Path:
    """The bundled subset, inside our package."""
    return Path(str(files("bot") / "data" / "fonts" / FONT_FILE))


def system_cjk_font_path() -> Path | None:
    """A full Noto Sans CJK font installed on this host, if any (for the characters our subset lacks)."""
    for candidate in SYSTEM_FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run([fc_match, "--format=%{file}", "Noto Sans CJK SC:lang=zh-cn"], capture_output=True,
                               text=True, timeout=10, check=False).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    if found and any(name in Path(found).name for name in SYSTEM_FONT_NAMES) and Path(found).is_file():
        return Path(found)
    return None


@functools.cache
def _registered_families() -> tuple[str, ...]:
    from matplotlib import font_manager

    families = []
    for path in (cjk_font_path(), system_cjk_font_path()):
        if path is None:
            continue
        font_manager.fontManager.addfont(path)  # of a .ttc, matplotlib takes the first face: enough for a fallback
        family = font_manager.FontProperties(fname=path).get_name()
        if family not in families:
            families.append(family)
    return tuple(families)


def cjk_families() -> list[str]:
    """Register the CJK fonts (once, also when two threads ask at the same time); their family names, the
    bundled "Noto Sans CJK SC Sanshe" first and a system Noto Sans CJK, when there is one, as its fallback."""
    with _font_lock:
        return list(_registered_families())


def cjk_family() -> str:
    """The bundled font's family name (the poster's font)."""
    return cjk_families()[0]


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

    font = FontProperties(family=cjk_families())
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
