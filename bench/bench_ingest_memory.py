"""Peak memory of `civic ingest` (main process and readers together) on the worst file that passes.

    uv run python bench/bench_ingest_memory.py

Builds, in bench/out/memory/, files just inside county.toml's [reading] limits
(64 MB as read, 500,000 cells, 100,000 rows per sheet): a CSV and an .xlsx of
the activities export whose long texts fill the 64 MB, and ingests each into a
fresh store, once among 110 small files (read by the two reader processes, under
their memory limit) and once alone (read in the main process), each run in its
own process so that none inherits another's memory. Target: under 1.5 GB for
the whole process tree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

OUT = ROOT / "bench" / "out" / "memory"
TARGET_MB = 1536


def _rows(n: int, width: int = 60):
    from tests.exports import activity, header

    yield header("activities")
    for i in range(1, n):
        row = activity(i)
        row[2] = f"{row[2]}{'新时代文明实践志愿服务' * (width // 11)}"[:width]  # activity_name
        yield row


def build() -> dict[str, Path]:
    import xlsxwriter

    from core.registry import load_registry
    from tests.exports import activity, header, write_csv

    shutil.rmtree(OUT, ignore_errors=True)
    small = OUT / "small"
    codes = [c for c in load_registry().units["code"] if len(c) == 12][:110]
    for i, code in enumerate(codes):
        rows = [header("activities")] + [activity(i * 100 + r, code) for r in range(20)]
        write_csv(small / f"{code}_2026-10_活动台账.csv", rows)
    # the activities export has 15 columns: 33,000 rows are 495,000 cells
    worst_csv = OUT / "worst-csv" / "620623101204_安家河村_2026-10_活动台账.csv"
    write_csv(worst_csv, list(_rows(33_000, 550)))  # 550 characters: 1.6 KB
    worst_xlsx = OUT / "worst-xlsx" / "620623101204_安家河村_2026-10.xlsx"
    worst_xlsx.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(worst_xlsx), {"constant_memory": True})
    sheet = book.add_worksheet("活动台账")
    for r, row in enumerate(_rows(33_000, 420)):
        sheet.write_row(r, 0, row)
    book.close()
    return {"csv": worst_csv, "xlsx": worst_xlsx}


def run_one(case: str, folders: list[str]) -> None:
    """One ingest in this process, sampled with the tree's peak memory; prints JSON."""
    from bench_ingest import PeakMemory

    from core.registry import load_registry
    from etl import bounds
    from etl.ingest import ingest

    store = OUT / f"db-{case}"
    shutil.rmtree(store, ignore_errors=True)
    reg = load_registry()
    with PeakMemory() as mem:
        t = time.perf_counter()
        report = ingest([Path(f) for f in folders], store, reg, workers=2)
        seconds = time.perf_counter() - t
    measured = {}
    for f in folders:
        for p in Path(f).iterdir():
            if p.name.startswith("620623101204_安家河村"):
                from etl.sources import discover

                (ref,) = list(discover([p]))
                m = bounds.measure(ref, bounds.Limits.of(reg.values))
                measured = {
                    "size_mb": m.size_bytes / 2**20,
                    "expanded_mb": m.expanded_bytes / 2**20,
                }
    _, main, children = mem.at_peak
    print(
        json.dumps(
            {
                "case": case,
                "peak_mb": mem.peak / 2**20,
                "main_mb": main / 2**20,
                "readers_mb": children / 2**20,
                "seconds": seconds,
                "loaded": report.count("loaded"),
                "refused": report.count("refused"),
                "rows": report.rows_accepted,
                **measured,
            }
        )
    )


def main() -> None:
    worst = build()
    small = str(OUT / "small")
    cases = {
        "110 small files (baseline)": [small],
        "worst CSV among 110 (readers)": [small, str(worst["csv"].parent)],
        "worst xlsx among 110 (readers)": [small, str(worst["xlsx"].parent)],
        "worst CSV alone (main process)": [str(worst["csv"].parent)],
        "worst xlsx alone (main process)": [str(worst["xlsx"].parent)],
    }
    print(
        f"| case | file | as read | peak (tree) | main | readers | rows | target < {TARGET_MB} MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for case, folders in cases.items():
        out = subprocess.run(
            [sys.executable, __file__, "--one", case, *folders],
            capture_output=True, text=True, check=True, cwd=ROOT,
        ).stdout  # fmt: skip
        r = json.loads(out.strip().splitlines()[-1])
        ok = "✔" if r["peak_mb"] < TARGET_MB else "✘"
        size = f"{r['size_mb']:.1f} MB" if "size_mb" in r else "—"
        read = f"{max(r['size_mb'], r['expanded_mb']):.1f} MB" if "size_mb" in r else "—"
        print(
            f"| {case} | {size} | {read} | {r['peak_mb']:,.0f} MB | {r['main_mb']:,.0f} MB "
            f"| {r['readers_mb']:,.0f} MB | {r['rows']:,} (refused {r['refused']}) | {ok} |"
        )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3:])
    else:
        main()
