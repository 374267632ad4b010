"""Time `civic ingest` against reading the same files with other tools, and its peak memory.

Run (after generating the inputs, see bench/README.md):
    uv run python bench/bench_ingest.py csv    # --scale 10 county as CSV vs DuckDB read_csv
    uv run python bench/bench_ingest.py xlsx   # .xlsx county vs pandas + openpyxl

Targets (issue 3): full ingest, validation and models included, within 3x of
DuckDB's own read_csv of the same files; the .xlsx path at least 5x faster
than pandas + openpyxl; peak memory under 2 GB. Both sides run in this one
process run, one after the other, so the ratio is measured on the same machine state.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import shutil
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil

from core.registry import load_registry
from etl.ingest import ingest

OUT = Path(__file__).parent / "out"


class PeakMemory:
    """Peak resident memory of this process and its children together, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self.at_peak = (0.0, 0, 0)  # seconds since start, main process, reader processes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        start = time.perf_counter()
        while not self._stop.is_set():
            main = me.memory_info().rss
            children = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a worker may exit meanwhile
                    children += child.memory_info().rss
            if main + children > self.peak:
                self.peak = main + children
                self.at_peak = (time.perf_counter() - start, main, children)
            time.sleep(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_ingest(folder: Path, registry_dir: Path | None) -> tuple[float, int, int]:
    store = OUT / "bench-db"
    shutil.rmtree(store, ignore_errors=True)
    reg = load_registry(registry_dir)
    with PeakMemory() as mem:
        t = time.perf_counter()
        report = ingest([folder], store, reg, workers=2)
        seconds = time.perf_counter() - t
    assert report.check_failures == [], report.check_failures
    for name, secs in sorted(report.phases.items(), key=lambda kv: -kv[1])[:12]:
        print(f"    {name:<40} {secs:7.1f} s")
    at, main, children = mem.at_peak
    ends = zip(report.phases, itertools.accumulate(report.phases.values()), strict=True)
    phase = next((name for name, end in ends if end >= at), "the end")
    print(
        f"    memory peak at {at:.0f} s (during {phase}): main process {main / 2**20:,.0f} MB, "
        f"reader processes {children / 2**20:,.0f} MB"
    )
    return seconds, report.rows_accepted + report.rows_quarantined, mem.peak


def duckdb_read_csv(files: list[str]) -> tuple[float, int]:
    """DuckDB reading every file as text into tables: the raw read, nothing checked.

    Files of one export kind (named by the suffix) share a width, so each kind
    is one read_csv call over its files: DuckDB's fastest way to read them.
    """
    from core.contract import SHEETS

    groups: dict[str, list[str]] = {}
    for f in files:
        key = next((sh.key for sh in SHEETS if sh.title in Path(f).name), "other")
        groups.setdefault(key, []).append(f)
    con = duckdb.connect()
    t = time.perf_counter()
    for key, group in groups.items():
        con.execute(
            f"create table raw_{key} as select * from read_csv($files, all_varchar = true, "
            "header = false, null_padding = true, strict_mode = false, filename = true)",
            {"files": group},
        )
    seconds = time.perf_counter() - t
    rows = sum(con.sql(f"select count(*) from raw_{k}").fetchall()[0][0] for k in groups)
    con.close()
    return seconds, rows


def pandas_openpyxl(files: list[Path]) -> tuple[float, int]:
    import pandas as pd

    t = time.perf_counter()
    rows = 0
    for f in files:
        for frame in pd.read_excel(
            f, sheet_name=None, header=None, dtype=str, engine="openpyxl"
        ).values():
            rows += len(frame)
    return time.perf_counter() - t, rows


def bench_csv(folder: Path, registry_dir: Path) -> None:
    files = sorted(str(p) for p in folder.rglob("*.csv"))
    print(
        f"CSV county {folder.name}: {len(files):,} files, "
        f"{sum(Path(f).stat().st_size for f in files) / 2**20:,.0f} MB"
    )
    raw_s, raw_rows = duckdb_read_csv(files)
    print(f"  DuckDB read_csv (text only, no checks): {raw_s:8.1f} s  {raw_rows:>10,} lines")
    ours_s, ours_rows, peak = run_ingest(folder, registry_dir)
    print(f"  civic ingest (read, validate, load, models): {ours_s:8.1f} s  {ours_rows:>10,} rows")
    print(f"  ratio ingest / read_csv: {ours_s / raw_s:.2f}x (target <= 3x)")
    print(f"  peak memory, ingest and its workers: {peak / 2**20:,.0f} MB (target < 2048 MB)")


def bench_xlsx(folder: Path, registry_dir: Path | None, sample: int) -> None:
    # the planted broken workbook is left out: pandas cannot read it at all
    files = sorted(f for f in folder.rglob("*.xlsx") if "损坏" not in f.name)
    step = max(1, len(files) // sample) if sample else 1
    chosen = files[::step]
    sub = OUT / "xlsx-sample"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir(parents=True)
    for f in chosen:
        target = sub / f.parent.name / f.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy2(f, target)
    print(f"xlsx county {folder.name}: {len(chosen):,} of {len(files):,} workbooks")
    pd_s, pd_rows = pandas_openpyxl(sorted(sub.rglob("*.xlsx")))
    print(f"  pandas + openpyxl read (text only, no checks): {pd_s:8.1f} s  {pd_rows:>10,} lines")
    ours_s, ours_rows, peak = run_ingest(sub, registry_dir)
    print(f"  civic ingest (read, validate, load, models): {ours_s:8.1f} s  {ours_rows:>10,} rows")
    print(f"  speed-up over pandas + openpyxl: {pd_s / ours_s:.1f}x (target >= 5x)")
    print(f"  peak memory, ingest and its workers: {peak / 2**20:,.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["csv", "xlsx"])
    ap.add_argument("--sample", type=int, default=1000, help="xlsx: workbooks to compare on")
    args = ap.parse_args()
    if args.what == "csv":
        folder = OUT / "csv-scale10"
        if not folder.exists():
            sys.exit(
                "generate first: uv run civic generate --scale 10 --format csv "
                "--out bench/out/csv-scale10"
            )
        bench_csv(folder, OUT / "registry-scale10")
    else:
        folder = OUT / "xlsx-scale1"
        if not folder.exists():
            sys.exit(
                "generate first: uv run civic generate --format xlsx --out bench/out/xlsx-scale1"
            )
        bench_xlsx(folder, None, args.sample)


if __name__ == "__main__":
    main()
