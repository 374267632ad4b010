"""A province's month: 100 counties' packages loaded, ranked and published, and one
corrected package replacing its county's month.

Run:
    uv run python bench/bench_rollup.py prepare            # 100 counties' packages, once
    uv run python bench/bench_rollup.py run                # the measured province month
    uv run python bench/bench_rollup.py run --runs 3
    uv run python bench/bench_rollup.py engines --counties 10   # the models, DuckDB vs Spark

`prepare` makes each county as a county office would: its own registry
(`demo.counties`, distinct codes, towns and populations), its month of exports
generated, `civic ingest` (received on the files' own dates), `civic rank` of the
month, `civic package`. Two counties at a time (one process each); the county stores
are kept under bench/out/rollup/counties/ for the correction, the exports removed.

`run` starts from an empty roll-up store and times, in one process: registering the
counties, `rollup ingest` of every package, `rollup rank` of the month (1,000 draws),
`rollup publish` (HTML, PDF in Chromium, workbook); then a corrected package of one
county (made again from its store) loaded into the 100-county store. Peak memory is
the resident memory of this process and its children (Chromium), sampled every 50 ms.
Targets (issue 20): package load to published ranking < 60 s, peak < 4 GB, one
corrected package < 10 s.

`engines` builds the first N counties' staging, fact and mart models from their
stores' inputs on DuckDB (in memory, one county after another) and on Spark local[2]
(one application, one county after another), times both, and compares every table row
by row (etl/engines/compare.py).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import shutil
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

import psutil

OUT = Path(__file__).parent / "out" / "rollup"
MONTH = date(2026, 10, 1)


def _county(index: int, seed: int) -> tuple[str, str, str, str, float]:
    """One county from nothing to its package: (code, name, city code, city name, seconds)."""
    from core.registry import load_registry
    from demo import counties
    from demo.generate import generate
    from etl.ingest import ingest
    from etl.receipt import Receipt
    from index import run as index_run
    from rollup import package

    t = time.perf_counter()
    county = counties.make_county(load_registry(), index, seed)
    base = OUT / "counties" / county.county_code
    shutil.rmtree(base, ignore_errors=True)
    reg = counties.write_county(county, base / "registry")
    generate(base / "inbox", [MONTH], seed=seed + index, registry=reg, workers=1)
    ingest([base / "inbox"], base / "db", reg, workers=1, received=Receipt.from_file_dates())
    index_run.rank_and_store(base / "db", [MONTH], draws=200, actor="bench")
    package.make(base / "db", MONTH, OUT / "packages", made_at=datetime(2026, 11, 6, 9, 0))
    shutil.rmtree(base / "inbox")
    code = reg.county_code
    return (
        code,
        reg.county_name,
        counties.city_code(code),
        counties.city_name(code, seed),
        (time.perf_counter() - t),
    )


def prepare(n: int, seed: int, workers: int) -> None:
    (OUT / "packages").mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    listed = []
    with ProcessPoolExecutor(workers) as pool:
        for done, row in enumerate(pool.map(_county, range(n), [seed] * n), 1):
            listed.append(row[:4])
            print(f"  {done:>3}/{n} {row[0]} {row[1]} {row[4]:.0f} s", flush=True)
    with (OUT / "counties.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "city_code", "city_name"])
        w.writerows(sorted(listed))
    size = sum(p.stat().st_size for p in (OUT / "packages").rglob("*") if p.is_file())
    print(f"{n} counties' packages in {time.perf_counter() - t:.0f} s, {size / 2**20:.0f} MB")


class Peak:
    """The largest resident memory of this process and its children, sampled every 50 ms."""

    def __init__(self) -> None:
        self.mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a child may exit meanwhile
                    total += p.memory_info().rss
            self.mb = max(self.mb, total / 2**20)
            self._stop.wait(0.05)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def one_run(run: int) -> dict[str, float]:
    from publish import browser
    from rollup import edition, package, rank, registry
    from rollup import store as rollup_store

    store = OUT / f"store-{run}"
    reports = OUT / f"reports-{run}"
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(reports, ignore_errors=True)
    folders = sorted(p for p in (OUT / "packages").iterdir() if p.is_dir())
    laps: dict[str, float] = {}
    with Peak() as peak:
        t0 = t = time.perf_counter()
        registry.write(store, registry.region_of(registry.read_csv(OUT / "counties.csv"),
                                                 "示例省"))  # fmt: skip
        for folder in folders:
            rollup_store.load(store, folder)
        laps["ingest"] = time.perf_counter() - t
        t = time.perf_counter()
        ranked = rank.compute(store, MONTH)
        rank.store_ranking(store, ranked)
        laps["rank"] = time.perf_counter() - t
        t = time.perf_counter()
        with browser.session():
            edition.publish(store, reports, MONTH, "bench")
        laps["publish"] = time.perf_counter() - t
        laps["total"] = time.perf_counter() - t0
        # a county corrects its month: made again from its store, loaded into the 100
        first = folders[0].name.split("_")[0]
        corrected = package.make(OUT / "counties" / first / "db", MONTH, OUT / f"again-{run}",
                                 made_at=datetime(2026, 11, 20, 9, run))  # fmt: skip
        t = time.perf_counter()
        rollup_store.load(store, corrected)
        laps["correction"] = time.perf_counter() - t
    laps["peak_mb"] = peak.mb
    laps["packages"] = len(folders)
    laps["store_mb"] = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 2**20
    return laps


def engines(n: int) -> None:
    from etl.engines import compare, on_duckdb, on_spark, parquet

    stores = sorted((OUT / "counties").glob("*/db"))[:n]
    out = OUT / "engines"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    codes = [parquet.export_inputs(s, out / "inputs") for s in stores]
    exported = time.perf_counter() - t
    t = time.perf_counter()
    for code in codes:
        on_duckdb.build(out / "inputs", out / "duckdb", code)
    duck = time.perf_counter() - t
    with Peak() as peak:
        t = time.perf_counter()
        with on_spark.session("local[2]", memory="3g") as spark:
            started = time.perf_counter() - t
            t = time.perf_counter()
            for i, code in enumerate(codes, 1):
                c = time.perf_counter()
                on_spark.build(spark, out / "inputs", out / "spark", code)
                took = time.perf_counter() - c
                print(f"  spark {i}/{len(codes)} {code} {took:.1f} s", flush=True)
            spark_s = time.perf_counter() - t
    problems = compare.of_runs(out, codes)
    rows = sum(parquet.read_table(out / "duckdb", "fct_points_entry", c).height for c in codes)
    print(
        f"{len(codes)} counties ({rows:,} points entries) · export {exported:.1f} s · "
        f"DuckDB {duck:.1f} s ({duck / len(codes):.1f} s a county) · Spark start {started:.1f} s, "
        f"models {spark_s:.1f} s ({spark_s / len(codes):.1f} s a county) · "
        f"peak (Spark and this process) {peak.mb:,.0f} MB · "
        f"{'identical' if not problems else f'{len(problems)} differences'}"
    )
    for p in problems[:20]:
        print("  ", p)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--counties", type=int, default=100)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workers", type=int, default=2)
    r = sub.add_parser("run")
    r.add_argument("--runs", type=int, default=1)
    e = sub.add_parser("engines")
    e.add_argument("--counties", type=int, default=10)
    args = ap.parse_args()
    if args.command == "prepare":
        prepare(args.counties, args.seed, args.workers)
        return
    if args.command == "engines":
        engines(args.counties)
        return
    results = []
    for run in range(1, args.runs + 1):
        laps = one_run(run)
        results.append(laps)
        print(
            f"run {run}: {laps['packages']:.0f} packages · ingest {laps['ingest']:.1f} s · "
            f"rank {laps['rank']:.1f} s · publish {laps['publish']:.1f} s · "
            f"total {laps['total']:.1f} s (target < 60) · correction {laps['correction']:.2f} s "
            f"(target < 10) · peak {laps['peak_mb']:,.0f} MB (target < 4,096) · "
            f"store {laps['store_mb']:.0f} MB",
            flush=True,
        )
    if len(results) > 1:
        for key in ("ingest", "rank", "publish", "total", "correction", "peak_mb"):
            values = [r[key] for r in results]
            print(f"  {key:<10} median {statistics.median(values):.2f}  "
                  f"min {min(values):.2f}  max {max(values):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
