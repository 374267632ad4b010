"""Write one edition's files: each renderer once, into a folder that then becomes read-only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from publish import (
    browser,
    manifest,
    render_docx,
    render_html,
    render_images,
    render_pdf,
    render_xlsx,
)
from publish.model import Report, to_dict

# one renderer per format, each `render(report, out_dir) -> [paths]`
RENDERERS = (render_html, render_images, render_xlsx, render_docx, render_pdf)
REPORT_JSON = "report.json"


def write(report: Report, out_dir: Path) -> list[Path]:
    """Render every format into `out_dir` (which must be new and empty), then the manifest."""
    out_dir.mkdir(parents=True, exist_ok=False)
    files: list[Path] = []
    with browser.session():
        for renderer in RENDERERS:
            files += renderer.render(report, out_dir)
    data = out_dir / REPORT_JSON
    data.write_text(
        json.dumps(to_dict(report), ensure_ascii=False, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
    files.append(data)
    files.append(manifest.write(report, out_dir, files))
    for f in files:
        os.chmod(f, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # a published file is not edited
    return files
