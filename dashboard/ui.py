"""Small pieces the pages share: figures with their changes, tables, downloads, actors.

Text from exports, forms, the database and files goes into Markdown (st.markdown,
st.caption, alerts, st.table, labels) only through `md` (presentation.plain):
it then reads as the characters it holds, never as a link, an image or markup.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from pathlib import Path

import polars as pl
import streamlit as st

from core import access, labels
from presentation import plain, readable, theme

md = plain.md  # the one way data enters Markdown on a page
DOWNLOAD_TTL_S = 600


def figure(col, label: str, value: float | None, prev: float | None, last_year: float | None,
           unit: str = "", kind: str = "count") -> None:  # fmt: skip
    """A headline figure with its change against last month, and last year in the help."""
    text = _text(value, unit, kind)
    mom = theme.delta(kind, value, prev)  # the theme's style: 个百分点 for rates, — for none
    col.metric(
        label,
        text,
        # Streamlit reads the sign from a leading "-"; red is better (theme.DELTA_COLOR)
        delta=None if prev is None or value is None else f"{mom} 环比".replace("−", "-"),
        delta_color=theme.DELTA_COLOR,
        delta_arrow="off" if mom == theme.DASH else "auto",
        help=f"上月：{_text(prev, unit, kind)}；去年同月：{_text(last_year, unit, kind)}"
        f"（同比 {theme.delta(kind, value, last_year)}）",
    )


def _text(value: float | None, unit: str, kind: str) -> str:
    if kind == "pct":
        return theme.pct(value)
    if kind == "rating":
        return theme.DASH if value is None else f"{value:.2f}{unit}"
    return theme.DASH if value is None else f"{theme.count(value)}{unit}"


ROW_PX = 35  # st.dataframe's row height (and its header's), pixels
FIT_ROWS = 25  # a group of up to this many units shows whole, with no scrolling inside
TEXT_PX = 14  # width of one Chinese character at the table's font size
TEXT_MAX_PX = 420  # the widest a text column gets (longer text wraps to "…" there)


def fit_height(rows: int, most: int = FIT_ROWS) -> int:
    """The height in pixels at which st.dataframe shows `rows` rows (at most `most`) and its
    header with no scroll bar inside: (rows + 1) × 35 + 3 (the border)."""
    return (max(min(rows, most), 1) + 1) * ROW_PX + 3


def _px(text: str) -> int:
    """The drawn width of text in the table's font: a Chinese character a full em, others
    about half."""
    return sum(TEXT_PX if unicodedata.east_asian_width(c) in "WF" else 8 for c in text)


def text_width(values: list, header: str) -> int:
    """A text column's width in pixels: its longest value or its header, whole."""
    longest = max([_px(str(v)) for v in values if v is not None] + [_px(header)])
    return min(longest + 20, TEXT_MAX_PX)


def is_blank(column: pl.Series) -> bool:
    """A column with nothing to show: every value empty, null or '—'."""
    if column.dtype == pl.String:
        return bool(column.is_empty() or column.str.strip_chars().fill_null("").is_in(
            ["", theme.DASH]).all())  # fmt: skip
    return column.null_count() == column.len()


def table(frame: pl.DataFrame, columns: dict[str, str], formats: dict[str, str] | None = None,
          height: int | str = "auto", key: str | None = None, keep_blank: bool = False,
          **kw):  # fmt: skip
    """A read-only table with Chinese headers: `columns` maps frame column → header.

    Text columns are as wide as their longest value (names are never cut to "…");
    columns with nothing in them are left out (unless `keep_blank`); up to FIT_ROWS rows
    show whole, without scrolling (`height` is for longer tables; "auto": FIT_ROWS rows)."""
    shown = frame.select([c for c in columns if c in frame.columns]).rename(
        {c: h for c, h in columns.items() if c in frame.columns}
    )
    if not keep_blank and shown.height:
        shown = shown.select([c for c in shown.columns if not is_blank(shown[c])] or shown.columns)
    # no None, nan or True/False in a cell: such columns become text in words, formatted here
    shown, worded = readable.cells(
        shown, {columns.get(c, c): f for c, f in (formats or {}).items()}
    )
    # dates as dates (the browser would add a time of day to them)
    config = {
        name: st.column_config.DateColumn(format="YYYY-MM-DD")
        for name, dtype in shown.schema.items()
        if dtype == pl.Date
    }
    config |= {
        name: st.column_config.TextColumn(width=text_width(shown[name].to_list(), name))
        for name, dtype in shown.schema.items()
        if dtype == pl.String
    }
    for c, fmt in (formats or {}).items():
        header = columns.get(c, c)
        if header not in shown.columns:
            continue
        if header in worded:
            config[header] = st.column_config.TextColumn(
                alignment="right", width=text_width(shown[header].to_list(), header)
            )
            continue
        if fmt == "pct":  # one decimal (theme): shown ×100, so 0.8462 reads 84.6%
            shown = shown.with_columns(pl.col(header) * 100)
            config[header] = st.column_config.NumberColumn(format=theme.DATAFRAME_PCT)
        elif fmt == "%d":  # counts with separators (theme)
            config[header] = st.column_config.NumberColumn(format=theme.DATAFRAME_COUNT)
        elif fmt == "bar":
            config[header] = st.column_config.ProgressColumn(
                min_value=0, max_value=100, format="%.1f"
            )
        else:
            config[header] = st.column_config.NumberColumn(format=fmt)
    if height == "auto" or shown.height <= FIT_ROWS:
        height = fit_height(shown.height)  # a given height is for longer tables
    return st.dataframe(
        shown, hide_index=True, column_config=config, height=height, width="stretch", key=key, **kw
    )


def static_table(frame: pl.DataFrame, **kw):
    """st.table (words wrap; its cells are Markdown) with every text cell shown literally."""
    frame, _ = readable.cells(frame)
    shown = frame.with_columns(
        pl.col(n).map_elements(md, return_dtype=pl.String)
        for n, t in frame.schema.items()
        if t == pl.String
    ).rename({n: md(n) for n in frame.columns})
    return st.table(shown, **kw)


def text_table(frame: pl.DataFrame, numeric: tuple[str, ...] = ()) -> None:
    """A small table of text (every cell already printed) as one HTML table: one element for
    the browser to draw, where st.table makes a Markdown element of every cell. Cells and
    headers are escaped here; `numeric` columns are right-aligned."""
    from html import escape

    def cell(tag: str, name: str, value) -> str:
        align = ' style="text-align:right"' if name in numeric else ""
        text = theme.DASH if value is None else " ".join(str(value).split())
        return f"<{tag}{align}>{escape(text)}</{tag}>"

    head = "".join(cell("th", n, n) for n in frame.columns)
    body = "".join(
        "<tr>" + "".join(cell("td", n, v) for n, v in zip(frame.columns, row, strict=True))
        + "</tr>"
        for row in frame.iter_rows()
    )  # fmt: skip
    st.markdown(
        f'<div>\n<table class="civic-text-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>\n</div>",
        unsafe_allow_html=True,
    )


def xlsx_bytes(frames: dict[str, pl.DataFrame]) -> bytes:
    """Frames as one workbook, a sheet each; text stays text (formula-like text neutralised
    with a leading apostrophe, as in the published workbook; no URL becomes a link)."""
    import xlsxwriter

    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buffer, options) as book:
        for sheet, frame in frames.items():
            plain.cells(frame).write_excel(book, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def _digest(frames: dict[str, pl.DataFrame]) -> str:
    """The frames' content (names, schema, every row, in order) as a short hash."""
    h = hashlib.blake2b(digest_size=16)
    for sheet, frame in frames.items():
        h.update(f"{sheet}\0{frame.schema}\0{frame.height}\0".encode())
        buffer = io.BytesIO()
        frame.write_ipc(buffer)
        h.update(buffer.getvalue())
    return h.hexdigest()


@st.cache_data(ttl=DOWNLOAD_TTL_S, max_entries=64, show_spinner=False)
def _workbook(digest: str, _frames: dict[str, pl.DataFrame]) -> bytes:
    return xlsx_bytes(_frames)


def download_xlsx(frames: dict[str, pl.DataFrame], file_name: str, label: str, key: str) -> None:
    """Offer frames as a workbook, built once for their content (shared by every session).

    Bytes, not a callable: Streamlit serves bytes under an address made from
    their content, the same in every rerun, so a button clicked while or after
    the page re-runs still gets its file; a callable's address is new at every
    run and is dropped when any run ends ("Deferred file not found")."""
    st.download_button(
        label,
        _workbook(_digest(frames), frames),
        file_name=file_name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key,
        icon=":material/download:",
        on_click="ignore",  # a download changes nothing on the page
    )


@st.cache_data(ttl=DOWNLOAD_TTL_S, max_entries=64, show_spinner=False)
def _file(path: str, mtime_ns: int, size: int) -> bytes:
    return Path(path).read_bytes()


def file_bytes(path: Path) -> bytes:
    """A file's bytes for a download button, read once while the file stays the same."""
    stat = path.stat()
    return _file(str(path), stat.st_mtime_ns, stat.st_size)


def prepared(key: str, token: str, label: str) -> bool:
    """For a file too costly to build at every run: a button that asks for it.

    True from the click on, as long as `token` (what the file is made of: the
    database version, the station, the year...) stays the same, so the file is
    built (cached) and offered as bytes in every later run."""
    state = f"_prepared-{key}"
    if st.session_state.get(state) == token:
        return True
    if st.button(label, key=f"{key}-prepare", icon=":material/description:"):
        st.session_state[state] = token
        return True
    return False


def svg(picture: str) -> None:
    """An SVG drawn by presentation (every text in it escaped there), inline so that its
    hover texts work. Not st.html: its sanitiser drops SVG. Inside a <div> block (the SVG
    is one line, with no blank line) Markdown passes it through as raw HTML, untouched."""
    st.markdown(f"<div>\n{picture}\n</div>", unsafe_allow_html=True)


def score_map(units: pl.DataFrame) -> str | None:
    """The overview's map as SVG: units coloured by their score in their towns; None if no
    unit.

    Not the deck.gl map of the 地图 page: without a GPU, drawing WebGL cost each browser
    seconds of CPU, a few hundred SVG shapes cost it milliseconds (bench/bench_load.py)."""
    from presentation import svg_map

    if units.is_empty():
        return None
    return svg_map.county_svg(units, "score", "考评得分", theme.score, width=600)


# Streamlit's uploader draws "Upload", "<n>MB per file • XLSX, …" and, while files are
# dragged over it, "Drag and drop files here" in English, with no option to change them
# (1.67): hidden (display:none, so that no English is in the page's
# text either) and said in Chinese by CSS content and the caption under it.
_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {display: none}
[data-testid="stFileUploaderDropzone"] button [data-has-shortcut]::after {content: "选择文件"}
[data-testid="stFileUploaderDropzoneInstructions"] span {display: none}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {content: "%s"}
[data-testid="stFileUploaderDropzone"] > input + div:not(:has(button)) * {display: none}
[data-testid="stFileUploaderDropzone"] > input + div:not(:has(button))::after {
  content: "松开鼠标即可添加文件"; font-size: 1rem;
}
</style>"""


def upload_limit_mb() -> int:
    """The largest file the uploader takes (MB): what `civic dashboard` set (civic.cli.serve)."""
    return int(st.get_option("server.maxUploadSize"))


def uploader(label: str, types: list[str], key: str):
    """st.file_uploader (several files) with its texts in Chinese and the limit in force."""
    hint = f"拖放文件到此处，或点击选择；单个文件不超过 {upload_limit_mb()} MB · " + "、".join(
        t.upper() for t in types
    )
    st.html(_UPLOADER_CSS % hint.replace('"', ""))
    return st.file_uploader(label, type=types, accept_multiple_files=True, key=key)


def refer(page: str, seen: str, unseen: str, action: str | None = None) -> str:
    """A text that sends the reader to a page, only if their role can open it (and take
    `action` there, when given): `seen` with {page} as 「<title>」; otherwise `unseen`, which
    says whom to ask. No page text names a page its reader cannot open."""
    user = st.session_state.get("_user")
    if access.sees(user, page) and (action is None or access.can(user, action)):
        return seen.format(page=f"「{labels.PAGES[page]}」")
    return unseen


def me():
    """The signed-in user (app.py refuses every page to anyone else)."""
    return st.session_state["_user"]


@st.cache_data(ttl=DOWNLOAD_TTL_S, max_entries=16, show_spinner="正在生成 PDF……")
def _notice_pdf(digest: str, _html: str) -> bytes:
    from publish import notice

    return notice.render_pdf(_html)


def notice_pdf(html: str) -> bytes:
    """A points notice's PDF (publish.notice), rendered once for its HTML."""
    return _notice_pdf(hashlib.sha256(html.encode("utf-8")).hexdigest(), html)
