"""Text from exports, forms, the database and files, made inert wherever it is shown.

Such text is data, never markup: a unit, a theme or a reason reads as the
characters it holds. Each output has its own way of turning text into
markup, so each has one function here:

- `md`: Streamlit's Markdown (st.markdown, st.caption, alerts, st.table cells,
  widget labels and options), which renders links, bare URLs, images from any
  URL, :directives:, $math$ and HTML entities;
- `markup`: plotly's HTML subset (legends, titles, tick labels, hovers), which
  renders <a href>, <b>, <i>, <br>, <span style>… and decodes &lt; &gt; &amp;;
- `cell`: spreadsheet cells, where = + - @ (and a leading tab or CR) start a
  formula (OWASP's CSV injection advice: prefix them with an apostrophe).
"""

from __future__ import annotations

import html
import re

import polars as pl

# CommonMark lets a backslash escape any ASCII punctuation, which then reads literally:
# no link, image, emphasis, heading, list, table, HTML tag, entity, directive or math.
_MD_PUNCT = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# GitHub's autolinks are found in the text after escapes are read (Streamlit's
# remark-gfm): an invisible word joiner keeps http://, www. and a@b.c from matching.
_AUTOLINK = re.compile(r"(?i)(https?(?=:)|www(?=\.)|@)")
JOINER = "\u2060"


def md(value: object) -> str:
    """`value` as Markdown that shows exactly its characters (one paragraph, lines kept)."""
    text = _AUTOLINK.sub(lambda m: m.group(1) + JOINER, str(value))
    lines = [_MD_PUNCT.sub(r"\\\1", line) for line in text.splitlines() if line.strip()]
    # a backslash at the end of a line is a hard line break; no blank line ends the paragraph
    return "\\\n".join(lines)


def markup(value: object) -> str:
    """`value` for plotly's HTML subset: & < > as entities, which plotly.js shows as characters."""
    return html.escape(str(value), quote=False)


def cell(value: str) -> str:
    """Text a spreadsheet will never evaluate: a formula-like start gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` through `cell`, for a workbook or a CSV."""
    text = [n for n, t in frame.schema.items() if t in (pl.String, pl.Categorical) or t == pl.Enum]
    starts = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"
    return frame.with_columns(
        pl.when(pl.col(n).cast(pl.String).str.contains(starts))
        .then(pl.lit("'") + pl.col(n).cast(pl.String))
        .otherwise(pl.col(n).cast(pl.String))
        .alias(n)
        for n in text
    )


def markups(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` through `markup` (vectorised), for a chart."""
    return frame.with_columns(
        pl.col(n)
        .cast(pl.String)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        for n, t in frame.schema.items()
        if t in (pl.String, pl.Categorical) or t == pl.Enum
    )
