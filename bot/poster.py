"""The notice-board poster (/poster): an A4 page with the community's name, a large title, a QR code of the link
that opens the bot with the community already chosen, three lines on what residents can ask for and a footer.

PNG (to share in a residents' group, or print) and PDF (to print: the QR code and the text are vectors, and the
Chinese font is embedded as TrueType outlines, pdf.fonttype 42, so that the text prints and can be searched).
The QR code comes from segno (pure Python, no dependencies); its modules are drawn here as one filled path, so
the page holds exactly segno's matrix. Drawn like the /report chart: a Figure on an Agg canvas, no pyplot, the
bundled Noto Sans CJK font (bot/charts.py), in a worker thread after the turn's commit.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.charts import cjk_family

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

A4_IN = (8.27, 11.69)  # 210 × 297 mm
PNG_DPI = 200  # 1654 × 2339 pixels: sharp on A4
QR_ERROR = "m"  # 15% of the code may be smudged or torn and it still reads
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules
QR_WIDTH = 0.56  # of the page's width (about 12 cm with its quiet zone)
QR_TOP = 0.775  # in figure fractions, from the bottom
QR_BOX = (0.5 - QR_WIDTH / 2, QR_TOP - QR_WIDTH * A4_IN[0] / A4_IN[1], QR_WIDTH, QR_WIDTH * A4_IN[0] / A4_IN[1])
BAND = "#b03a2e"  # the title band; prints as a dark grey in black and white
MARGIN = 0.06  # of the page's width, on each side of a line of text
_pdf_lock = threading.Lock()


@dataclass(frozen=True)
class Poster:
    """Everything the poster says, already in the language it is printed in."""

    community: str
    title: str
    subtitle: str
    lines: tuple[str, ...]  # what residents can ask for
    scan_hint: str
    link: str
    footer: str


def qr_matrix(link: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules for `link`, dark = True, without the quiet zone: what the poster draws."""
    import segno

    code = segno.make(link, error=QR_ERROR, micro=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def _runs(row: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    start = None
    for x, dark in enumerate((*row, False)):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            yield start, x - start
            start = None


def _draw_qr(fig: Figure, matrix: tuple[tuple[bool, ...], ...]) -> None:
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    size = len(matrix) + 2 * QR_BORDER
    ax = fig.add_axes(QR_BOX)
    ax.set_xlim(0, size)
    ax.set_ylim(size, 0)  # row 0 at the top, as segno gives it
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), size, size, facecolor="white", edgecolor="none"))
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for y, row in enumerate(matrix):
        for x, length in _runs(row):
            left, top = x + QR_BORDER, y + QR_BORDER
            vertices += [(left, top), (left + length, top), (left + length, top + 1), (left, top + 1), (left, top)]
            codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    # One path, every square wound the same way: a single fill, so no hairlines between neighbouring modules.
    ax.add_patch(PathPatch(Path(vertices, codes), facecolor="black", edgecolor="none", antialiased=False))


def _plain(text: str) -> str:
    """A name with a "$" in it must not switch matplotlib into math mode."""
    return text.replace("$", r"\$")


def _fitted(fig: Figure, y: float, text: str, size: float, font: FontProperties, **style: object) -> Text:
    """A centred line of text, made smaller until it fits between the margins."""
    artist = fig.text(0.5, y, _plain(text), ha="center", va="center", fontproperties=font, fontsize=size, **style)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    room = fig.bbox.width * (1 - 2 * MARGIN)
    width = artist.get_window_extent(renderer).width
    if width > room:
        artist.set_fontsize(size * room / width)
    return artist


def _sentences(text: str) -> list[str]:
    """A footer line per sentence (。 or ". ")."""
    return [part.strip() for part in re.split(r"(?<=。)|(?<=\.)\s+", text) if part and part.strip()]


def draw(poster: Poster) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Rectangle

    font = FontProperties(family=cjk_family())
    fig = Figure(figsize=A4_IN, dpi=PNG_DPI)
    FigureCanvasAgg(fig)
    fig.patches.append(Rectangle((0, 0.795), 1, 0.205, transform=fig.transFigure, facecolor=BAND, edgecolor="none"))
    _fitted(fig, 0.955, poster.community, 30, font, color="white")
    _fitted(fig, 0.885, poster.title, 64, font, color="white")
    _fitted(fig, 0.822, poster.subtitle, 22, font, color="white")
    _draw_qr(fig, qr_matrix(poster.link))
    _fitted(fig, QR_BOX[1] - 0.018, poster.scan_hint, 18, font)
    _fitted(fig, QR_BOX[1] - 0.042, poster.link, 12, font, color="#444444")
    for i, line in enumerate(poster.lines):
        _fitted(fig, 0.255 - i * 0.055, line, 26, font)
    footer = _sentences(poster.footer)
    for i, line in enumerate(footer):
        _fitted(fig, 0.045 + (len(footer) - 1 - i) * 0.025, line, 13, font, color="#444444")
    return fig


def render_poster(poster: Poster, fmt: str) -> bytes:
    """The poster as PNG or PDF bytes. CPU work: call it from a worker thread, never while holding a transaction."""
    import matplotlib

    if fmt not in ("png", "pdf"):
        raise ValueError(f"unknown poster format {fmt!r}")
    fig = draw(poster)
    buffer = io.BytesIO()
    if fmt == "png":
        fig.savefig(buffer, format="png", facecolor="white")
    else:
        metadata = {"Title": f"{poster.community} {poster.title}", "Subject": poster.link, "Creator": "Sanshe"}
        # pdf.fonttype 42 embeds the font's own outlines (Type 3 would draw each glyph as a little picture);
        # it is read from rcParams when the file is written, so it is set for that moment only, one PDF at a time.
        with _pdf_lock, matplotlib.rc_context({"pdf.fonttype": 42}):
            fig.savefig(buffer, format="pdf", facecolor="white", metadata=metadata)
    return buffer.getvalue()
