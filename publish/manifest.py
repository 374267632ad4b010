"""manifest.json: every file of an edition with its SHA-256, who published it, from which data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from publish import text
from publish.model import Report

NAME = "manifest.json"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build(report: Report, out_dir: Path, files: list[Path]) -> dict:
    alts = {
        f"{report.file_stem}_ranking_{t.group_key}.png": text.png_alt(t) for t in report.rankings
    }
    e = report.edition
    return {
        "month": f"{report.month:%Y-%m}",
        "title": report.title,
        "edition": e.number,
        "edition_label": e.label,
        "is_revision": e.is_revision,
        "reason": e.reason,
        "changelog": list(e.changelog),
        "methodology": {
            "id": report.method.id,
            "title": report.method.title,
            "file": report.method.file_name,
            "sha256": report.method.sha256,
        },
        "index_run_id": report.run_id,
        "data_snapshot": report.data_snapshot,
        "data_as_of": report.data_as_of,
        "reviewer": e.reviewer,
        "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else None,
        "approver": e.approver,
        "published_at": e.published_at.isoformat() if e.published_at else None,
        "files": [
            {
                "path": p.relative_to(out_dir).as_posix(),
                "sha256": sha256(p),
                "bytes": p.stat().st_size,
                **({"alt": alts[p.name]} if p.name in alts else {}),
            }
            for p in sorted(files)
        ],
    }


def write(report: Report, out_dir: Path, files: list[Path]) -> Path:
    path = out_dir / NAME
    path.write_text(
        json.dumps(build(report, out_dir, files), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return path


def verify(edition_dir: Path) -> list[str]:
    """Files whose content no longer matches the manifest (empty: the edition is intact)."""
    doc = json.loads((edition_dir / NAME).read_text(encoding="utf-8"))
    problems = []
    for f in doc["files"]:
        p = edition_dir / f["path"]
        if not p.exists():
            problems.append(f"缺少文件 {f['path']}")
        elif sha256(p) != f["sha256"]:
            problems.append(f"文件已被改动 {f['path']}")
    return problems
