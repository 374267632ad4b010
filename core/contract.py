"""The export contract (shared/contract/EXPORTS.md) as data.

One place declares every sheet the field sends, its columns, their types,
enums and header synonyms. The templates, the demo generator and the ETL all
read it, so a change to the contract is made here once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

PLATFORMS: tuple[str, ...] = (
    "理论政策宣讲",
    "高质量发展",
    "教育科技",
    "卫生健康",
    "法律援助",
    "文体旅游",
    "时代新风传播",
    "生态环境保护",
    "爱心公益奉献",
)
YES_NO: tuple[str, ...] = ("是", "否")


@dataclass(frozen=True)
class Column:
    """One column of an export sheet.

    kind is one of: text, code, date, datetime, month, int, number, enum, bool.
    personal marks personal data: "name" is masked, "secret" is hashed.
    """

    key: str
    header: str
    kind: str
    required: bool = False
    enum: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    personal: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    """One export kind: a sheet of a workbook or one CSV file.

    senders are the unit kinds that may send it; owed_by those that owe it
    every month (mart_submission marks it 逾期 or 未报送 when it is late or
    missing, and the demo sends it every month). A sender that does not owe
    it sends it when it has something to report (star ratings, matters).
    """

    key: str
    title: str
    synonyms: tuple[str, ...]
    senders: tuple[str, ...]
    columns: tuple[Column, ...]
    owed_by: tuple[str, ...] = ()
    optional_sheet: bool = False
    natural_key: tuple[str, ...] = field(default=())

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.key} has no column {key!r}")


ID_SYNONYMS = ("身份证号码", "身份证", "证件号码", "公民身份号码")
PHONE_SYNONYMS = ("手机", "手机号码", "电话号码", "联系方式")

UNIT_CODE = Column(
    "unit_code",
    "单位编码",
    "code",
    required=True,
    synonyms=("组织编码", "单位代码", "站点编码", "编码", "统一编码"),
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        key="activities",
        title="活动台账",
        synonyms=("活动记录", "活动登记", "活动登记表", "活动"),
        senders=("station", "institute", "subcentre", "county_team"),
        owed_by=("station", "institute", "subcentre", "county_team"),
        natural_key=("unit_code", "activity_id"),
        columns=(
            Column("activity_id", "活动编号", "text", True, synonyms=("活动序号", "编号")),
            Column(
                "activity_date", "活动日期", "date", True, synonyms=("日期", "开展日期", "活动时间")
            ),
            Column("activity_name", "活动名称", "text", True, synonyms=("活动内容", "名称")),
            UNIT_CODE,
            Column("platform", "服务平台", "enum", True, PLATFORMS, ("所属平台", "平台")),
            Column("brand_project", "品牌项目", "text", synonyms=("品牌",)),
            Column("theme", "活动主题", "text", synonyms=("主题", "月度主题")),
            Column(
                "participants",
                "参与人数",
                "int",
                True,
                synonyms=("参加人数", "参与人次"),
                minimum=0,
            ),
            Column(
                "volunteers", "志愿者人数", "int", synonyms=("志愿者数", "志愿者人次"), minimum=0
            ),
            Column(
                "volunteer_hours",
                "志愿服务时长(小时)",
                "number",
                synonyms=("志愿服务时长", "时长", "服务时长", "志愿时长(小时)"),
                minimum=0,
            ),
            Column(
                "beneficiaries", "服务对象人数", "int", synonyms=("受益人数", "服务人数"), minimum=0
            ),
            Column("source", "活动来源", "enum", enum=("自主开展", "群众点单"), synonyms=("来源",)),
            Column("order_id", "订单编号", "text", synonyms=("点单编号",)),
            Column("longitude", "经度", "number", minimum=-180, maximum=180),
            Column("latitude", "纬度", "number", minimum=-90, maximum=90),
        ),
    ),
    Sheet(
        key="points",
        title="积分台账",
        synonyms=("积分明细", "积分记录", "道德积分", "积分"),
        senders=("station",),
        owed_by=("station",),
        natural_key=("unit_code", "entry_id"),
        columns=(
            Column("entry_id", "流水号", "text", True, synonyms=("序号", "积分流水号")),
            Column("entry_date", "日期", "date", True, synonyms=("积分日期", "登记日期")),
            UNIT_CODE,
            Column("household_id", "户编号", "text", True, synonyms=("农户编号", "户号")),
            Column("head_name", "户主姓名", "text", synonyms=("户主", "姓名"), personal="name"),
            Column("id_number", "身份证号", "text", synonyms=ID_SYNONYMS, personal="secret"),
            Column(
                "phone",
                "联系电话",
                "text",
                synonyms=("电话", "手机号", *PHONE_SYNONYMS),
                personal="secret",
            ),
            Column(
                "category",
                "积分类别",
                "enum",
                True,
                ("基础分", "评议分", "贡献分", "扣分", "清零"),
                ("类别", "积分类型"),
            ),
            Column("item", "积分项目", "text", True, synonyms=("项目", "积分事项")),
            Column("points", "积分", "int", True, synonyms=("分值", "积分值")),
            Column(
                "status",
                "状态",
                "enum",
                True,
                ("申报", "评定", "公示", "核发", "驳回"),
                ("审核状态",),
            ),
            Column(
                "publicized_date",
                "公示日期",
                "date",
                synonyms=("公示时间", "张榜日期"),
                note="the day the entry went up on the village board; 核发 without it is audited",
            ),
        ),
    ),
    Sheet(
        key="redemptions",
        title="兑换台账",
        synonyms=("兑换记录", "爱心超市兑换", "积分兑换", "兑换"),
        senders=("station",),
        owed_by=("station",),
        natural_key=("unit_code", "entry_id"),
        columns=(
            Column("entry_id", "流水号", "text", True, synonyms=("序号", "兑换流水号")),
            Column("redeemed_date", "日期", "date", True, synonyms=("兑换日期",)),
            UNIT_CODE,
            Column("household_id", "户编号", "text", True, synonyms=("农户编号", "户号")),
            Column("points", "兑换积分", "int", True, synonyms=("使用积分", "消耗积分"), minimum=1),
            Column("goods", "兑换物品", "text", synonyms=("物品", "商品")),
            Column(
                "goods_yuan", "物品金额(元)", "number", synonyms=("物品金额", "金额"), minimum=0
            ),
            Column("shop", "兑换点", "text", synonyms=("爱心超市", "兑换地点")),
        ),
    ),
    Sheet(
        key="households",
        title="户信息",
        synonyms=("农户信息", "星级户", "星级户评定", "户籍信息"),
        senders=("station",),  # when households are rated, not every month
        natural_key=("unit_code", "household_id"),
        columns=(
            Column("household_id", "户编号", "text", True, synonyms=("农户编号", "户号")),
            UNIT_CODE,
            Column("head_name", "户主姓名", "text", synonyms=("户主", "姓名"), personal="name"),
            Column("members", "人口数", "int", synonyms=("家庭人口", "人数"), minimum=0),
            Column("group_name", "村民小组", "text", synonyms=("小组", "组别")),
            Column("stars", "星级", "int", synonyms=("星级数", "评定星级"), minimum=0, maximum=10),
            Column("required_stars_met", "必创星达标", "bool", enum=YES_NO, synonyms=("必创星",)),
            Column("rated_date", "评定日期", "date", synonyms=("评星日期",)),
        ),
    ),
    Sheet(
        key="matters",
        title="民事直说台账",
        synonyms=("民事直说", "民事直说登记"),
        senders=("station",),
        optional_sheet=True,
        natural_key=("unit_code", "matter_id"),
        columns=(
            Column("matter_id", "事项编号", "text", True, synonyms=("编号",)),
            Column("accepted_date", "受理日期", "date", True, synonyms=("受理时间",)),
            UNIT_CODE,
            Column("category", "事项类别", "enum", True, ("村里事", "邻里事", "家里事"), ("类别",)),
            Column(
                "level",
                "办理层级",
                "enum",
                True,
                ("网格员直办", "议事会领办", "村镇联办", "镇党委督办"),
                ("层级",),
            ),
            Column("resolved_date", "办结日期", "date", synonyms=("办结时间",)),
            Column(
                "satisfaction",
                "满意度",
                "enum",
                enum=("满意", "基本满意", "不满意"),
                synonyms=("评价",),
            ),
        ),
    ),
    Sheet(
        key="standards",
        title="阵地自查",
        synonyms=("阵地建设自查", "八有自查", "阵地自查表"),
        senders=("station", "institute"),
        owed_by=("station", "institute"),
        natural_key=("unit_code", "month"),
        columns=(
            UNIT_CODE,
            Column("month", "月份", "month", True, synonyms=("自查月份",)),
            *(
                Column(f"has_{k}", f"有{h}", "bool", enum=YES_NO)
                for k, h in (
                    ("venue", "场所"),
                    ("position", "阵地"),
                    ("team", "队伍"),
                    ("rules", "制度"),
                    ("plan", "计划"),
                    ("project", "项目"),
                    ("funds", "经费"),
                    ("results", "成效"),
                )
            ),
            Column(
                "station_stars",
                "站点星级",
                "enum",
                enum=("三星", "四星", "五星"),
                synonyms=("星级",),
            ),
        ),
    ),
    Sheet(
        key="volunteers",
        title="志愿者名册",
        synonyms=("志愿者信息", "志愿者花名册", "志愿者"),
        senders=("institute", "county_team"),  # an institute sends its town's and villages' teams
        owed_by=("institute", "county_team"),
        natural_key=("unit_code", "volunteer_id"),
        columns=(
            Column("volunteer_id", "志愿者编号", "text", True, synonyms=("编号",)),
            Column(
                "unit_code",
                "单位编码",
                "code",
                True,
                synonyms=("队伍编码", "所属队伍编码", *UNIT_CODE.synonyms),
            ),
            Column("name", "姓名", "text", personal="name"),
            Column("gender", "性别", "enum", enum=("男", "女")),
            Column(
                "birth_year", "出生年份", "int", synonyms=("出生年",), minimum=1900, maximum=2030
            ),
            Column("registered_date", "注册日期", "date", True, synonyms=("注册时间",)),
            Column("status", "状态", "enum", enum=("在册", "注销"), synonyms=("在册状态",)),
            Column("id_number", "身份证号", "text", synonyms=ID_SYNONYMS, personal="secret"),
            Column(
                "phone",
                "手机号",
                "text",
                synonyms=("联系电话", "电话", *PHONE_SYNONYMS),
                personal="secret",
            ),
        ),
    ),
    Sheet(
        key="orders",
        title="点单记录",
        synonyms=("订单记录", "点单派单记录", "群众点单"),
        senders=("county", "county_team"),
        owed_by=("county",),  # the centre's dispatch log; a county team may send its own
        natural_key=("order_id",),
        columns=(
            Column("order_id", "订单编号", "text", True, synonyms=("点单编号",)),
            Column("ordered_at", "点单时间", "datetime", True, synonyms=("点单日期",)),
            Column(
                "village_code", "点单村(社区)编码", "code", synonyms=("点单村编码", "村社区编码")
            ),
            Column("platform", "需求平台", "enum", True, PLATFORMS, ("服务平台", "平台")),
            Column("request", "需求内容", "text", synonyms=("需求",)),
            Column("dispatched_at", "派单时间", "datetime"),
            Column("taker_code", "接单单位编码", "code", synonyms=("接单单位",)),
            Column("accepted_at", "接单时间", "datetime"),
            Column("completed_at", "完成时间", "datetime"),
            Column(
                "rating", "评价星级", "int", synonyms=("评价", "星级评价"), minimum=1, maximum=5
            ),
            Column(
                "status",
                "状态",
                "enum",
                True,
                ("待派单", "已派单", "已接单", "已完成", "已评价", "已取消"),
                ("订单状态",),
            ),
        ),
    ),
)

SHEET_BY_KEY: dict[str, Sheet] = {s.key: s for s in SHEETS}


@dataclass(frozen=True)
class RowLimit:
    """An upper limit on one number of a row beyond which the row is implausible.

    The limit is factor × the row's basis (LIMIT_BASES). A row beyond any limit
    is quarantined as implausible_value and counts nowhere. reason is what staff
    read, with {header} (the column's header), {value}, {basis}, {factor} and
    {limit} (factor × basis) filled in. ingest writes these to ref_row_limit;
    the models read them from there (int_activity_screen), never a copy.
    """

    code: str
    sheet_key: str
    column_key: str
    basis: str
    factor: float
    label: str  # what the limit is, in Chinese
    reason: str


# What a limit is measured against; int_activity_screen computes each one.
LIMIT_BASES: dict[str, str] = {
    # hours with no volunteers recorded count as one person's
    "volunteers": "本行志愿者人数（未填或为 0 按 1 人计）",
    # a team's area is its parent unit's (a county team's is the county); no limit when the
    # registry has no population (or 0) for it
    "population": "报送单位辖区常住人口（单位名册登记的人口数）",
}

ROW_LIMITS: tuple[RowLimit, ...] = (
    RowLimit(
        "hours_per_volunteer",
        "activities",
        "volunteer_hours",
        "volunteers",
        12,
        "每名志愿者每次活动服务时长上限 12 小时",
        "「{header}」{value} 超过志愿者人数 {basis} × 每人每次上限 {factor} 小时",
    ),
    RowLimit(
        "participants_within_population",
        "activities",
        "participants",
        "population",
        1,
        "参与人数不超过该单位辖区常住人口",
        "「{header}」{value} 超过该单位辖区常住人口 {limit}",
    ),
    RowLimit(
        "volunteers_within_population",
        "activities",
        "volunteers",
        "population",
        1,
        "志愿者人数不超过该单位辖区常住人口",
        "「{header}」{value} 超过该单位辖区常住人口 {limit}",
    ),
)


def owed_sheets(kind: str) -> tuple[str, ...]:
    """The sheets a unit of this kind owes every month, in contract order."""
    return tuple(s.key for s in SHEETS if kind in s.owed_by)


def obligations() -> list[tuple[str, str]]:
    """(unit kind, sheet key) for every monthly obligation: the ref_obligation table."""
    return [(kind, s.key) for s in SHEETS for kind in s.owed_by]


def row_limits() -> list[tuple[int, str, str, str, str, str, float, str, str]]:
    """Every row limit with its column's header, in order: the ref_row_limit table.

    (position, code, sheet key, column key, column header, basis, factor, label, reason)
    """
    out = []
    for i, r in enumerate(ROW_LIMITS, start=1):
        head = SHEET_BY_KEY[r.sheet_key].column(r.column_key).header
        out.append((i, r.code, r.sheet_key, r.column_key, head, r.basis, float(r.factor),
                    r.label, r.reason))  # fmt: skip
    return out


_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)  # the same few hundred headers recur in every file
def _normalize(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return _SPACE.sub("", s).strip("*＊")


def normalize_header(text: object) -> str:
    """Fold a header cell to the form synonyms are matched on.

    NFKC turns full-width letters, digits and brackets into ASCII; spaces and
    a leading required-marker `*` are dropped.
    """
    return _normalize(str(text or ""))


def header_names(column: Column) -> tuple[str, ...]:
    """Every header the field may use for a column, canonical first."""
    return (column.header, *column.synonyms)


def sheet_for_name(name: str) -> Sheet | None:
    """The sheet a workbook tab or CSV file name refers to, if any."""
    n = normalize_header(name)
    for sheet in SHEETS:
        for candidate in (sheet.title, *sheet.synonyms):
            if normalize_header(candidate) == n:
                return sheet
    for sheet in SHEETS:  # a longer name that contains the title: "安家河村2026年10月活动台账"
        if normalize_header(sheet.title) in n:
            return sheet
    return None
