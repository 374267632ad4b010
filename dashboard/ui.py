"""Small pieces the pages share: figures with their changes, tables, downloads, actors."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

from presentation import theme


def figure(col, label: str, value: float | None, prev: float | None, last_year: float | None,
           unit: str = "", kind: str = "count") -> None:  # fmt: skip
    """A headline figure with its change against last month, and last year in the help."""
    text = _text(value, unit, kind)
    mom = theme.change(value, prev)
    yoy = theme.change(value, last_year)
    col.metric(
        label,
        text,
        delta=None if mom is None else f"{theme.signed_pct(mom)} 环比".replace("−", "-"),
        help=f"上月：{_text(prev, unit, kind)}；去年同月：{_text(last_year, unit, kind)}"
        f"（同比 {theme.signed_pct(yoy)}）",
    )


def _text(value: float | None, unit: str, kind: str) -> str:
    if kind == "pct":
        return theme.pct(value)
    if kind == "rating":
        return theme.DASH if value is None else f"{value:.2f}{unit}"
    return theme.DASH if value is None else f"{theme.count(value)}{unit}"


def table(frame: pl.DataFrame, columns: dict[str, str], formats: dict[str, str] | None = None,
          height: int | str = "auto", key: str | None = None, **kw):  # fmt: skip
    """A read-only table with Chinese headers: `columns` maps frame column → header."""
    shown = frame.select([c for c in columns if c in frame.columns]).rename(
        {c: h for c, h in columns.items() if c in frame.columns}
    )
    # dates as dates (the browser would add a time of day to them)
    config = {
        name: st.column_config.DateColumn(format="YYYY-MM-DD")
        for name, dtype in shown.schema.items()
        if dtype == pl.Date
    }
    for c, fmt in (formats or {}).items():
        header = columns.get(c, c)
        if fmt == "pct":
            config[header] = st.column_config.NumberColumn(format="percent")
        elif fmt == "bar":
            config[header] = st.column_config.ProgressColumn(
                min_value=0, max_value=100, format="%.1f"
            )
        else:
            config[header] = st.column_config.NumberColumn(format=fmt)
    return st.dataframe(
        shown, hide_index=True, column_config=config, height=height, width="stretch", key=key, **kw
    )


def xlsx_bytes(frames: dict[str, pl.DataFrame]) -> bytes:
    """Frames as one workbook, a sheet each."""
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"strings_to_formulas": False}) as book:
        for sheet, frame in frames.items():
            frame.write_excel(book, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def download_xlsx(frames: dict[str, pl.DataFrame], file_name: str, label: str, key: str) -> None:
    """Offer frames as a workbook; it is written only when the button is clicked."""
    st.download_button(
        label,
        lambda: xlsx_bytes(frames),
        file_name=file_name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key,
        icon=":material/download:",
    )


class SerializedDeck:
    """A pydeck deck serialised once, to be shown by every session (`data.derived`).

    st.pydeck_chart reads a deck's JSON (`to_json()`), its tooltip (`_tooltip`)
    and `mapbox_key`; it is given the same, computed once instead of at every
    run of every session. tests/test_dashboard_load.py checks the overview's
    chart equals the deck's own serialisation.
    """

    def __init__(self, deck):
        self.spec = deck.to_json()
        self._tooltip = getattr(deck, "_tooltip", None)
        self.mapbox_key = getattr(deck, "mapbox_key", None)

    def to_json(self) -> str:
        return self.spec


def score_deck(units: pl.DataFrame) -> SerializedDeck | None:
    """The overview's map: units coloured by their score in their towns; None if no unit.

    Without the activity heat map (the map page has it): drawing that layer cost each
    browser about 4 s of CPU (bench/bench_load.py), twice the rest of the map."""
    from presentation import charts

    if units.is_empty():
        return None
    return SerializedDeck(charts.county_map(units, None, "score", "考评得分", theme.score))


def me():
    """The signed-in user (app.py refuses every page to anyone else)."""
    return st.session_state["_user"]
