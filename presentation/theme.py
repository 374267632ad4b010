"""One theme for every output: colours, fonts and number formats.

The dashboard, the published article, its images, the workbook and the
briefing all take their look and their number conventions from here, so a
platform has one colour everywhere and a figure reads the same in every file.

Number conventions (Chinese official writing), the one style of every output:

- counts below 10,000 with thousands separators (1,234), larger ones in 万 with
  two decimals (4.12万) and 亿 beyond (`count`);
- shares as percentages with one decimal, always (61.5%, never 62% or 61.54%):
  `pct`, and `XLSX_FORMATS["pct"]` / `DATAFRAME_PCT` for spreadsheets and tables;
- scores with one decimal (`score`);
- a change of a count as a relative change with one decimal (+5.2% / −3.1%); a
  change of a rate as the difference in 个百分点 (点单完成率 +8.2 个百分点, never
  the relative "+9.8%"); a change of a rating as the difference in 分 (`delta`);
- no change is "—" (`DASH`), never "+0.0%" or an arrow: a change that rounds
  to zero at the shown precision is no change;
- booleans as 是/否 (`yes_no`), never True/False;
- the data's date as "数据截至 2026年11月5日 18:20，共 11,662 个报送文件"
  (`as_of`); the data snapshot's hash belongs in the manifest only.

Colours of changes: red (GAIN) is better, green (LOSS) is worse, in every
output (article, ranking images, briefing charts such as the waterfall,
dashboard). This is the Chinese convention (红 for rising and for honour, as
in 红榜) and it applies to "better", not to the sign: a rank that rises, a
score or a count that grows is red; a place lost is green. Where a smaller
figure is better (a backlog), `change_colour(..., higher_is_better=False)`
turns it round. The dashboard's st.metric shows it with DELTA_COLOR.
"""

from __future__ import annotations

import math
from datetime import datetime

from core.contract import PLATFORMS

# One colour per service platform (same order as the contract): every pair at least
# 20 apart in CIEDE2000 (tests/test_charts.py), so no two platforms read as one colour.
PLATFORM_COLOURS: dict[str, str] = dict(
    zip(
        PLATFORMS,
        (
            "#C0392B",  # 理论政策宣讲: party red
            "#E69F00",  # 高质量发展: amber
            "#2E86C1",  # 教育科技: blue
            "#17A589",  # 卫生健康: teal
            "#8E44AD",  # 法律援助: purple
            "#0E6655",  # 文体旅游: dark teal
            "#1B2631",  # 时代新风传播: ink navy
            "#7CB342",  # 生态环境保护: leaf green
            "#F06292",  # 爱心公益奉献: pink
        ),
        strict=True,
    )
)
# Series without a colour of their own (projects, themes, units), in this order.
# As distinct as the platforms' (tests/test_charts.py).
SERIES = ("#B22222", "#2E86C1", "#E69F00", "#7CB342", "#8E44AD", "#17A589", "#1B2631", "#F06292")
TIER_COLOURS = {"优秀": "#1E8449", "良好": "#2874A6", "一般": "#B9770E", "较差": "#A93226"}

# Changes: red is better, green is worse (see the module's docstring).
GAIN = "#C0392B"
LOSS = "#1E8449"
# st.metric's delta_color that paints an increase GAIN (red) and a decrease LOSS (green)
DELTA_COLOR = "inverse"

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

# Streamlit table (NumberColumn) formats for the same conventions: a share is
# shown ×100 with this format ("84.6%"), a count with separators.
DATAFRAME_PCT = "%.1f%%"
DATAFRAME_COUNT = "%,d"

DASH = "—"
PP = "个百分点"


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


def pct(x: float | None) -> str:
    """A share as 61.5% (one decimal, always); None → —."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    return f"{x * 100:.1f}%"


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


def _signed(x: float, digits: int) -> str:
    """+1.2 / −1.2 at `digits` decimals; a value that rounds to zero → —."""
    if round(abs(x), digits) == 0:
        return DASH
    return f"{'+' if x > 0 else '−'}{abs(x):,.{digits}f}"


def signed_pct(c: float | None) -> str:
    """+5.2% / −3.1% for a relative change; no change (rounds to 0.0%) or None → —."""
    if c is None or (isinstance(c, float) and math.isnan(c)):
        return DASH
    shown = _signed(c * 100, 1)
    return shown if shown == DASH else f"{shown}%"


def pp(current: float | None, previous: float | None) -> str:
    """The change of a rate in 个百分点: 0.924 against 0.842 → '+8.2 个百分点'; — when none."""
    if current is None or previous is None:
        return DASH
    shown = _signed((current - previous) * 100, 1)
    return shown if shown == DASH else f"{shown} {PP}"


def delta(kind: str, current: float | None, previous: float | None) -> str:
    """A figure's change in its kind's style: a count's relative change (+5.2%), a rate's
    difference in 个百分点, a rating's difference in 分 (two decimals); — for none."""
    if kind == "pct":
        return pp(current, previous)
    if kind == "rating":
        if current is None or previous is None:
            return DASH
        shown = _signed(current - previous, 2)
        return shown if shown == DASH else f"{shown}分"
    return signed_pct(change(current, previous))


def change_colour(
    current: float | None, previous: float | None, higher_is_better: bool = True
) -> str | None:
    """GAIN (red) when the figure got better, LOSS (green) when worse, None for no change."""
    if current is None or previous is None or current == previous:
        return None
    return GAIN if (current > previous) == higher_is_better else LOSS


def yes_no(flag: bool | None) -> str:
    """是 / 否; None → —."""
    if flag is None:
        return DASH
    return "是" if flag else "否"


def long_date(at: datetime) -> str:
    """2026年11月5日 18:20."""
    return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"


def as_of(latest: datetime | None, files: int) -> str:
    """The data-as-of line: '数据截至 2026年11月5日 18:20，共 11,662 个报送文件'."""
    if latest is None:
        return f"数据截至：尚无报送文件（共 {files:,} 个报送文件）"
    return f"数据截至 {long_date(latest)}，共 {files:,} 个报送文件"


def nice_step(high: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 × 10^k) giving about `ticks` intervals up to `high`."""
    if not high or high <= 0 or math.isnan(high):
        return 1.0
    raw = high / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def nice_axis(high: float | None, ticks: int = 5) -> dict:
    """A y axis from 0 to a round top with round ticks (never 903,569): range and dtick."""
    step = nice_step(high or 0, ticks)
    top = step * max(1, math.ceil((high or 0) / step))
    return {"range": [0, top], "dtick": step, "tick0": 0}


def plotly_layout(title: str, **extra) -> dict:
    """The common layout of every chart: fonts, colours, margins, legend below."""
    layout = {
        "title": {"text": title, "font": {"size": 18, "color": INK}, "x": 0.02},
        "font": {"family": FONT_CSS, "size": 13, "color": INK},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        # room on both sides for the first and last tick labels (2026年<br>1月); automargin
        # grows them further when a label needs it
        "margin": {"l": 60, "r": 30, "t": 56, "b": 40},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "separators": ".,",
        "xaxis": {"gridcolor": RULE, "linecolor": RULE, "automargin": True},
        "yaxis": {
            "gridcolor": RULE,
            "linecolor": RULE,
            "tickformat": ",d",
            "rangemode": "tozero",
            "automargin": True,
        },  # fmt: skip
    }
    layout.update(extra)
    return layout
