"""数据报送: upload exports and load them, see what was set aside and why, who has not sent."""

from datetime import datetime

import polars as pl
import streamlit as st

from core import access, accounts, labels, months
from core.registry import RegistryError, load_registry
from dashboard import data, metrics, ui, uploads
from dashboard import submission_grid as grid
from dashboard.state import current
from etl.ingest import ingest
from etl.receipt import Receipt
from index import run as index_run
from index.compute import NotReady
from presentation import readable

sel = current()
user = ui.me()
st.title("数据报送")

st.subheader("上传报送文件")
st.caption(
    "支持 .xlsx、.xls、.csv 以及打包的 .zip；文件名中含单位编码或名称和月份"
    "（如 620623101204_安家河村_2026-10.xlsx）。同一文件重复上传会自动跳过。"
)
files = ui.uploader("选择文件", list(uploads.ALLOWED), key="upload-files")
st.caption(
    f"单个文件不超过 {min(ui.upload_limit_mb(), uploads.MAX_FILE_BYTES // 2**20)} MB，一次共不超过 "
    f"{uploads.MAX_TOTAL_BYTES // 2**20} MB；压缩包内只能是 .xlsx、.xls、.csv 文件。"
    + ("乡镇账号只能上传本乡镇单位的文件。" if access.scoped(user) else "")
)
if st.button("导入", type="primary", disabled=not files, key="upload-run"):
    uploaded_at = datetime.now()  # the files count as received now, whatever their own dates
    sent = [(f.name, f.getvalue()) for f in files]
    allowed = set(data.scope_of(user)) if access.scoped(user) else None
    try:
        access.require(user, "upload")
        uploads.check(sent, allowed)
    except (access.Forbidden, uploads.UploadRejected) as e:
        accounts.record(user.username, "upload_rejected", ", ".join(n for n, _ in sent), str(e))
        st.error(f"已拒收，未保存任何文件：{ui.md(e)}")
        st.stop()
    stored = uploads.save(sent)
    bar = st.progress(0.0, text="正在读取和校验……")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"正在读取和校验：{done}/{total} 个文件")

    try:
        with st.spinner("正在导入，请稍候……"):
            report = ingest(
                list(stored),
                data.store(),
                load_registry(),
                None,
                progress,
                names=stored,
                received=Receipt.uploaded(uploaded_at),
                isolated=True,  # strangers' files are read in memory-limited reader processes
            )
    except RegistryError as e:
        st.error(f"单位登记表有误，无法导入：{ui.md(e)}")
        st.stop()
    bar.progress(1.0, text="导入完成")
    accounts.record(
        user.username,
        "upload",
        ", ".join(stored.values()),
        f"批次 {report.batch_id}；接受 {report.rows_accepted} 行（其中入库检查隔离 "
        f"{report.rows_set_aside} 行），隔离 {report.rows_quarantined} 行",
    )
    st.session_state["last_ingest"] = {
        "outcomes": uploads.outcome_table(report),
        "batch_id": report.batch_id,
        "months": uploads.affected_months(report),
        "failures": report.check_failures,
        "receipt": report.receipt.describe() if report.receipt else "",
    }
    st.rerun()

last = st.session_state.get("last_ingest")
if last:
    outcomes = last["outcomes"]
    accepted, set_aside = outcomes["rows_accepted"].sum(), outcomes["rows_quarantined"].sum()
    # rows accepted when read, then set aside by the checks across rows and files
    checked_out = outcomes["rows_set_aside"].sum() if "rows_set_aside" in outcomes.columns else 0
    if last["batch_id"] is None:
        st.info("没有新文件：上传的文件都已导入过（或无法读取，见下表）。")
    else:
        st.success(
            f"已导入：接受 {accepted:,} 行（其中入库检查隔离 {checked_out:,} 行），"
            f"隔离 {set_aside:,} 行（批次 {last['batch_id']}）。"
        )
    for failure in last["failures"]:
        st.error(f"数据检查未通过：{ui.md(failure)}")
    # file names come from the uploader: plain text only (st.text), never Markdown
    for line in [last.get("receipt", "")] + [
        f"{f}：{v}" for f, v in outcomes.select("file", "versions").iter_rows() if v
    ]:
        if line:
            st.text(line)
    ui.table(
        outcomes,
        {"file": "文件", "status": "结果", "unit_code": "单位编码", "month": "月份",
         "versions": "替换", "received_at": "收到时间", "file_modified_at": "文件日期",
         "rows_accepted": "接受行数", "rows_set_aside": "其中入库检查隔离",
         "rows_quarantined": "隔离行数", "reasons": "隔离原因",
         "message": "说明"},
        key="upload-outcomes",
    )  # fmt: skip
    if last["batch_id"] is not None:
        rows = data.get(metrics.quarantine, last["batch_id"])
        if not rows.is_empty():
            st.markdown("**本次隔离的行**（文件、工作表、行号、列和原因，其后是该行各列的内容）")
            shown = {"file_name": "文件", "sheet_name": "工作表", "source_row": "行号",
                     "column_header": "列", "reason": "原因"}  # fmt: skip
            # the row as it was sent: one column per column of the export, not JSON
            rows = readable.json_columns(
                rows.select(*shown, "row_values"), "row_values",
                readable.row_headers(rows["sheet_name"].first() if rows.height else None),
            )  # fmt: skip
            ui.table(
                rows, {**shown, **{c: c for c in rows.columns if c not in shown}},
                height=300, key="upload-quarantine",
            )  # fmt: skip
        if last["months"] and access.can(user, "rank"):
            names = "、".join(months.label(m) for m in last["months"])
            if st.button(f"重新计算考评指数：{names}", key="upload-rank"):
                try:
                    access.require(user, "rank")
                    with st.spinner("正在计算……"):
                        index_run.rank_and_store(data.store(), last["months"], actor="数据报送页")
                    st.success(
                        ui.refer("rankings", "已重新计算。请在{page}页审核。", "已重新计算。")
                    )
                except NotReady as e:
                    st.error(ui.md(e))

if sel is None:
    st.stop()

st.subheader("报送情况")
months_back = st.slider("显示最近几个月", 3, 24, 12, key="sub-months")
start = months.shift(sel.month, -(months_back - 1))
matrix = data.get(metrics.submission_matrix, start, sel.month, sel.members)
kinds = {k: labels.UNIT_KINDS[k] for k in ("station", "institute", "subcentre", "county",
                                           "county_team")}  # fmt: skip
present = [k for k in kinds if k in set(matrix["kind"].to_list())]
kind = st.segmented_control(
    "单位类别", present, format_func=kinds.get, default=present[0] if present else None,
    key="sub-kind",
)  # fmt: skip


def status_matrix(rows: pl.DataFrame, name: str, key: str) -> None:
    """Units by months, missing and late coloured."""
    wide = grid.by_unit(rows, name)
    styled = wide.to_pandas().style.map(
        lambda v: grid.COLOURS.get(v, ""), subset=grid.month_columns(wide)
    )
    st.dataframe(styled, hide_index=True, height=ui.fit_height(wide.height, 12), width="stretch",
                 key=key)  # fmt: skip


if kind:
    shown = grid.labelled(matrix.filter(pl.col("kind") == kind))
    missing_now = shown.filter((pl.col("month") == sel.month) & (pl.col("status") == "missing"))
    owing_now = shown.filter(pl.col("month") == sel.month).height
    st.caption(
        f"{months.label(sel.month)}：{kinds[kind]}共 {owing_now} 个，"
        f"未报送 {missing_now.height} 个。逾期：截止日后才收到。"
    )
    if kind == "station" and shown["parent_code"].n_unique() > 1:
        # hundreds of stations: a row per town with its stations' gaps counted, then the
        # stations of one town (the browser gets the county's aggregates, not every station)
        towns = grid.by_town(shown, f"{sel.month:%Y-%m}")
        st.markdown("**各乡镇实践站报送情况**（每格为该月未报送、逾期的实践站数）")
        ui.table(towns, {"parent_name": "乡镇", **{c: c for c in grid.month_columns(towns)}},
                 height=ui.fit_height(towns.height, 12), key="sub-towns")  # fmt: skip
        names = dict(towns.select("parent_code", "parent_name").iter_rows())
        town = st.selectbox("查看一个乡镇的各实践站", list(names), format_func=names.get,
                            key="sub-town")  # fmt: skip
        status_matrix(shown.filter(pl.col("parent_code") == town), "实践站", "sub-matrix-town")
    else:
        only_gaps = st.toggle("只看有逾期或未报送的单位", value=True, key="sub-gaps")
        gaps = shown.filter(pl.col("status") != "on_time")["unit_code"].unique()
        status_matrix(
            shown.filter(pl.col("unit_code").is_in(gaps.implode())) if only_gaps else shown,
            "单位", f"sub-matrix-{kind}",
        )  # fmt: skip
    if ui.prepared("sub-dl", f"{data.version()}|{start}|{sel.month}|{sel.members}|{kind}",
                   f"生成报送情况工作簿（{shown['unit_code'].n_unique():,} 个单位）"):  # fmt: skip
        ui.download_xlsx(
            {"报送矩阵": grid.by_unit(shown, "单位"),
             "明细": shown.sort("unit_code", "month").select(
                 单位编码="unit_code", 单位="unit_name", 月份="col", 报送情况="label",
                 未报送表数="sheets_missing", 应报表数="sheets_owed")},
            f"报送情况_{sel.month:%Y-%m}.xlsx", "下载报送情况", key="sub-download",
        )  # fmt: skip

st.subheader("当前隔离的行")
current_rows = data.get(metrics.quarantine, None, sel.members)
SHOWN = 500
st.caption(
    f"共 {current_rows.height:,} 行（当前有效的报送中）"
    + (f"，下表显示前 {SHOWN} 行，全部请下载" if current_rows.height > SHOWN else "")
    + "。更正后重新上传即可。"
)
Q_COLUMNS = {"file_name": "文件", "sheet_name": "工作表", "source_row": "行号",
             "column_header": "列", "reason": "原因"}  # fmt: skip
# rows by export kind (活动台账 …): a CSV file names its sheet by the file name, so sheet
# names are as many as the files
UNKNOWN_KIND = "未能识别的表"
kind_of = {n: readable.sheet_title(n) or UNKNOWN_KIND for n in current_rows["sheet_name"].unique()}
current_rows = current_rows.with_columns(
    kind=pl.col("sheet_name").replace_strict(kind_of, return_dtype=pl.String)
)
sheet_kinds = sorted(set(current_rows["kind"].to_list()))
ALL_SHEETS = "全部"
sheet = (
    st.selectbox("表格类别", [ALL_SHEETS, *sheet_kinds], key="sub-q-sheet")
    if sheet_kinds
    else ALL_SHEETS
)
# a quarantined row's content as 列：值 text (its sheet's headers)
in_words = pl.struct("sheet_name", "row_values").map_elements(
    lambda r: readable.detail_text(r["row_values"], readable.row_headers(r["sheet_name"])),
    return_dtype=pl.String,
)
if sheet in (ALL_SHEETS, UNKNOWN_KIND):  # sheets of different columns: 列：值 text per row
    q_rows = current_rows if sheet == ALL_SHEETS else current_rows.filter(pl.col("kind") == sheet)
    q_shown = q_rows.head(SHOWN).with_columns(row_values=in_words)
    q_columns = {**Q_COLUMNS, "row_values": "该行内容"}
else:  # one kind: the row as sent, a column per column of the export
    q_shown = readable.json_columns(
        current_rows.filter(pl.col("kind") == sheet).head(SHOWN)
        .select(*Q_COLUMNS, "row_values"), "row_values", readable.row_headers(sheet),
    )  # fmt: skip
    q_columns = {**Q_COLUMNS, **{c: c for c in q_shown.columns if c not in Q_COLUMNS}}
ui.table(q_shown, q_columns, height=300, key="sub-quarantine")
# every row in words is costly at scale 10 (seconds per run): built when asked for, once
if current_rows.height and ui.prepared(
    "sub-q", f"{data.version()}|{sel.members}", f"生成隔离行工作簿（{current_rows.height:,} 行）"
):
    ui.download_xlsx(
        {"隔离行": current_rows.with_columns(row_values=in_words)
         .select(*Q_COLUMNS, "row_values").rename({**Q_COLUMNS, "row_values": "该行内容"})},
        "隔离行.xlsx", "下载隔离行", key="sub-q-download",
    )  # fmt: skip

st.subheader("空白模板")
st.download_button(
    "下载全部报送模板（.zip）",
    data.get_plain(uploads.templates_zip),
    file_name="报送模板.zip",
    mime="application/zip",
    icon=":material/download:",
    key="sub-templates",
    on_click="ignore",
)
