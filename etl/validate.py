"""Check rows of one export kind against the contract: typed rows in, or quarantine.

Pure: a frame of cell text (one column per contract key, plus lineage
columns `_file`, `_sheet_name`, `_row`, `_extra`) goes in; the accepted rows
with typed values and the rejected rows with their reason come out. A row is
rejected for its first problem, in column order, then row rules, then
duplicates within its file; every problem it has is listed beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

from core.contract import Column, Sheet
from etl import privacy, values

LINEAGE = ("_file", "_sheet_name", "_row", "_extra")

# reason codes, shown to staff through these labels
REASONS: dict[str, str] = {
    "missing_required": "必填项为空",
    "bad_date": "日期无效",
    "bad_number": "数字无效",
    "invalid_enum": "不是可选值",
    "unknown_unit_code": "单位编码未登记",
    "negative_count": "数量为负",
    "out_of_range": "超出范围",
    "wrong_sign": "积分正负不符",
    "date_order": "时间先后矛盾",
    "completed_before_ordered": "完成早于点单",
    "duplicate_row": "重复行",
    "missing_column": "缺少必填列",
    "overdrawn_redemption": "兑换超过积分余额",
    "duplicate_across_files": "与已报送记录重复",
    "implausible_value": "数值超出合理范围",
    "suspected_duplicate": "疑似重复录入",
}

_PROBLEM_KIND = {
    "date": "bad_date",
    "datetime": "bad_date",
    "month": "bad_date",
    "int": "bad_number",
    "number": "bad_number",
    "enum": "invalid_enum",
    "bool": "invalid_enum",
    "code": "unknown_unit_code",
    "text": "missing_required",
}


@dataclass(frozen=True)
class Validated:
    accepted: pl.DataFrame
    quarantine: pl.DataFrame


def stored_name(col: Column) -> str:
    """The raw-table column for a contract column: personal data is renamed to what it holds."""
    if col.personal == "name":
        return f"{col.key}_masked"
    if col.personal == "secret":
        return f"{col.key}_hash"
    return col.key


def parse(col: Column, known_codes: pl.Series) -> values.Parsed:
    kind = col.kind
    if kind == "code":
        return values.code(col.key, known_codes)
    if kind == "enum":
        return values.enum(col.key, col.enum)
    if kind == "bool":
        return values.boolean(col.key)
    parser = {
        "int": values.integer,
        "number": values.number,
        "date": values.date,
        "datetime": values.timestamp,
        "month": values.month,
    }.get(kind, values.text)
    return parser(col.key)


def _column_checks(col: Column, p: values.Parsed) -> tuple[pl.Expr, pl.Expr]:
    """(reason code, reason text) of a column's first problem, null when fine."""
    raw = pl.col(col.key).str.strip_chars()
    empty = raw.is_null() | (raw == "")
    code = pl.when(empty & pl.lit(col.required)).then(pl.lit("missing_required"))
    text = pl.when(empty & pl.lit(col.required)).then(pl.lit(f"必填列「{col.header}」为空"))
    kind = _PROBLEM_KIND[col.kind]
    code = code.when(p.problem.is_not_null()).then(pl.lit(kind))
    text = text.when(p.problem.is_not_null()).then(pl.format(f"「{col.header}」{{}}", p.problem))
    if col.minimum is not None:
        below = p.value < col.minimum
        negative = (p.value < 0) & pl.lit(col.minimum >= 0)
        code = code.when(negative).then(pl.lit("negative_count"))
        text = text.when(negative).then(pl.format(f"「{col.header}」不能为负数：{{}}", p.value))
        code = code.when(below).then(pl.lit("out_of_range"))
        text = text.when(below).then(
            pl.format(f"「{col.header}」不能小于 {col.minimum:g}：{{}}", p.value)
        )
    if col.maximum is not None:
        above = p.value > col.maximum
        lo = "" if col.minimum is None else f"{col.minimum:g}–"
        code = code.when(above).then(pl.lit("out_of_range"))
        text = text.when(above).then(
            pl.format(f"「{col.header}」超出范围（{lo}{col.maximum:g}）：{{}}", p.value)
        )
    return code, text


def _row_rules(sheet: Sheet) -> list[tuple[str, str, pl.Expr, pl.Expr]]:
    """Rules across columns of one row: (column, reason code, failing condition, text)."""

    def v(key: str) -> pl.Expr:
        return pl.col(f"_v_{key}")

    if sheet.key == "orders":
        rules = []
        for later, label in (
            ("dispatched_at", "派单时间"),
            ("accepted_at", "接单时间"),
            ("completed_at", "完成时间"),
        ):
            kind = "completed_before_ordered" if later == "completed_at" else "date_order"
            rules.append(
                (
                    later,
                    kind,
                    v(later) < v("ordered_at"),
                    pl.format(
                        f"「{label}」{{}} 早于「点单时间」{{}}",
                        _minute(v(later)),
                        _minute(v("ordered_at")),
                    ),
                )
            )
        return rules
    if sheet.key == "matters":
        return [
            (
                "resolved_date",
                "date_order",
                v("resolved_date") < v("accepted_date"),
                pl.format(
                    "「办结日期」{} 早于「受理日期」{}", v("resolved_date"), v("accepted_date")
                ),
            )
        ]
    if sheet.key == "points":
        wrong = ((v("category") == "扣分") & (v("points") > 0)) | (
            v("category").is_in(["基础分", "评议分", "贡献分"]) & (v("points") < 0)
        )
        return [
            (
                "points",
                "wrong_sign",
                wrong,
                pl.format(
                    "「积分」{} 与类别「{}」不符：扣分应为负数，其他类别应为正数",
                    v("points"),
                    v("category"),
                ),
            )
        ]
    return []


def _minute(e: pl.Expr) -> pl.Expr:
    return e.dt.strftime("%Y-%m-%d %H:%M")


def validate(sheet: Sheet, frame: pl.DataFrame, known_codes: pl.Series, secret: bytes) -> Validated:
    """Split a sheet's rows into accepted (typed) and quarantined (with reasons)."""
    frame = _with_all_columns(sheet, frame)
    frame = _protect_personal(sheet, frame, secret)
    frame, parsed = _parse_distinct(sheet, frame, known_codes)
    checks = {c.key: _column_checks(c, parsed[c.key]) for c in sheet.columns}
    work = frame.with_columns(
        *[p.value.alias(f"_v_{k}") for k, p in parsed.items()],
        *[code.alias(f"_c_{k}") for k, (code, _) in checks.items()],
        *[text.alias(f"_t_{k}") for k, (_, text) in checks.items()],
    )
    rules = _row_rules(sheet)
    work = work.with_columns(
        *[
            pl.when(pl.col(f"_c_{col}").is_null() & cond.fill_null(False))
            .then(pl.lit(kind))
            .alias(f"_rc_{i}")
            for i, (col, kind, cond, _) in enumerate(rules)
        ],
        *[
            pl.when(pl.col(f"_c_{col}").is_null() & cond.fill_null(False))
            .then(text)
            .alias(f"_rt_{i}")
            for i, (col, _, cond, text) in enumerate(rules)
        ],
    )
    order = [(c.key, f"_c_{c.key}", f"_t_{c.key}") for c in sheet.columns] + [
        (col, f"_rc_{i}", f"_rt_{i}") for i, (col, *_rest) in enumerate(rules)
    ]
    first_col = pl.coalesce([pl.when(pl.col(c).is_not_null()).then(pl.lit(k)) for k, c, _ in order])
    work = work.with_columns(
        _reason_code=pl.coalesce([pl.col(c) for _, c, _ in order]),
        _reason=pl.coalesce([pl.col(t) for _, _, t in order]),
        _column=first_col,
        _problems=pl.concat_str(
            [pl.col(t) for _, _, t in order], separator="；", ignore_nulls=True
        ),
    )
    work = _mark_duplicates(sheet, work)
    bad = pl.col("_reason_code").is_not_null()
    accepted = work.filter(~bad).select(
        *[pl.col(f"_v_{c.key}").alias(stored_name(c)) for c in sheet.columns],
        *[pl.col(c) for c in LINEAGE],
    )
    headers = {c.key: c.header for c in sheet.columns}
    quarantine = work.filter(bad).select(
        pl.col("_file"),
        pl.col("_sheet_name"),
        pl.col("_row"),
        pl.col("_column").alias("column_key"),
        pl.col("_column").replace_strict(headers, default=None).alias("column_header"),
        pl.col("_reason_code").alias("reason_code"),
        pl.col("_reason").alias("reason"),
        pl.col("_problems").alias("problems"),
        pl.struct([pl.col(c.key).alias(stored_name(c)) for c in sheet.columns])
        .map_batches(json_rows, return_dtype=pl.String)
        .alias("row_values"),
    )
    return Validated(accepted, quarantine)


def _parse_distinct(
    sheet: Sheet, frame: pl.DataFrame, known_codes: pl.Series
) -> tuple[pl.DataFrame, dict[str, values.Parsed]]:
    """Parse each typed column's distinct texts once and map them back onto the rows.

    A batch of a thousand files holds a few hundred distinct dates, codes and
    amounts; a date parser runs several regexes per cell, and eager polars
    evaluates an expression again wherever it is used (value, problem, range
    checks), so parsing the distinct texts is what keeps validation cheap.
    The parsed value and problem become columns `_pv_<key>` and `_pp_<key>`.
    """
    parsed: dict[str, values.Parsed] = {}
    added = []
    for c in sheet.columns:
        p = parse(c, known_codes)
        if c.kind == "text":
            parsed[c.key] = p
            continue
        distinct = frame.select(pl.col(c.key).unique().drop_nulls())
        table = distinct.select(
            pl.col(c.key), p.value.alias("value"), p.problem.cast(pl.String).alias("problem")
        )
        old = table[c.key]
        added.append(
            pl.col(c.key)
            .replace_strict(old, table["value"], default=None, return_dtype=table["value"].dtype)
            .alias(f"_pv_{c.key}")
        )
        # a null cell maps to the default: no value and no problem, as the parsers say
        added.append(
            pl.col(c.key)
            .replace_strict(old, table["problem"], default=None, return_dtype=pl.String)
            .alias(f"_pp_{c.key}")
        )
        parsed[c.key] = values.Parsed(pl.col(f"_pv_{c.key}"), pl.col(f"_pp_{c.key}"))
    return frame.with_columns(added), parsed


def _with_all_columns(sheet: Sheet, frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c.key for c in sheet.columns if c.key not in frame.columns]
    frame = frame.with_columns(*[pl.lit(None, pl.String).alias(k) for k in missing])
    for c in LINEAGE:
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(c))
    return frame


def _protect_personal(sheet: Sheet, frame: pl.DataFrame, secret: bytes) -> pl.DataFrame:
    out = []
    for c in sheet.columns:
        if c.personal == "name":
            out.append(privacy.mask_column(frame[c.key]))
        elif c.personal == "secret":
            out.append(privacy.hash_column(frame[c.key], secret))
    return frame.with_columns(out) if out else frame


def _mark_duplicates(sheet: Sheet, work: pl.DataFrame) -> pl.DataFrame:
    """A repeated natural key within one file: the first row stays, later ones are rejected."""
    keys = [f"_v_{k}" for k in sheet.natural_key]
    valid = pl.col("_reason_code").is_null()
    first_row = pl.when(valid).then(pl.col("_row")).min().over(["_file", "_sheet_name", *keys])
    dup = (
        valid
        & (pl.col("_row") != first_row)
        & pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    )
    labels = "」「".join(sheet.column(k).header for k in sheet.natural_key)
    text = pl.format(f"与第 {{}} 行的「{labels}」重复", first_row)
    return work.with_columns(
        _reason_code=pl.when(dup).then(pl.lit("duplicate_row")).otherwise(pl.col("_reason_code")),
        _reason=pl.when(dup).then(text).otherwise(pl.col("_reason")),
        _column=pl.when(dup).then(pl.lit(sheet.natural_key[-1])).otherwise(pl.col("_column")),
        _problems=pl.when(dup).then(text).otherwise(pl.col("_problems")),
    )


def json_rows(s: pl.Series) -> pl.Series:
    """Each row of a struct column as a JSON object of its non-empty values."""
    out = [
        json.dumps({k: v for k, v in row.items() if v not in (None, "")}, ensure_ascii=False)
        for row in s.to_list()
    ]
    return pl.Series(out, dtype=pl.String)
