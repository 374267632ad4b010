"""Charts as functions: data frame in, plotly figure out.

The dashboard shows these figures and the publisher renders them to PNG for
the briefing, so a chart looks the same wherever a leader meets it.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from civic import theme


def month_label(m: date) -> str:
    return f"{m.year}年{m.month}月" if m.month == 1 else f"{m.month}月"


def activities_by_platform(frame: pl.DataFrame, title: str = "各服务平台月度活动场次") -> go.Figure:
    """Stacked monthly activities per service platform.

    frame: month, platform, activities (one row per month and platform).
    """
    months = sorted(frame["month"].unique().to_list())
    labels = [month_label(m) for m in months]
    fig = go.Figure()
    for platform, colour in theme.PLATFORM_COLOURS.items():
        rows = frame.filter(pl.col("platform") == platform)
        by_month = dict(zip(rows["month"].to_list(), rows["activities"].to_list(), strict=True))
        fig.add_bar(
            name=platform,
            x=labels,
            y=[by_month.get(m, 0) for m in months],
            marker_color=colour,
            hovertemplate="%{x} " + platform + "：%{y:,}场<extra></extra>",
        )
    fig.update_layout(
        **theme.plotly_layout(title, barmode="stack", yaxis_title="活动（场）"),
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0, "font": {"size": 11}})
    return fig


def points_flow(frame: pl.DataFrame, title: str = "道德积分发放与兑换") -> go.Figure:
    """Points issued and redeemed per month (bars) and the outstanding balance (line).

    frame: month, points_issued, points_redeemed, balance_points.
    """
    frame = frame.sort("month")
    labels = [month_label(m) for m in frame["month"].to_list()]
    fig = go.Figure()
    fig.add_bar(
        name="发放积分",
        x=labels,
        y=frame["points_issued"].to_list(),
        marker_color=theme.ISSUED,
        hovertemplate="%{x} 发放：%{y:,}分<extra></extra>",
    )
    fig.add_bar(
        name="兑换积分",
        x=labels,
        y=frame["points_redeemed"].to_list(),
        marker_color=theme.REDEEMED,
        hovertemplate="%{x} 兑换：%{y:,}分<extra></extra>",
    )
    fig.add_scatter(
        name="未兑换余额（右轴）",
        x=labels,
        y=frame["balance_points"].to_list(),
        mode="lines+markers",
        line={"color": theme.BALANCE, "width": 2},
        yaxis="y2",
        hovertemplate="%{x} 余额：%{y:,}分<extra></extra>",
    )
    fig.update_layout(
        **theme.plotly_layout(
            title,
            barmode="group",
            yaxis_title="积分（分）",
            yaxis2={
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "tickformat": ",d",
                "rangemode": "tozero",
                "title": "余额（分）",
            },
        )
    )
    fig.update_layout(margin={"l": 70, "r": 80, "t": 56, "b": 40})
    return fig
