"""Is every edition on disk what the database recorded? (`civic verify`, the 发布 page)

The database is the root of trust, not the files: when an edition is
published its manifest (every file's SHA-256 and size) is kept in
`edition_report` and the manifest file's SHA-256 in `edition.manifest_sha256`.
An edition is 完整 when the folder holds exactly the recorded files with the
recorded hashes and sizes and its manifest.json is the recorded one; editing
a file and its hash in manifest.json is caught (the manifest's own hash no
longer matches). A folder named like an edition that the database does not
record as published is 未登记: not an official edition, whatever it holds.
Editions published before the database kept their manifest are checked
against their manifest.json, once its hash matches the recorded one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from core import store as db_store
from core.access import COUNTY, query
from publish import folders, manifest

STATUS_LABELS = {
    "intact": "完整",
    "altered": "被改动",
    "missing": "缺失",
    "unregistered": "未登记",
}


@dataclass(frozen=True)
class Registered:
    """A published edition as the database recorded it."""

    month: date
    edition_no: int
    folder: str  # relative to the reports folder, e.g. 2026-10/v1
    manifest_sha256: str
    manifest_json: str | None  # None: published before the database kept manifests


@dataclass(frozen=True)
class Check:
    """One edition folder checked against the database."""

    folder: str  # relative to the reports folder (or the path given)
    status: str  # intact | altered | missing | unregistered
    problems: tuple[str, ...]
    month: date | None = None
    edition_no: int | None = None
    files: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "intact"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def sentence(self) -> str:
        """One line in Chinese: which edition, and its state."""
        name = (
            f"{self.month:%Y-%m} 第{self.edition_no}版（{self.folder}）"
            if self.edition_no is not None
            else self.folder
        )
        if self.status == "intact":
            return f"{name}：完整，{self.files} 个文件与数据库登记一致"
        return f"{name}：{self.label}"

    def to_dict(self) -> dict:
        return {
            "folder": self.folder,
            "month": f"{self.month:%Y-%m}" if self.month else None,
            "edition": self.edition_no,
            "status": self.status,
            "status_label": self.label,
            "files": self.files,
            "problems": list(self.problems),
        }


@query(scope=COUNTY, action="download_edition")
def registered(con, month: date | None = None) -> list[Registered]:
    """The published editions (of a month, or all) with what the database recorded of them."""
    if not db_store.has_table(con, "edition"):
        return []
    reports = db_store.has_table(con, "edition_report")
    rows = con.sql(
        "select e.month, e.edition_no, e.folder, e.manifest_sha256, "
        + ("r.manifest_json " if reports else "null ")
        + "from edition e "
        + (
            "left join edition_report r on r.month = e.month and r.edition_no = e.edition_no "
            if reports
            else ""
        )
        + "where e.status = 'published' and ($m is null or e.month = $m) "
        "order by e.month, e.edition_no",
        params={"m": month},
    ).fetchall()
    return [Registered(*r) for r in rows]


def check(records: list[Registered], reports: Path, month: date | None = None) -> list[Check]:
    """Every recorded edition (of `month`, or all) and every unregistered edition folder."""
    checks = [check_edition(r, reports / r.folder) for r in records]
    known = {r.folder for r in records}
    for folder in _edition_folders(reports, month):
        rel = folder.relative_to(reports).as_posix()
        if rel not in known:
            checks.append(unregistered(rel))
    return sorted(checks, key=lambda c: (c.folder.split("/")[0], _number(c.folder)))


def check_path(records: list[Registered], reports: Path, path: Path) -> list[Check]:
    """A folder given by path: an edition or a month inside the reports folder, or a copy of
    an edition elsewhere (known by the month and number its manifest names)."""
    path, reports = path.resolve(), reports.resolve()
    if path == reports:
        return check(records, reports)
    if path.is_relative_to(reports):
        parts = path.relative_to(reports).parts
        if len(parts) == 1:
            month = _parse_month(parts[0])
            if month is not None:
                return check([r for r in records if r.month == month], reports, month)
        rel = path.relative_to(reports).as_posix()
        hit = [r for r in records if r.folder == rel]
        return [check_edition(hit[0], path)] if hit else [unregistered(rel)]
    try:
        doc = json.loads((path / manifest.NAME).read_text(encoding="utf-8"))
        month, number = _parse_month(doc["month"]), int(doc["edition"])
    except (OSError, ValueError, KeyError, TypeError):
        return [unregistered(str(path), "没有可识别的发布清单（manifest.json）")]
    hit = [r for r in records if r.month == month and r.edition_no == number]
    if not hit:
        return [unregistered(str(path))]
    c = check_edition(hit[0], path)
    return [Check(str(path), c.status, c.problems, c.month, c.edition_no, c.files)]


def unregistered(folder: str, why: str = "") -> Check:
    return Check(
        folder,
        "unregistered",
        (why or "数据库中没有这一版的发布记录：不是正式发布的版本（可能是中断的发布留下的）",),
    )


def check_edition(record: Registered, folder: Path) -> Check:
    """The files of `folder` against what the database recorded for `record`."""
    done = {"folder": record.folder, "month": record.month, "edition_no": record.edition_no}
    if not folder.is_dir():
        hint = ""
        staged = staged_copy(record, folder)
        if staged is not None:
            hint = (
                f"（中断的发布留下了完整的文件 {staged.name}：运行 civic verify 或下次发布时补全）"
            )
        problem = f"找不到发布文件夹 {record.folder}{hint}"
        return Check(status="missing", problems=(problem,), **done)
    problems: list[str] = []
    on_disk = folder / manifest.NAME
    disk_doc = None
    if not on_disk.is_file():
        problems.append(f"缺少 {manifest.NAME}")
    else:
        actual = manifest.sha256(on_disk)
        if actual != record.manifest_sha256:
            problems.append(
                f"{manifest.NAME} 与数据库登记的不符（登记的 SHA-256 "
                f"{_short(record.manifest_sha256)}，现为 {_short(actual)}）"
            )
        try:
            disk_doc = json.loads(on_disk.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            problems.append(f"{manifest.NAME} 不是有效的 JSON")
    if record.manifest_json is not None:
        reference = json.loads(record.manifest_json)
        if disk_doc is not None:
            problems += _manifest_edits(reference, disk_doc)
    elif disk_doc is not None and not problems:
        reference = disk_doc  # an edition from before the database kept its manifest
    else:
        return Check(status="altered", problems=tuple(problems), **done)
    listed = {f["path"]: f for f in reference["files"]}
    for path, f in listed.items():
        p = folder / path
        if not p.is_file():
            problems.append(f"缺少文件 {path}")
            continue
        size = p.stat().st_size
        if size != f["bytes"]:
            problems.append(f"{path} 大小不符（登记 {f['bytes']:,} 字节，现为 {size:,} 字节）")
        actual = manifest.sha256(p)
        if actual != f["sha256"]:
            problems.append(
                f"{path} 内容被改动（登记的 SHA-256 {_short(f['sha256'])}，现为 {_short(actual)}）"
            )
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel not in listed and rel != manifest.NAME:
            problems.append(f"多出文件 {rel}（不在登记的发布清单中）")
    status = "altered" if problems else "intact"
    return Check(status=status, problems=tuple(problems), files=len(listed) + 1, **done)


def staged_copy(record: Registered, final: Path) -> Path | None:
    """A hidden folder next to `final` holding the recorded edition (a publish killed
    between recording it and renaming its folder), else None."""
    if not final.parent.is_dir():
        return None
    for p in sorted(final.parent.iterdir()):
        m = folders.STAGING.match(p.name)
        if (
            m
            and f"v{m.group(1)}" == final.name
            and (p / manifest.NAME).is_file()
            and manifest.sha256(p / manifest.NAME) == record.manifest_sha256
        ):
            return p
    return None


def summary(checks: list[Check]) -> str:
    counts = {label: sum(c.label == label for c in checks) for label in STATUS_LABELS.values()}
    parts = "，".join(f"{label} {n}" for label, n in counts.items() if n)
    return f"共检查 {len(checks)} 个版本：{parts}" if checks else "没有可检查的版本"


def _manifest_edits(recorded: dict, disk: dict) -> list[str]:
    """What manifest.json says differently from the recorded manifest, in words."""
    lines = []
    for key in recorded.keys() | disk.keys():
        if key != "files" and recorded.get(key) != disk.get(key):
            lines.append(f"{manifest.NAME} 中「{key}」被改动")
    old = {f["path"]: f for f in recorded.get("files", [])}
    new = {f["path"]: f for f in disk.get("files", []) if isinstance(f, dict) and "path" in f}
    for path in sorted(old.keys() | new.keys()):
        if path not in new:
            lines.append(f"{manifest.NAME} 删去了 {path}")
        elif path not in old:
            lines.append(f"{manifest.NAME} 加入了未登记的 {path}")
        elif old[path] != new[path]:
            lines.append(f"{manifest.NAME} 中 {path} 的校验值或大小被改动")
    return sorted(lines)


def _edition_folders(reports: Path, month: date | None) -> list[Path]:
    if not reports.is_dir():
        return []
    months = [reports / f"{month:%Y-%m}"] if month else sorted(reports.iterdir())
    return [
        p
        for m in months
        if m.is_dir() and _parse_month(m.name) is not None
        for p in sorted(m.iterdir())
        if p.is_dir() and folders.FOLDER.match(p.name)
    ]


def _parse_month(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


def _number(folder: str) -> int:
    m = folders.FOLDER.match(folder.rsplit("/", 1)[-1])
    return int(m.group(1)) if m else 0


def _short(sha: str | None) -> str:
    return (sha or "无")[:12]
