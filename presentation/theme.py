"""One theme for every output: colours, fonts and number formats.

The dashboard, the published article, its images, the workbook and the
briefing all take their look and their number conventions from here, so a
platform has one colour everywhere and a figure reads the same in every file.

Number conventions (Chinese official writing): counts below 10,000 with
thousands separators (1,234), larger ones in 万 with two decimals (4.12万) and
亿 beyond; shares as percentages with one decimal; scores with one decimal.
"""

from __future__ import annotations

import math

from core.contract import PLATFORMS

# One colour per service platform (same order as the contract).
PLATFORM_COLOURS: dict[str, str] = dict(
    zip(
        PLATFORMS,
        (
            "#C0392B",  # 理论政策宣讲: party red
            "#D68910",  # 高质量发展
            "#2E86C1",  # 教育科技
            "#17A589",  # 卫生健康
            "#6C3483",  # 法律援助
            "#CA6F1E",  # 文体旅游
            "#B03A2E",  # 时代新风传播
            "#229954",  # 生态环境保护
            "#E75480",  # 爱心公益奉献
        ),
        strict=True,
    )
)
# Series without a colour of their own (projects, themes, units), in this order.
SERIES = ("#B22222", "#2E86C1", "#D68910", "#229954", "#6C3483", "#17A589", "#7F8C8D", "#E75480")
TIER_COLOURS = {"优秀": "#1E8449", "良好": "#2874A6", "一般": "#B9770E", "较差": "#A93226"}

INK = "#1F2328"
MUTED = "#6A737D"
ACCENT = "#B22222"  # headings and the masthead rule, as in the county's news app
RULE = "#E1E4E8"
BAND = "#FBF4F2"  # zebra rows
ISSUED = "#C0392B"  # points issued
REDEEMED = "#2E86C1"  # points redeemed
BALANCE = "#7F8C8D"

# Fonts: the browser renders with Noto (fonts-noto-cjk); the office PCs open
# .docx/.xlsx in Word/WPS, which have Microsoft YaHei.
FONT_CSS = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
FONT_OFFICE = "Microsoft YaHei"

# Excel number formats for the same conventions.
XLSX_FORMATS = {
    "count": "#,##0",
    "decimal": "#,##0.0",
    "score": "0.0",
    "pct": "0.0%",
    "ratio": "0.000",
    "decimal2": "#,##0.00",
    "change": '+0.0;"−"0.0;"—"',  # a change in score points; no change reads —
}

DASH = "—"


def count(n: float | None) -> str:
    """1,234 / 4.12万 / 1.35亿; None → —."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return DASH
    if abs(n) >= 1e8:
        return f"{n / 1e8:.2f}亿"
    if abs(n) >= 1e4:
        return f"{n / 1e4:.2f}万"
    if float(n).is_integer():
        return f"{int(n):,}"
    return f"{n:,.1f}"


def pct(x: float | None, digits: int = 1) -> str:
    """A share as 61.5%; None → —."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    return f"{x * 100:.{digits}f}%"


def score(x: float | None) -> str:
    """A score with one decimal; None (未报送) → —."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    return f"{x:.1f}"


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change, or None when there is nothing to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return current / previous - 1


def change_words(current: float | None, previous: float | None, compared: str = "") -> str:
    """'增长5.2%' / '下降3.1%' / '持平' / '' (nothing to compare), optionally '比上月增长…'."""
    c = change(current, previous)
    if c is None:
        return ""
    if round(c * 100, 1) == 0:
        return f"{compared}持平"
    return f"{compared}{'增长' if c > 0 else '下降'}{abs(c) * 100:.1f}%"


def signed_pct(c: float | None) -> str:
    """+5.2% / −3.1% for a change; None → —."""
    if c is None:
        return DASH
    return f"{'+' if c >= 0 else '−'}{abs(c) * 100:.1f}%"


def plotly_layout(title: str, **extra) -> dict:
    """The common layout of every chart: fonts, colours, margins, legend below."""
    layout = {
        "title": {"text": title, "font": {"size": 18, "color": INK}, "x": 0.02},
        "font": {"family": FONT_CSS, "size": 13, "color": INK},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 60, "r": 20, "t": 56, "b": 40},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "separators": ".,",
        "xaxis": {"gridcolor": RULE, "linecolor": RULE},
        "yaxis": {"gridcolor": RULE, "linecolor": RULE, "tickformat": ",d", "rangemode": "tozero"},
    }
    layout.update(extra)
    return layout
