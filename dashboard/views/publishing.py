"""发布: the month's draft, review and approval, revisions, and every file of every edition."""

import json
from pathlib import Path

import polars as pl
import streamlit as st
import streamlit.components.v1 as components

from core import access, labels, months
from dashboard import data, metrics, ui, words
from dashboard.state import current
from publish import manifest, verify, workflow
from publish.browser import BrowserMissing

FILE_KINDS = {
    "_article.html": "文章（网页）", "_article.pdf": "文章（PDF）",
    "_briefing.docx": "领导简报（Word）", "_briefing.pdf": "领导简报（PDF）",
    "_index.xlsx": "排名与指标（Excel）",
    **{f"_ranking_{g}.png": f"{label}排名图" for g, label in labels.RANK_GROUPS.items()},
    "report.json": "发布数据（JSON）", "manifest.json": "发布清单与校验值",
}  # fmt: skip


def file_label(name: str) -> str:
    kind = next((label for end, label in FILE_KINDS.items() if name.endswith(end)), "")
    return f"{kind}：{name}" if kind else name


sel = current()
user = ui.me()
signed_in = ui.md(user.display_name)  # a name from the accounts database, as text
st.title(f"{sel.month_label}考评指数发布")
store, reports = data.store(), data.reports()

editions = data.get(workflow.editions, sel.month)
published = [e for e in editions if e["status"] == "published"]
open_editions = [e for e in editions if e["status"] != "published"]
ranked = not data.get(metrics.ranking, sel.month, "subcentre").is_empty()
open_flags = data.get(metrics.month_flags, sel.month).filter("is_open")
if not open_flags.is_empty():
    st.warning(
        words.open_flags_warning(
            dict(open_flags.group_by("kind_label", maintain_order=True).len().iter_rows()),
            access.can(user, "review_flags"),
            ui.refer("rankings", "{page}页的「疑点核查」中", "「疑点核查」中"),
        ),
        icon=":material/report:",
    )

steps = ["草稿", "已审核", "已发布"]
state = open_editions[-1]["status"] if open_editions else ("published" if published else None)
done = {"draft": 1, "reviewed": 2, "published": 3}.get(state, 0)
st.markdown(
    " → ".join(
        f":green[**{s}** :material/check_circle:]" if i < done else s for i, s in enumerate(steps)
    )
    + ("　（修订版）" if open_editions and open_editions[-1]["is_revision"] else "")
)

if not ranked:
    st.warning(ui.refer(
        "submissions", "本月尚未计算考评指数：请先在{page}页重新计算，或运行 civic rank。",
        "本月尚未计算考评指数：由县中心计算后可在此查看。", action="rank",
    ))  # fmt: skip
elif open_editions:
    e = open_editions[-1]
    st.info(
        f"第{e['edition_no']}版"
        f"{'（修订版：' + ui.md(e['reason']) + '）' if e['is_revision'] else ''}："
        f"{workflow.STATUS_LABELS[e['status']]}，"
        f"{ui.md(e['created_by'])} 于 {e['created_at']:%m-%d %H:%M} 起草"
        + (
            f"；审核人 {ui.md(e['reviewed_by'])}，意见：{ui.md(e['review_note'] or '无')}"
            if e["reviewed_by"]
            else ""
        )
    )
    with st.expander("预览将要发布的文章"):
        preview = data.get(
            metrics.article_preview, sel.month, e["edition_no"], e["is_revision"], e["reason"]
        )
        components.html(preview, height=900, scrolling=True)
    may_publish = access.can(user, "publish")
    if may_publish and not open_flags.is_empty():
        st.caption("疑点核查完毕后，才能在此审核、签发。")
    elif may_publish and e["status"] == "draft":
        with st.form("pub-review"):
            note = st.text_input("审核意见（可选）")
            if st.form_submit_button(f"审核通过（审核人：{signed_in}）", type="primary"):
                try:
                    access.require(user, "review")
                    # the draft follows the month's current ranking (deciding a flag or an
                    # adjustment ranks it again): what is reviewed is what the page showed
                    workflow.draft(
                        store, sel.month, user.display_name, e["is_revision"], e["reason"] or "",
                        reports,
                    )  # fmt: skip
                    workflow.review(store, sel.month, user.display_name, note)
                    st.rerun()
                except workflow.PublishError as err:
                    st.error(ui.md(err))
    elif may_publish and e["reviewed_by"] == user.display_name:
        st.warning("审核与签发须由不同的人完成：请另一位有签发权限的同事签发。")
    elif may_publish:
        with st.form("pub-publish"):
            st.caption("签发后生成文章、排名图片、工作簿、领导简报和 PDF，版本即冻结，不可再改。")
            if st.form_submit_button(f"签发发布（签发人：{signed_in}）", type="primary"):
                try:
                    access.require(user, "publish")
                    with st.status("正在生成发布文件……", expanded=True) as status:
                        st.write("排名表、图片、工作簿、简报、PDF……")
                        result = workflow.publish(store, sel.month, user.display_name, reports)
                        status.update(label=f"已发布第{result.number}版", state="complete")
                    st.rerun()
                except (workflow.PublishError, BrowserMissing) as err:
                    st.error(ui.md(err))
elif published:
    last = published[-1]
    st.success(
        f"已发布第{last['edition_no']}版：签发 {ui.md(last['published_by'])}，"
        f"{last['published_at']:%Y-%m-%d %H:%M}。已发布的版本不可修改。"
    )
    if access.can(user, "publish"):
        with st.expander("发布修订版（数据更正或补报后）"), st.form("pub-revise"):
            reason = st.text_input("修订原因", placeholder="例如：补报 10 月台账后重新计算")
            if st.form_submit_button("生成修订版草稿"):
                try:
                    access.require(user, "publish")
                    workflow.draft(store, sel.month, user.display_name, True, reason, reports)
                    st.rerun()
                except workflow.PublishError as err:
                    st.error(ui.md(err))
elif access.can(user, "publish"):
    with st.form("pub-draft"):
        if st.form_submit_button(f"生成草稿（经办人：{signed_in}）", type="primary"):
            try:
                access.require(user, "publish")
                workflow.draft(store, sel.month, user.display_name, reports=reports)
                st.rerun()
            except workflow.PublishError as err:
                st.error(ui.md(err))
else:
    st.caption("本月尚未发布。")

st.divider()
st.subheader("已发布的版本")
every = [e for e in data.get(workflow.editions, None) if e["status"] == "published"]
# the same check as `civic verify`: the files against what the database recorded (not cached:
# the files can change while the database does not)
records = data.get(verify.registered, None)
checks = verify.check(records, Path(reports))
if checks:
    st.caption("各版本核对（与数据库登记的发布清单比对每个文件的 SHA-256 和大小）")
    ui.table(
        pl.DataFrame(
            {
                "folder": [c.folder for c in checks],
                "edition": [
                    f"{months.label(c.month)} 第{c.edition_no}版" if c.month else "—"
                    for c in checks
                ],
                "status": [c.label for c in checks],
                "problems": ["；".join(c.problems) for c in checks],
            }
        ),
        {"edition": "版本", "folder": "文件夹", "status": "核对结果", "problems": "说明"},
        key="pub-checks",
    )
    strays = [c.folder for c in checks if c.status == "unregistered"]
    if strays:
        st.error(
            f"有 {len(strays)} 个文件夹像发布版本，但数据库中没有它们的发布记录（未登记），"
            "不是正式发布的版本，请勿使用；下次发布该月或运行 civic verify 时会处理。",
            icon=":material/gpp_bad:",
        )
if not every:
    st.caption("还没有发布过。")
labels = {
    n: f"{months.label(e['month'])} 第{e['edition_no']}版"
    + ("（修订版）" if e["is_revision"] else "")
    + f" · 签发 {e['published_by']} · {e['published_at']:%Y-%m-%d %H:%M}"
    for n, e in enumerate(every)
}
this_month = [n for n, e in labels.items() if every[n]["month"] == sel.month]
if every:
    chosen = st.selectbox(
        "版本", list(reversed(labels)), format_func=labels.get, key="pub-edition",
        index=list(reversed(labels)).index(this_month[-1]) if this_month else 0,
    )  # fmt: skip
    e = every[chosen]
    access.require(user, "download_edition")
    folder = Path(reports) / e["folder"]
    result = next(c for c in checks if c.folder == e["folder"])
    if result.status == "missing":
        st.error(
            f"找不到第{e['edition_no']}版的发布文件夹 {ui.md(e['folder'])}", icon=":material/error:"
        )
        st.text("\n".join(result.problems))
        st.stop()
    if not result.ok:
        st.error(
            f"第{e['edition_no']}版{result.label}：文件与数据库登记的发布清单不符，"
            "这些文件不是当初发布的样子，暂不提供下载。",
            icon=":material/gpp_bad:",
        )
        st.text("\n".join(result.problems))
        st.stop()
    st.caption(
        f"文件完整：{result.files} 个文件与数据库登记的发布清单一致（SHA-256 和大小，"
        "包括 manifest.json 本身）。"
    )
    record = next(r for r in records if r.folder == e["folder"])
    doc = json.loads(record.manifest_json or (folder / manifest.NAME).read_text(encoding="utf-8"))
    if e["is_revision"]:
        st.markdown("**修订原因**")
        st.text(e["reason"] or "")
        st.text("\n".join(f"- {line}" for line in json.loads(e["changelog"] or "[]")))
    st.caption(
        f"考评办法 {ui.md(doc['methodology']['id'])} · "
        + (f"{ui.md(doc['data_as_of'])} · " if doc.get("data_as_of") else "")  # no hash here
        + f"审核 {ui.md(doc['reviewer'])} · 签发 {ui.md(doc['approver'])}"
    )
    cols = st.columns(3)
    for n, f in enumerate([*doc["files"], {"path": manifest.NAME}]):
        cols[n % 3].download_button(
            ui.md(file_label(f["path"])),
            ui.file_bytes(folder / f["path"]),  # bytes: the button outlives a rerun
            file_name=f["path"],
            key=f"dl-{e['folder']}-{f['path']}",
            icon=":material/download:",
            on_click="ignore",
        )
