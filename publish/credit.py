"""The credit-rating export (道德积分与评级授信挂钩) and the cooperative's join.

The rural credit cooperative weighs each household's moral points and stars
in its household credit rating. The export has one row per household and
year. Neither side hands over ID numbers: the export carries the keyed hash
of the head's ID number that the database already holds (etl.privacy), and
the cooperative's list, which has ID numbers in clear, is hashed by the same
code under the same key here, so the two meet on the hash. The joined
workbook drops the cooperative's ID column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from core import settings
from core.contract import normalize_header
from etl.grid import UnreadableFile, read_grids
from etl.privacy import HASH_HEX, canonical_secret, keyed_hash
from presentation import theme
from publish.render_xlsx import Sheets


class CreditError(ValueError):
    """The export or the join cannot be made; the message says why, in Chinese."""


# --- the export ----------------------------------------------------------------------------

_ROWS = """
with ledger as (
    -- the ledger's own event order (etl/rules.py): points, then a clearing, then
    -- redemptions within a day; then entry_id, file, row
    select
        *,
        case event_kind when 'clear' then 1 when 'redeem' then 2 else 0 end as kind_order
    from int_household_ledger
    where event_date <= $year_end
        and ($members::varchar[] is null or list_contains($members::varchar[], unit_code))
),

ordered as (
    select
        unit_code,
        household_id,
        event_date,
        balance_after,
        row_number() over (
            partition by unit_code, household_id, event_date < $year_start
            order by event_date desc, kind_order desc, entry_id desc,
                file_id desc nulls last, source_row desc nulls last
        ) as recency
    from ledger
),

carried as (
    select unit_code, household_id, balance_after as balance
    from ordered
    where event_date < $year_start and recency = 1
),

year_end as (
    -- the balance after the last event up to Dec 31, whichever year it fell in
    select unit_code, household_id, balance_after as balance
    from (
        select
            *,
            row_number() over (
                partition by unit_code, household_id
                order by event_date desc, kind_order desc, entry_id desc,
                    file_id desc nulls last, source_row desc nulls last
            ) as last_event
        from ledger
    )
    where last_event = 1
),

households as (
    select distinct unit_code, household_id from ledger where event_date >= $year_start
    union
    select unit_code, household_id from carried where balance > 0
),

entries as (
    select
        unit_code,
        household_id,
        sum(points) filter (where is_issued and points > 0) as points_issued,
        -sum(points) filter (where is_issued and points < 0) as points_deducted
    from fct_points_entry
    where entry_date between $year_start and $year_end
    group by all
),

redeemed as (
    select unit_code, household_id, sum(points) as points_redeemed
    from fct_redemption
    where redeemed_date between $year_start and $year_end
    group by all
),

people as (
    -- the ID hash and name as of the year's end; a household whose ID was first
    -- sent later still gets the first one sent, so that it can be matched
    select
        unit_code,
        household_id,
        coalesce(
            arg_max(id_number_hash, (entry_date, entry_id)) filter (
                where id_number_hash is not null and entry_date <= $year_end),
            arg_min(id_number_hash, (entry_date, entry_id)) filter (
                where id_number_hash is not null and entry_date > $year_end)
        ) as id_hash,
        coalesce(
            arg_max(head_name_masked, (entry_date, entry_id)) filter (
                where head_name_masked is not null and entry_date <= $year_end),
            arg_min(head_name_masked, (entry_date, entry_id)) filter (
                where head_name_masked is not null and entry_date > $year_end)
        ) as head_name_masked
    from fct_points_entry
    group by all
),

ratings as (
    -- the latest rating sent by the year's end; a month whose sheet left the
    -- stars blank does not erase an earlier rating
    select
        unit_code,
        household_id,
        arg_max(stars, submitted_month) as stars,
        arg_max(required_stars_met, submitted_month) as required_stars_met,
        max(submitted_month) as rated_month
    from fct_household_rating
    where submitted_month <= $year_end and stars is not null
    group by all
),

clearings as (
    -- a household is barred after its first clearing of the year; a later one clears 0
    select
        unit_code,
        household_id,
        arg_min(cleared_date, (cleared_date, entry_id)) as cleared_date,
        arg_min(source, (cleared_date, entry_id)) as clear_source,
        arg_min(reason, (cleared_date, entry_id)) as clear_reason
    from fct_clearing
    where year = $year
    group by all
),

final as (
    select
        t.name as town,
        s.name as station,
        h.unit_code,
        h.household_id,
        coalesce(fh.head_name_masked, p.head_name_masked) as head_name_masked,
        p.id_hash,
        cast(coalesce(e.points_issued, 0) as bigint) as points_issued,
        cast(coalesce(e.points_deducted, 0) as bigint) as points_deducted,
        cast(coalesce(r.points_redeemed, 0) as bigint) as points_redeemed,
        cast(coalesce(b.balance, 0) as bigint) as balance_points,
        cast(g.stars as integer) as stars,
        g.required_stars_met,
        g.rated_month,
        c.cleared_date is not null as cleared,
        c.cleared_date,
        c.clear_source,
        c.clear_reason
    from households as h
    left join ref_unit as s on s.code = h.unit_code
    left join ref_unit as t on t.code = s.parent_code
    left join fct_household as fh using (unit_code, household_id)
    left join people as p using (unit_code, household_id)
    left join entries as e using (unit_code, household_id)
    left join redeemed as r using (unit_code, household_id)
    left join year_end as b using (unit_code, household_id)
    left join ratings as g using (unit_code, household_id)
    left join clearings as c using (unit_code, household_id)
)

select * from final order by unit_code, household_id
"""

CREDIT_SCHEMA = {
    "town": pl.String,
    "station": pl.String,
    "unit_code": pl.String,
    "household_id": pl.String,
    "head_name_masked": pl.String,
    "id_hash": pl.String,
    "points_issued": pl.Int64,
    "points_deducted": pl.Int64,
    "points_redeemed": pl.Int64,
    "balance_points": pl.Int64,
    "stars": pl.Int32,
    "required_stars_met": pl.Boolean,
    "rated_month": pl.Date,
    "cleared": pl.Boolean,
    "cleared_date": pl.Date,
    "clear_source": pl.String,
    "clear_reason": pl.String,
}


def credit_rows(con, year: int, members: list[str] | None = None) -> pl.DataFrame:
    """One row per household with points events in `year` or a balance carried into it.

    members: station codes to keep (None: every station). Points issued and
    deducted are the year's issued entries (after a 清零 nothing counts, as in
    the ledger); the balance is the ledger's after the last event up to Dec 31;
    stars are the latest rating sent by then; id_hash is null when no ID number
    was ever sent for the household.
    """
    params = {
        "year": year,
        "year_start": date(year, 1, 1),
        "year_end": date(year, 12, 31),
        "members": list(members) if members is not None else None,
    }
    frame = con.sql(_ROWS, params=params).pl()
    return frame.cast(CREDIT_SCHEMA).select(list(CREDIT_SCHEMA))


def town_members(con, town_code: str) -> tuple[str, list[str]]:
    """A town's (institute's) name and its station codes; CreditError if it is not one."""
    rows = con.sql(
        "select name from ref_unit where code = $c and kind = 'institute'",
        params={"c": town_code},
    ).fetchall()
    if not rows:
        raise CreditError(f"{town_code} 不是登记的乡镇（实践所）编码")
    stations = con.sql(
        "select code from ref_unit where parent_code = $c and kind = 'station' order by code",
        params={"c": town_code},
    ).fetchall()
    return rows[0][0], [r[0] for r in stations]


_UNIT_SUFFIX = r"新时代文明实践(所|站|中心)$"


def short_name(name: str | None) -> str:
    """打柴沟镇新时代文明实践所 → 打柴沟镇: the town or village as the cooperative knows it."""
    if not name:
        return ""
    return re.sub(_UNIT_SUFFIX, "", name) or name


def _short(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(_UNIT_SUFFIX, "")


_NOTE_WIDTH = 96  # the 说明 sheet's text column, in characters

# (frame column, header, kind, width); kind: text, count, date, month, bool
EXPORT_COLUMNS: list[tuple[str, str, str, int]] = [
    ("town", "县/乡镇", "text", 20),
    ("station", "实践站", "text", 14),
    ("household_id", "户编号", "text", 12),
    ("head_name_masked", "户主(脱敏)", "text", 10),
    ("id_hash", "身份证号密文", "text", 35),
    ("points_issued", "年度获得积分", "count", 12),
    ("points_deducted", "年度扣减", "count", 10),
    ("points_redeemed", "年度兑换", "count", 10),
    ("balance_points", "年末余额", "count", 10),
    ("stars", "星级", "count", 6),
    ("required_stars_met", "必评星达标(是/否)", "bool", 12),
    ("rated_month", "评星月份", "month", 10),
    ("cleared", "是否清零", "bool", 9),
    ("cleared_date", "清零日期", "date", 12),
    ("clear_source", "清零来源", "text", 11),
    ("clear_reason", "清零原因", "text", 28),
]
EXPORT_HEADER = {col: header for col, header, _, _ in EXPORT_COLUMNS}

_MEANINGS = {
    "town": "农户所在乡镇（县名 + 乡镇）",
    "station": "农户所属的村（社区）新时代文明实践站",
    "household_id": "实践站为农户编的户号，只在本站内唯一",
    "head_name_masked": "户主姓名，中间的字以 * 隐去",
    "id_hash": "户主身份证号的加密哈希（HMAC-SHA256，取前 {n} 位十六进制），"
    "不含也不能还原身份证号；为空表示实践站从未报送该户身份证号，无法匹配",
    "points_issued": "本年度核发的加分合计（基础分、评议分、贡献分），清零之后的加分不计",
    "points_deducted": "本年度核发的扣分合计（以正数表示）",
    "points_redeemed": "本年度在爱心超市兑换使用的积分",
    "balance_points": "截至 12 月 31 日的积分余额（含以前年度结转；扣分最多扣到 0；清零后为 0）",
    "stars": "截至年底最近一次报送的星级户评定星数（0–10）",
    "required_stars_met": "三颗必评星（爱党爱国、遵规守法、诚实守信）是否全部达标",
    "rated_month": "该星级所在户信息表的报送月份",
    "cleared": "本年度是否因严重违规被清零（清零后当年不再获得积分）",
    "cleared_date": "清零日期",
    "clear_source": "台账：实践站积分台账中的清零记录；办公室录入：县中心办公室据通报录入",
    "clear_reason": "清零的事由",
}


def write_export(frame: pl.DataFrame, path: Path, year: int, county_name: str) -> Path:
    """The cooperative's workbook: a 说明 sheet and the 农户积分 data sheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = frame.with_columns(
        town=pl.lit(county_name) + _short(pl.col("town")).fill_null(""),
        station=_short(pl.col("station")),
    )
    n = frame.height
    with_hash = int(frame["id_hash"].is_not_null().sum())
    cleared = int(frame["cleared"].sum())
    book = _Book(path)
    notes = book.book.add_worksheet("说明")
    notes.set_column(0, 0, 22)
    notes.set_column(1, 1, _NOTE_WIDTH + 4)
    book.printed(notes)
    notes.write_string(0, 0, f"{county_name}{year}年度农户道德积分与星级（评级授信用）", book.title)
    facts = [
        ("年度", f"{year} 年（1 月 1 日至 12 月 31 日）"),
        ("生成时间", f"{datetime.now():%Y-%m-%d %H:%M:%S}"),
        ("农户数", f"{n:,} 户（本年度有积分记录，或有上年结转余额）"),
        ("有身份证号密文", f"{with_hash:,} 户"),
        (
            "缺身份证号密文",
            f"{n - with_hash:,} 户（无法与信用社名单匹配，请实践站补报户主身份证号）",
        ),
        ("本年度清零", f"{cleared:,} 户"),
        (
            "身份证号如何处理",
            "本表不含身份证号。「身份证号密文」是户主身份证号在县中心密钥下的 HMAC-SHA256 "
            f"哈希（前 {HASH_HEX} 位十六进制）：同一身份证号得到同一密文，密文不能还原为身份证号。",
        ),
        (
            "信用社如何匹配",
            "信用社的农户名单（含身份证号）用同一程序、同一密钥计算密文"
            "（civic credit --cooperative 名单文件），按密文与本表相连；"
            "结果表删去身份证号列，双方都不交换明文身份证号。身份证号中的空格、短横线、"
            "小写 x 不影响密文。",
        ),
        ("数据来源", "各实践站报送的积分台账、兑换台账、户信息表，以及县中心录入的清零记录"),
    ]
    top = len(facts) + 3
    meanings = [(h, _MEANINGS[c].format(n=HASH_HEX)) for c, h, _, _ in EXPORT_COLUMNS]
    notes.write_string(top, 0, "列名", book.header)
    notes.write_string(top, 1, "含义", book.header)
    for i, (k, v) in [*enumerate(facts, 2), *enumerate(meanings, top + 1)]:
        notes.write_string(i, 0, k, book.bold)
        notes.write_string(i, 1, v, book.wrap)
        # spreadsheets do not grow a row for wrapped text written by a program
        notes.set_row(i, 14 * (1 + (_display_width(v) - 1) // _NOTE_WIDTH))
    book.table(
        "农户积分",
        [(header, kind, width) for _, header, kind, width in EXPORT_COLUMNS],
        data.select([c for c, _, _, _ in EXPORT_COLUMNS]).iter_rows(),
    )
    book.close()
    return path


class _Book(Sheets):
    """The project's workbook writer with the 说明 sheet's formats; every table printable."""

    def __init__(self, path: Path):
        super().__init__(path)
        add, base = self.book.add_format, self.base
        self.title = add({**base, "bold": True, "font_size": 14, "font_color": theme.ACCENT})
        self.bold = add({**base, "bold": True})
        self.wrap = add({**base, "text_wrap": True})

    def table(self, name: str, columns: list[tuple[str, str, int]], rows: Iterable) -> int:
        return super().table(name, columns, rows, printable=True)


# --- the cooperative's list ----------------------------------------------------------------

ID_HEADERS = (
    "身份证号", "身份证号码", "证件号码", "户主身份证号", "户主身份证号码", "公民身份号码",
)  # fmt: skip
_ID_KEYS = {normalize_header(h) for h in ID_HEADERS}
HEADER_SEARCH_ROWS = 15
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")

MATCHED, NOT_FOUND, INVALID = "已匹配", "未找到", "身份证号无效"
STATUS_COLUMN = "匹配结果"
ROW_COLUMN = "原表行号"


def id_problem(value: str | None) -> str | None:
    """Why a text is not a valid 18-character ID number (GB 11643), or None if it is.

    The reason never repeats the number itself.
    """
    s = canonical_secret(value or "")
    if not s:
        return "身份证号为空"
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", s):
        return "身份证号被存成了数字（科学计数法），末几位已丢失：请把该列设为文本后重新填写"
    if len(s) == 15 and s.isdigit():
        return "是 15 位旧身份证号，请换成 18 位身份证号"
    if len(s) != 18:
        return f"身份证号应为 18 位，此处为 {len(s)} 位"
    if not _ID_SHAPE.match(s):
        return "身份证号前 17 位应为数字，最后一位为数字或 X"
    if s[17] != id_check_digit(s[:17]):
        return "身份证号校验位不符（号码有误或抄错）"
    return None


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel shows it: the header row's number + 1 for the first data row
    column: str
    reason: str


@dataclass
class MatchReport:
    file_name: str
    id_column: str
    rows_read: int = 0
    matched: int = 0
    not_found: int = 0
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)  # every row after the first
    duplicate_ids: int = 0  # ID numbers on more than one row
    ambiguous: list[Problem] = field(default_factory=list)  # one ID, several of our households
    masked_cells: list[Problem] = field(default_factory=list)  # ID numbers in other columns

    @property
    def invalid_rows(self) -> list[int]:
        return [p.row for p in self.invalid]

    @property
    def problems(self) -> list[Problem]:
        every = self.invalid + self.duplicates + self.ambiguous + self.masked_cells
        return sorted(every, key=lambda p: p.row)


def read_cooperative(coop_path: Path) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    """The list's headers, its data rows as (Excel row number, cells), and the ID column index.

    CreditError (with the file name) when the file cannot be read, is empty or
    has no ID-number column.
    """
    name = coop_path.name
    try:
        data = coop_path.read_bytes()
    except OSError as e:
        raise CreditError(f"{name}：无法读取文件（{e.strerror or e}）") from None
    if not data.strip():
        raise CreditError(f"{name}：文件是空的")
    try:
        grids = read_grids(name, data).grids
    except UnreadableFile as e:
        raise CreditError(f"{name}：{e}") from None
    for grid in grids:
        for i, cells in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
            keys = [normalize_header(c) for c in cells]
            id_cols = [j for j, k in enumerate(keys) if k in _ID_KEYS]
            if not id_cols:
                continue
            headers = _unique([str(c).strip() if c is not None else "" for c in cells])
            rows = []
            for r, row in enumerate(grid.rows[i + 1 :], i + 2):
                texts = [(str(v).strip() if v is not None else "") for v in row]
                if any(texts):
                    texts += [""] * (len(headers) - len(texts))
                    rows.append((r, texts[: len(headers)]))
            if not rows:
                raise CreditError(f"{name}：表中只有表头，没有农户数据")
            return headers, rows, id_cols[0]
    if not any(any(c not in (None, "") for c in row) for g in grids for row in g.rows):
        raise CreditError(f"{name}：文件是空的")
    raise CreditError(
        f"{name}：找不到身份证号列（表头应为 {'、'.join(ID_HEADERS[:4])} 之一，"
        f"在前 {HEADER_SEARCH_ROWS} 行内）"
    )


def _unique(headers: list[str]) -> list[str]:
    out: list[str] = []
    for j, h in enumerate(headers):
        h = h or f"第{j + 1}列"
        base, k = h, 2
        while h in out:
            h, k = f"{base}_{k}", k + 1
        out.append(h)
    return out


def match_cooperative(
    frame: pl.DataFrame, coop_path: Path, key: bytes
) -> tuple[pl.DataFrame, MatchReport]:
    """The cooperative's rows (ID column dropped) joined to our households on the ID hash.

    frame: credit_rows(). Each of the list's rows keeps its Excel row number and
    gets 匹配结果 已匹配 / 未找到 / 身份证号无效, and our household's columns
    (Chinese headers) when matched. Bad IDs are reported and do not stop the rest.
    """
    headers, rows, id_col = read_cooperative(coop_path)
    id_header = headers[id_col]
    report = MatchReport(coop_path.name, id_header, rows_read=len(rows))
    # every ID-like column goes, not only the one used for matching
    dropped = {j for j, h in enumerate(headers) if normalize_header(h) in _ID_KEYS}
    kept = [j for j in range(len(headers)) if j not in dropped]
    hashes: list[str | None] = []
    first_row: dict[str, int] = {}
    repeated: set[str] = set()
    for r, cells in rows:
        for j in kept:  # an ID number typed into another column stays out of the output too
            if cells[j] and id_problem(cells[j]) is None:
                report.masked_cells.append(Problem(r, headers[j], "此格是身份证号，结果中已隐去"))
                cells[j] = "（已隐去）"
        problem = id_problem(cells[id_col])
        if problem:
            report.invalid.append(Problem(r, id_header, problem))
            hashes.append(None)
            continue
        canonical = canonical_secret(cells[id_col])
        if canonical in first_row:
            repeated.add(canonical)
            where = f"与第 {first_row[canonical]} 行身份证号相同"
            report.duplicates.append(Problem(r, id_header, where))
        else:
            first_row[canonical] = r
        hashes.append(keyed_hash(canonical, key))
    report.duplicate_ids = len(repeated)
    coop = pl.DataFrame(
        {
            ROW_COLUMN: [r for r, _ in rows],
            **{headers[j]: _typed([cells[j] for _, cells in rows]) for j in kept},
            "_hash": hashes,
        },
        schema_overrides={ROW_COLUMN: pl.Int64, "_hash": pl.String},
    )
    ours = _ours(frame, set(coop.columns))
    joined = coop.join(
        ours, left_on="_hash", right_on="_id_hash", how="left", maintain_order="left"
    )
    status = (
        pl.when(pl.col("_hash").is_null())
        .then(pl.lit(INVALID))
        .when(pl.col("_found"))
        .then(pl.lit(MATCHED))
        .otherwise(pl.lit(NOT_FOUND))
    )
    joined = joined.with_columns(status.alias(STATUS_COLUMN))
    counts = joined.group_by(ROW_COLUMN).agg(pl.len(), pl.first(STATUS_COLUMN))
    report.matched = counts.filter(pl.col(STATUS_COLUMN) == MATCHED).height
    report.not_found = counts.filter(pl.col(STATUS_COLUMN) == NOT_FOUND).height
    for r, n in counts.filter(pl.col("len") > 1).select(ROW_COLUMN, "len").sort(ROW_COLUMN).rows():
        report.ambiguous.append(
            Problem(r, id_header, f"该身份证号对应本县 {n} 户（户主在多户出现），每户各列一行")
        )
    ordered = [ROW_COLUMN, *(headers[j] for j in kept), STATUS_COLUMN]
    ordered += [c for c in ours.columns if not c.startswith("_")]
    return joined.select(ordered), report


# an amount or a count; account numbers (long) and codes with leading zeros stay text
_AMOUNT = re.compile(r"^-?(0|[1-9]\d{0,11})(\.\d+)?$")


def _typed(values: list[str]) -> pl.Series:
    """A column of the list as numbers when every filled cell is an amount, else as text."""
    filled = [v for v in values if v]
    if filled and all(_AMOUNT.match(v) for v in filled):
        if all("." not in v for v in filled):
            return pl.Series([int(v) if v else None for v in values], dtype=pl.Int64)
        return pl.Series([float(v) if v else None for v in values], dtype=pl.Float64)
    return pl.Series([v or None for v in values], dtype=pl.String)


def _ours(frame: pl.DataFrame, taken: set[str]) -> pl.DataFrame:
    """Our households with an ID hash, under the export's Chinese headers."""
    names = {}
    for col, header, _, _ in EXPORT_COLUMNS:
        names[col] = header if header not in taken else f"{header}（本县）"
    return frame.filter(pl.col("id_hash").is_not_null()).select(
        pl.col("id_hash").alias("_id_hash"),
        pl.lit(True).alias("_found"),
        _short(pl.col("town")).alias(names["town"]),
        _short(pl.col("station")).alias(names["station"]),
        *(pl.col(c).alias(names[c]) for c, _, _, _ in EXPORT_COLUMNS[2:]),
    )


_KIND_BY_HEADER = {header: kind for _, header, kind, _ in EXPORT_COLUMNS}


def write_match(joined: pl.DataFrame, report: MatchReport, path: Path) -> Path:
    """The joined workbook: 匹配结果, 问题清单 (行号, 列, 原因) and 说明."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = _Book(path)
    columns = []
    for name in joined.columns:
        kind = _KIND_BY_HEADER.get(name.removesuffix("（本县）"), "text")
        if kind == "text" and joined[name].dtype.is_numeric():
            kind = "count" if joined[name].dtype.is_integer() else "number"
        columns.append((name, kind, _width(name, joined[name])))
    book.table("匹配结果", columns, joined.iter_rows())
    book.table(
        "问题清单",
        [("行号", "count", 8), ("列", "text", 16), ("原因", "text", 60)],
        ([p.row, p.column, p.reason] for p in report.problems),
    )
    book.table(
        "说明",
        [("项目", "text", 18), ("内容", "text", 80)],
        [
            ["名单文件", report.file_name],
            ["身份证号列", f"{report.id_column}（已从结果中删去，只用其密文匹配）"],
            ["读取行数", f"{report.rows_read:,}"],
            ["已匹配", f"{report.matched:,}"],
            ["未找到", f"{report.not_found:,}（身份证号有效，但本县积分台账中没有该户主）"],
            ["身份证号无效", f"{len(report.invalid):,}（见「问题清单」）"],
            ["重复身份证号", f"{report.duplicate_ids:,} 个号码在名单中出现不止一次"],
            ["生成时间", f"{datetime.now():%Y-%m-%d %H:%M:%S}"],
        ],
    )
    book.close()
    return path


def _display_width(text: str) -> int:
    """Characters a cell needs: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _width(header: str, values: pl.Series) -> int:
    """A column width that fits the header and most values."""
    sample = [str(v) for v in values.head(500).to_list() if v is not None]
    widest = max([_display_width(header), *(_display_width(s) for s in sample)])
    return max(6, min(widest + 2, 40))


# --- the command's work --------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    year: int
    households: int
    with_hash: int
    cleared: int
    scope: str


def export_year(
    store: Path | None, year: int, town_code: str | None, out: Path
) -> tuple[pl.DataFrame, ExportResult]:
    """Read the current database, write the year's export; CreditError when there is nothing."""
    from core import store as db_store

    with db_store.reading(store) as con:
        members, scope = None, "全县"
        if town_code:
            scope, members = town_members(con, town_code)
        frame = credit_rows(con, year, members)
        county = settings.read(con)
    if frame.is_empty():
        raise CreditError(f"{scope} {year} 年没有农户积分记录，未生成文件")
    write_export(frame, out, year, county.county_short_name)
    return frame, ExportResult(
        out,
        year,
        frame.height,
        int(frame["id_hash"].is_not_null().sum()),
        int(frame["cleared"].sum()),
        short_name(scope),
    )
