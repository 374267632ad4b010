"""Uploaded export files: kept under the inbox, ingested, and summed up for the page (no UI)."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import polars as pl

from civic.config import inbox_dir
from civic.templates import write_templates
from etl.ingest import IngestReport
from etl.summary import STATUS
from etl.validate import REASONS

ALLOWED = ("xlsx", "xls", "csv", "zip")


def safe_name(name: str) -> str:
    """The file's own name, without any folder part or characters a file system rejects."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r'[\x00-\x1f<>:"|?*]', "_", base).strip(" .")
    return base or "upload"


def save(files: list[tuple[str, bytes]], root: Path | None = None) -> list[Path]:
    """Keep the uploaded files in a new folder data/inbox/uploads/<time>/ and return their paths."""
    folder = (root or inbox_dir() / "uploads") / datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder.mkdir(parents=True)
    paths = []
    for name, content in files:
        path = folder / safe_name(name)
        n = 1
        while path.exists():  # two uploads of the same name: keep both
            path = folder / f"{path.stem}({n}){path.suffix}"
            n += 1
        path.write_bytes(content)
        paths.append(path)
    return paths


def outcome_table(report: IngestReport, folder: Path | None = None) -> pl.DataFrame:
    """One row per file: what happened to it, rows accepted and set aside, why.

    Files are named as uploaded (without the folder they were kept in).
    """
    prefix = f"{folder}/" if folder else ""
    return pl.DataFrame(
        [
            {
                "file": o.display.removeprefix(prefix),
                "status": STATUS.get(o.status, o.status),
                "unit_code": o.unit_code or "",
                "month": o.month or "",
                "rows_accepted": o.rows_accepted,
                "rows_quarantined": o.rows_quarantined,
                "reasons": "，".join(
                    f"{REASONS.get(k, k)} {n}" for k, n in sorted(o.quarantined_by_reason.items())
                ),
                "message": o.message,
            }
            for o in report.outcomes
        ],
        schema={
            "file": pl.String, "status": pl.String, "unit_code": pl.String, "month": pl.String,
            "rows_accepted": pl.Int64, "rows_quarantined": pl.Int64, "reasons": pl.String,
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
