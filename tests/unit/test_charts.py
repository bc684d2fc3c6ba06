"""The /report chart: Chinese text is drawn with the bundled Noto Sans CJK font (no empty boxes), and an empty
period still gives a picture."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.charts import FONT_FILE, NeedSeries, OrganizationBars, ReportChart, cjk_family, cjk_font_path, render_report

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


def test_the_family_resolves_to_the_bundled_noto_cjk_file() -> None:
    family = cjk_family()
    assert family == "Noto Sans CJK SC"
    found = Path(font_manager.findfont(FontProperties(family=family), fallback_to_default=False))
    assert found.name == FONT_FILE == "NotoSansCJKsc-Regular.otf"
    assert found.resolve() == cjk_font_path().resolve()


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
