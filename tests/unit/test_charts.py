"""The /report chart: Chinese text is drawn with the bundled subset of Noto Sans CJK (no empty boxes), the subset
covers every character our catalogues and GB2312 have, a system CJK font only fills in what the subset lacks, and an
empty period still gives a picture."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot import charts
from bot.charts import (
    FONT_FILE,
    NeedSeries,
    OrganizationBars,
    ReportChart,
    cjk_families,
    cjk_family,
    cjk_font_path,
    render_report,
)
from bot.config import PROJECT_ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chinese_chart(**changes: object) -> ReportChart:
    values: dict[str, object] = {
        "title": "阳光社区 本周报告（2026年11月23日 – 29日）",
        "needs_title": "各类求助数量",
        "bucket_labels": [f"11月{23 + n}日\n周{'一二三四五六日'[n]}" for n in range(7)],
        "needs": [NeedSeries("为老", [2, 1, 0, 3, 1, 0, 0], 0), NeedSeries("未匹配", [0, 1, 0, 0, 2, 0, 0], 11)],
        "organizations_title": "各机构表现",
        "organizations": [
            OrganizationBars("阳光社工服务中心", 0.8, 0.75, 4.5, ("80%", "75%", "4.5")),
            OrganizationBars("（无机构）", 0.5, None, None, ("50%", "—", "—")),
        ],
        "response_label": "响应率",
        "resolution_label": "解决率",
        "satisfaction_label": "满意度（1–5 分）",
        "no_data": "暂无数据",
    }
    values.update(changes)
    return ReportChart(**values)  # type: ignore[arg-type]


def missing_glyphs(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.fixture(autouse=True)
def bundled_font_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tests draw with the bundled font alone, whatever this host has installed: the same pixels everywhere."""
    monkeypatch.setattr(charts, "system_cjk_font_path", lambda: None)
    charts._registered_families.cache_clear()
    yield
    charts._registered_families.cache_clear()


def cmap() -> dict[int, str]:
    return TTFont(cjk_font_path(), lazy=True).getBestCmap()


def test_the_family_resolves_to_the_bundled_subset_inside_the_package() -> None:
    family = cjk_family()
    assert family == "Noto Sans CJK SC Sanshe" and cjk_families() == [family]
    found = Path(font_manager.findfont(FontProperties(family=family), fallback_to_default=False))
    assert found.name == FONT_FILE == "NotoSansCJKscSanshe-Regular.otf"
    assert found.resolve() == cjk_font_path().resolve()
    assert found.resolve().is_relative_to((PROJECT_ROOT / "bot").resolve())  # package data, not another package's
    assert (found.parent / "OFL.txt").read_text(encoding="utf-8").startswith(FONT_FILE)


def test_the_subset_is_small_and_has_gb2312_and_every_catalogue_character() -> None:
    assert cjk_font_path().stat().st_size < 4 * 2**20
    have = cmap()
    gb2312 = set()
    for high in range(0xB0, 0xF8):  # rows 16–87: the 6,763 hanzi
        for low in range(0xA1, 0xFF):
            try:
                gb2312.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    assert len(gb2312) == 6763
    assert sorted(ch for ch in gb2312 if ord(ch) not in have) == []
    # What a chart can show of ours: the catalogues' words and the sample catalogue. Emoji are not CJK's business.
    texts = [*PROJECT_ROOT.glob("locales/*/LC_MESSAGES/*.po"), *(PROJECT_ROOT / "bot" / "data").rglob("*.csv")]
    assert len(texts) >= 3
    cjk = {ch for path in texts for ch in path.read_text(encoding="utf-8") if is_cjk(ch)}
    assert len(cjk) > 500
    assert sorted(ch for ch in cjk if ord(ch) not in have) == [], "run tools/subset_cjk_font.py"


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x3000 <= code <= 0x303F or 0x3400 <= code <= 0x9FFF or 0xFF00 <= code <= 0xFFEF


def test_the_chart_text_is_drawn_from_the_bundled_font_not_boxes() -> None:
    """Every character of the chart's Chinese texts has a glyph of its own in the bundled file (not .notdef)."""
    chart = chinese_chart()
    texts = [chart.title, chart.needs_title, *chart.bucket_labels, *(n.label for n in chart.needs),
             chart.organizations_title, *(o.name for o in chart.organizations), chart.response_label,
             chart.resolution_label, chart.satisfaction_label, chart.no_data]  # fmt: skip
    have = cmap()
    wanted = {ch for text in texts for ch in text if not ch.isspace()}
    assert sorted(ch for ch in wanted if ord(ch) not in have) == []
    assert all(have[ord(ch)] != ".notdef" for ch in wanted)


def test_chinese_labels_render_without_missing_glyphs() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_report(chinese_chart())
    assert missing_glyphs(caught) == []
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000


def test_the_glyph_check_would_see_boxes() -> None:
    """The check above is not vacuous: matplotlib's default font has no Chinese and says so."""
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.suptitle("阳光社区", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert missing_glyphs(caught)


def test_an_empty_period_gives_a_chart_that_says_so() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_report(chinese_chart(needs=[], organizations=[]))
    assert missing_glyphs(caught) == []
    assert png.startswith(PNG_SIGNATURE)


def test_english_labels_and_a_dollar_in_a_name_render_too() -> None:
    chart = chinese_chart(
        title="阳光社区 · weekly report (Nov 23 – 29, 2026)",
        bucket_labels=[f"Nov {23 + n}\nMon" for n in range(7)],
        organizations=[OrganizationBars("Help $5 Club", 1.0, 1.0, 5.0, ("100%", "100%", "5"))],
        response_label="Response rate",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_report(chart)
    assert missing_glyphs(caught) == []
    assert png.startswith(PNG_SIGNATURE)


def test_a_character_beyond_the_subset_is_a_box_without_a_system_font() -> None:
    """喆 (a name character outside GB2312) is not in the subset: the glyph check sees it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_report(chinese_chart(organizations=[OrganizationBars("王喆工作室", 1.0, 1.0, 5.0, ("1", "1", "5"))]))
    assert any(f"Glyph {ord('喆')} " in message for message in missing_glyphs(caught))


def test_a_system_font_fills_in_what_the_subset_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a second font installed, matplotlib takes the glyph the subset lacks from it, per character. DejaVu
    stands in for the system's Noto CJK here: it has ŝ, which the subset does not."""
    dejavu = Path(font_manager.findfont(FontProperties(family="DejaVu Sans"), fallback_to_default=False))
    monkeypatch.setattr(charts, "system_cjk_font_path", lambda: dejavu)
    assert cjk_families() == ["Noto Sans CJK SC Sanshe", "DejaVu Sans"]
    assert ord("ŝ") not in cmap()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_report(chinese_chart(title="阳光社区 · ŝ"))
    assert missing_glyphs(caught) == []


def test_the_system_font_is_found_at_a_known_path_and_fc_matchs_substitute_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.undo()  # the real lookup, not the autouse fixture's stand-in
    installed = tmp_path / "NotoSansCJK-Regular.ttc"
    installed.write_bytes(b"")
    monkeypatch.setattr(charts, "SYSTEM_FONT_PATHS", (str(tmp_path / "absent.otf"), str(installed)))
    assert charts.system_cjk_font_path() == installed
    substitute = tmp_path / "DejaVuSans.ttf"
    substitute.write_bytes(b"")
    fc_match = tmp_path / "fc-match"
    fc_match.write_text(f"#!/bin/sh\nprintf %s '{substitute}'\n")
    fc_match.chmod(0o755)
    monkeypatch.setattr(charts, "SYSTEM_FONT_PATHS", ())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert charts.system_cjk_font_path() is None
    substitute.rename(tmp_path / "NotoSansCJKsc-Regular.otf")
    fc_match.write_text(f"#!/bin/sh\nprintf %s '{tmp_path / 'NotoSansCJKsc-Regular.otf'}'\n")
    assert charts.system_cjk_font_path() == tmp_path / "NotoSansCJKsc-Regular.otf"
