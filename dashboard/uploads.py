"""Files sent through the app: checked, kept under generated names, summed up (no UI).

Uploads come from 200+ units: a file is refused before anything is stored if
it is too big, not an export type, or a zip that is unsafe (paths leaving
the folder, too many entries, or more data inside than allowed, measured by
actually decompressing since a zip's directory can lie). Stored files get
generated names; the name they were sent with travels to the ETL beside them.
An upload is then one ingest run: its files share one decompression budget
and the row and cell limits (etl/bounds.py, county.toml [reading]); a file
over them is refused by name on the page while the others load.
"""

from __future__ import annotations

import io
import re
import tempfile
import uuid
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import polars as pl

from core.config import inbox_dir
from core.templates import write_templates
from etl.ingest import IngestReport
from etl.receipt import SHOWN
from etl.summary import STATUS, version_lines
from etl.validate import REASONS

ALLOWED = ("xlsx", "xls", "csv", "zip")
INNER_ALLOWED = ("xlsx", "xls", "csv")  # inside a zip: no zips in zips
MAX_FILE_BYTES = 50 * 2**20  # one uploaded file
MAX_TOTAL_BYTES = 200 * 2**20  # one upload
MAX_ZIP_ENTRIES = 3000  # a month of a county's exports is about 550 files
MAX_UNZIPPED_BYTES = 1 * 2**30  # what a zip may expand to, all entries together


class UploadRejected(ValueError):
    """An upload that is not stored at all; the message names the file and the reason."""


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check(files: list[tuple[str, bytes]], allowed_codes: set[str] | None = None) -> None:
    """Refuse the whole upload if any file is too big, of a type not allowed, or an unsafe zip.

    allowed_codes: a 乡镇 account's units; each file (and zip entry) must name one of them.
    Nothing is written before every file has passed.
    """
    from etl.identity import name_codes
    from etl.sources import entry_name

    if not files:
        raise UploadRejected("没有选择文件")
    total = sum(len(content) for _, content in files)
    if total > MAX_TOTAL_BYTES:
        raise UploadRejected(
            f"一次上传共 {_mb(total)}，超过上限 {_mb(MAX_TOTAL_BYTES)}：请分批上传"
        )

    def own(name: str) -> None:
        if allowed_codes is not None and not set(name_codes(name)) & allowed_codes:
            raise UploadRejected(
                f"{name}：乡镇账号只能上传本乡镇单位的报送文件（文件名须含本乡镇的单位编码）"
            )

    for name, content in files:
        ext = _extension(name)
        if ext not in ALLOWED:
            raise UploadRejected(f"{name}：不支持的文件类型（只接受 .xlsx、.xls、.csv、.zip）")
        if len(content) > MAX_FILE_BYTES:
            raise UploadRejected(
                f"{name}：文件 {_mb(len(content))}，超过单个文件上限 {_mb(MAX_FILE_BYTES)}"
            )
        if ext != "zip":
            own(name)
            continue
        try:
            z = zipfile.ZipFile(io.BytesIO(content))
            infos = [i for i in z.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise UploadRejected(f"{name}：压缩包已损坏，无法打开（{e}）") from None
        if len(infos) > MAX_ZIP_ENTRIES:
            raise UploadRejected(
                f"{name}：压缩包内有 {len(infos)} 个文件，超过上限 {MAX_ZIP_ENTRIES}"
            )
        declared = 0
        for info in infos:
            entry = entry_name(info)
            parts = entry.replace("\\", "/").split("/")
            if entry.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise UploadRejected(f"{name}：压缩包内的路径不安全（{entry}）")
            base = parts[-1]
            if base.startswith(".") or entry.startswith("__MACOSX/"):
                continue
            if _extension(base) not in INNER_ALLOWED:
                raise UploadRejected(f"{name}：压缩包内的 {entry} 不是 .xlsx、.xls 或 .csv 文件")
            own(base)
            declared += info.file_size
        if declared > MAX_UNZIPPED_BYTES:
            raise UploadRejected(
                f"{name}：解压后共 {_mb(declared)}，超过上限 {_mb(MAX_UNZIPPED_BYTES)}"
            )
        # sizes in a zip's directory can lie (zip bombs): count what really comes out
        # (zipfile stops at the declared size, and the CRC then catches the lie)
        expanded = 0
        try:
            for info in infos:
                with z.open(info) as f:
                    while chunk := f.read(1 << 20):
                        expanded += len(chunk)
                        if expanded > MAX_UNZIPPED_BYTES:
                            limit = _mb(MAX_UNZIPPED_BYTES)
                            raise UploadRejected(
                                f"{name}：解压后超过上限 {limit}，疑似压缩炸弹，已拒收"
                            )
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as e:
            raise UploadRejected(f"{name}：压缩包已损坏或被篡改，无法解压（{e}）") from None


def safe_name(name: str) -> str:
    """The file's own name as sent, without any folder part or control characters."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r'[\x00-\x1f<>:"|?*]', "_", base).strip(" .")
    return base or "upload"


def save(files: list[tuple[str, bytes]], root: Path | None = None) -> dict[Path, str]:
    """Keep checked files under generated names in a new folder data/inbox/uploads/<time>-<id>/.

    Returns each stored path with the name it was sent with (for the ETL and for staff).
    """
    folder = (root or inbox_dir() / "uploads") / (
        datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
    )
    folder.mkdir(parents=True)
    stored = {}
    for name, content in files:
        path = folder / f"{uuid.uuid4().hex}.{_extension(name)}"
        path.write_bytes(content)
        stored[path] = safe_name(name)
    return stored


def outcome_table(report: IngestReport) -> pl.DataFrame:
    """One row per file (named as sent): what happened to it, rows accepted and set aside, why,
    and the earlier version it replaced (the same words as `civic ingest`)."""
    return pl.DataFrame(
        [
            {
                "file": o.display,
                "status": STATUS.get(o.status, o.status),
                "unit_code": o.unit_code or "",
                "month": o.month or "",
                "received_at": o.received_at.strftime(SHOWN) if o.received_at else "",
                "file_modified_at": (
                    o.file_modified_at.strftime(SHOWN) if o.file_modified_at else ""
                ),
                "versions": "；".join(version_lines(o)) if o.status == "loaded" else "",
                "rows_accepted": o.rows_accepted,
                "rows_quarantined": o.rows_quarantined,
                "rows_set_aside": sum(o.set_aside_by_reason.values()),
                "reasons": "，".join(
                    f"{REASONS.get(k, k)} {n}"
                    for k, n in sorted((o.quarantined_by_reason | o.set_aside_by_reason).items())
                ),
                "message": o.message,
            }
            for o in report.outcomes
        ],
        schema={
            "file": pl.String, "status": pl.String, "unit_code": pl.String, "month": pl.String,
            "received_at": pl.String, "file_modified_at": pl.String, "versions": pl.String,
            "rows_accepted": pl.Int64, "rows_quarantined": pl.Int64, "rows_set_aside": pl.Int64,
            "reasons": pl.String,
            "message": pl.String,
        },
    )  # fmt: skip


def affected_months(report: IngestReport) -> list:
    """The months the newly loaded files report (to rank again)."""
    from datetime import date

    months = set()
    for o in report.outcomes:
        if o.status == "loaded" and o.month:
            y, m = o.month[:7].split("-")
            months.add(date(int(y), int(m), 1))
    return sorted(months)


def templates_zip() -> bytes:
    """Every blank template (.xlsx with drop-downs and .csv headers) in one zip."""
    with tempfile.TemporaryDirectory() as tmp:
        files = write_templates(Path(tmp))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.name)
    return buffer.getvalue()
