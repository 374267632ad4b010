"""Parse cell text into typed values, as polars expressions (pure, vectorised).

Every cell arrives as text (see etl/grid.py). Each parser returns a pair of
expressions: the typed value, and a problem (null when the cell is fine or
empty) naming what is wrong, in the words staff read in the quarantine list.
The forms accepted are those of the contract: Excel serials, 2026-10-05,
2026/10/5, 2026年10月5日, 20261005 (each optionally with a time), numbers as
text, full-width digits, thousands separators.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# Excel serial 1 is 1900-01-01 (with Excel's phantom 1900-02-29, so day 0 is 1899-12-30).
EXCEL_EPOCH = "1899-12-30"
# Serials of 1950-01-01 and 2099-12-31: anything else typed as a bare number is not a date.
SERIAL_MIN, SERIAL_MAX = 18264, 73415
YEAR_MIN, YEAR_MAX = 1950, 2099

_YMD = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}(?:\.\d+)?))?秒?)?$"
)
_COMPACT = r"^(\d{4})(\d{2})(\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
_SERIAL = r"^\d{5}(?:\.\d+)?$"
_YM = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"
_YM_COMPACT = r"^(\d{4})(\d{2})$"
_INT = r"^[+-]?\d+(?:\.0*)?$"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)$"
_SCIENTIFIC = r"^[+-]?\d(?:\.\d+)?[eE][+-]?\d+$"


@dataclass(frozen=True)
class Parsed:
    """A typed value and its problem (null when fine)."""

    value: pl.Expr
    problem: pl.Expr


def folded(name: str) -> pl.Expr:
    """Cell text with full-width forms folded (NFKC) and outer spaces dropped; '' → null."""
    s = pl.col(name).str.normalize("NFKC").str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def text(name: str) -> Parsed:
    """Free text: kept as written, outer spaces dropped."""
    s = pl.col(name).str.strip_chars()
    return Parsed(pl.when(s == "").then(None).otherwise(s), pl.lit(None, pl.String))


def code(name: str, known: pl.Series) -> Parsed:
    """A unit or team code that must be in the registry."""
    s = folded(name).str.replace_all(r"\s", "").str.replace(r"^(\d+)\.0+$", "${1}")
    problem = (
        pl.when(s.is_null())
        .then(None)
        .when(s.str.contains(_SCIENTIFIC))
        .then(pl.format("编码被 Excel 显示为科学计数法（{}），请把该列设为文本后重新导出", s))
        .when(~s.is_in(known.implode()))
        .then(pl.format("{} 不在单位名册中", s))
    )
    return Parsed(s, problem)


def integer(name: str) -> Parsed:
    s = _number_text(name)
    ok = s.str.contains(_INT)
    value = pl.when(ok).then(s.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False))
    return Parsed(value, pl.when(s.is_not_null() & ~ok).then(pl.format("「{}」不是整数", s)))


def number(name: str) -> Parsed:
    s = _number_text(name)
    ok = s.str.contains(_NUMBER)
    value = pl.when(ok).then(s.cast(pl.Float64, strict=False))
    return Parsed(value, pl.when(s.is_not_null() & ~ok).then(pl.format("「{}」不是数字", s)))


def _number_text(name: str) -> pl.Expr:
    # Thousands separators (1,234 or 1，234 folded to 1,234) and inner spaces go.
    return folded(name).str.replace_all(r"[,\s]", "")


def enum(name: str, allowed: tuple[str, ...]) -> Parsed:
    s = folded(name)
    bad = s.is_not_null() & ~s.is_in(pl.Series(allowed, dtype=pl.String).implode())
    listed = "、".join(allowed)
    return Parsed(
        pl.when(bad).then(None).otherwise(s),
        pl.when(bad).then(pl.format("「{}」不是可选值（可选：{}）", s, pl.lit(listed))),
    )


def boolean(name: str) -> Parsed:
    s = folded(name)
    bad = s.is_not_null() & ~s.is_in(pl.Series(["是", "否"]).implode())
    return Parsed(
        pl.when(s == "是").then(True).when(s == "否").then(False),
        pl.when(bad).then(pl.format("「{}」应填“是”或“否”", s)),
    )


def timestamp(name: str) -> Parsed:
    """A date with an optional time of day, in any of the contract's forms."""
    s = folded(name)
    ymd = s.str.extract_groups(_YMD)
    compact = s.str.extract_groups(_COMPACT)

    def field(i: int) -> pl.Expr:
        return pl.coalesce(ymd.struct.field(str(i)), compact.struct.field(str(i)))

    second = field(6).cast(pl.Float64, strict=False).floor().cast(pl.Int64).cast(pl.String)
    canonical = pl.format(
        "{}-{}-{} {}:{}:{}",
        field(1),
        field(2).str.zfill(2),
        field(3).str.zfill(2),
        pl.coalesce(field(4), pl.lit("0")).str.zfill(2),
        pl.coalesce(field(5), pl.lit("0")).str.zfill(2),
        pl.coalesce(second, pl.lit("0")).str.zfill(2),
    )
    from_text = canonical.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    serial = s.str.contains(_SERIAL)
    days = s.cast(pl.Float64, strict=False)
    from_serial = pl.lit(EXCEL_EPOCH).str.to_datetime("%Y-%m-%d", time_unit="us") + pl.duration(
        milliseconds=(days * 86_400_000).round(0).cast(pl.Int64)
    )
    in_range = days.is_between(SERIAL_MIN, SERIAL_MAX)
    value = pl.when(serial & in_range).then(from_serial).when(~serial).then(from_text)
    plausible = value.dt.year().is_between(YEAR_MIN, YEAR_MAX)
    value = pl.when(plausible).then(value)
    return Parsed(value, pl.when(s.is_not_null() & value.is_null()).then(_bad_date(s)))


def date(name: str) -> Parsed:
    p = timestamp(name)
    return Parsed(p.value.dt.date(), p.problem)


def month(name: str) -> Parsed:
    """A month (2026-10, 2026年10月, 202610, or any date in it) as its first day."""
    s = folded(name)
    ym = s.str.extract_groups(_YM)
    ymc = s.str.extract_groups(_YM_COMPACT)
    y = pl.coalesce(ym.struct.field("1"), ymc.struct.field("1"))
    m = pl.coalesce(ym.struct.field("2"), ymc.struct.field("2"))
    from_ym = pl.format("{}-{}-01", y, m.str.zfill(2)).str.to_date("%Y-%m-%d", strict=False)
    from_ym = pl.when(from_ym.dt.year().is_between(YEAR_MIN, YEAR_MAX)).then(from_ym)
    full = date(name).value.dt.truncate("1mo")
    value = pl.coalesce(from_ym, full)
    return Parsed(value, pl.when(s.is_not_null() & value.is_null()).then(_bad_date(s)))


def _bad_date(s: pl.Expr) -> pl.Expr:
    return pl.format("「{}」不是有效日期", s)
