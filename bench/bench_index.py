"""Time the monthly index engine (index/compute.py) on the demo database and at scale 10.

Run:
    uv run python bench/bench_index.py               # both scales
    uv run python bench/bench_index.py --scale 1     # the demo database only
    uv run python bench/bench_index.py --scale 10
    uv run python bench/bench_index.py --store10 DIR  # another store as scale 10

Databases: scale 1 is the demo database (`uv run civic db-path`); scale 10 is
the store bench/out/bench-db that `uv run python bench/bench_ingest.py csv`
leaves behind (note: `bench_ingest.py xlsx` replaces it with a scale-1 county;
the script prints each database's unit count so this shows). If that database
was built before mart_unit_month existed, int_unit_scope and mart_unit_month
are built into a copy, bench/out/index-scale10.duckdb; bench/out/bench-db is
only ever opened read-only.

The inputs (mart rows, missing sheets, adjustments, reviews) are read once
per database and timed on their own; then compute_frames, the pure core, is
timed 3 times per case and the median reported:
  - one month (the last) with the full uncertainty analysis: 1,000 draws
    over every assumption (weights, normalisation, goalposts, imputation,
    aggregation) and the sensitivity table (one assumption at a time)
                                                       target < 1 s (scale 1), < 5 s (scale 10)
  - every month present, 1,000 draws each              target < 10 s
  - 1,000 robustness draws alone: compute_frames for the last month with
    1,000 draws minus the same with 1 draw (the cost of 999 draws; the two
    are run alternately)                                target < 5 s
    The difference is small beside the rest and noisy (it can come out
    negative), so the time spent in the robustness step (_robustness) during
    the 1,000-draw runs is printed too.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb

from core import store as db_store
from index import compute, methodology
from index.compute import NotReady, compute_frames, data_snapshot, mart_columns, read_inputs
from index.methodology import MART

OUT = Path(__file__).parent / "out"
SCALE10_STORE = OUT / "bench-db"
SCALE10_COPY = OUT / "index-scale10.duckdb"
REPEATS = 3
DRAWS = 1000
# case -> target seconds at scale 1
TARGETS = {"one month, 1,000 draws": 1.0, "all months, 1,000 draws": 10.0, "999 draws alone": 5.0}
TARGETS_10 = {"one month, 1,000 draws": 5.0}


def open_scale1() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db_store.current_path()), read_only=True)


def open_scale10(store: Path) -> duckdb.DuckDBPyConnection | None:
    try:
        path = db_store.current_path(store)
    except db_store.NoDatabase:
        return None
    con = duckdb.connect(str(path), read_only=True)
    try:
        mart_columns(con)
        return con
    except NotReady:
        con.close()
    # built by an older version: build the index's two models into a copy
    from etl import models

    t = time.perf_counter()
    shutil.copyfile(path, SCALE10_COPY)
    con = duckdb.connect(str(SCALE10_COPY))
    ms = models.discover()
    for name in ("int_unit_scope", MART):
        con.execute(f"create or replace table {name} as {ms[name].sql}")
    con.execute("checkpoint")
    print(
        f"  {path} has no {MART}: built int_unit_scope and {MART} into "
        f"{SCALE10_COPY} in {time.perf_counter() - t:.1f} s"
    )
    return con


def seconds(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def median_seconds(fn) -> float:
    return statistics.median(seconds(fn) for _ in range(REPEATS))


@contextlib.contextmanager
def robustness_timer() -> Iterator[list[float]]:
    """Adds up the time compute_frames spends in its robustness step (_robustness)."""
    spent = [0.0]
    inner = compute._robustness

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    compute._robustness = timed
    try:
        yield spent
    finally:
        compute._robustness = inner


def bench(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, float], int]:
    units, files = con.sql(
        f"select count(distinct unit_code), (select count(*) from source_file) from {MART}"
    ).fetchall()[0]
    meth = methodology.load(None, mart_columns(con))
    months: list[date] = [
        r[0] for r in con.sql(f"select distinct month from {MART} order by 1").fetchall()
    ]
    last = months[-1]
    t = time.perf_counter()
    inputs = read_inputs(con, last)
    mart, adjustments = inputs.mart, inputs.adjustments
    snapshot = data_snapshot(con)
    read_s = time.perf_counter() - t
    con.close()
    print(
        f"  {units:,} ranked units, {files:,} source files, {len(months)} months "
        f"({months[0]:%Y-%m}..{last:%Y-%m}), {mart.height:,} mart rows, "
        f"{adjustments.height:,} adjustments; methodology {meth.id}"
    )

    def run(ms: list[date], draws: int):
        return lambda: compute_frames(
            mart, adjustments, meth, ms, draws, snapshot=snapshot,
            missing_sheets=inputs.missing_sheets, reviews=inputs.reviews,
        )  # fmt: skip

    # the last month with 1,000 draws and with 1 draw, alternately (so drift hits both)
    one, one_draw, inside = [], [], []
    for _ in range(REPEATS):
        with robustness_timer() as spent:
            one.append(seconds(run([last], DRAWS)))
        inside.append(spent[0])
        one_draw.append(seconds(run([last], 1)))
    every = median_seconds(run(months, DRAWS))
    one_s, one_draw_s = statistics.median(one), statistics.median(one_draw)
    return {
        "read inputs (once)": read_s,
        "one month, 1,000 draws": one_s,
        "all months, 1,000 draws": every,
        "999 draws alone": one_s - one_draw_s,
        "  (one month, 1 draw)": one_draw_s,
        "  (robustness step in the 1,000)": statistics.median(inside),
    }, units


def print_table(figures: dict[str, dict[str, float]]) -> None:
    scales = list(figures)
    cases = list(next(iter(figures.values())))
    head = f"{'':<34}" + "".join(f"{'scale ' + s:>12}" for s in scales) + "   targets"
    print(head)
    print("-" * len(head))
    for case in cases:
        line = f"{case:<34}" + "".join(f"{figures[s][case]:>10.2f} s" for s in scales)
        target = TARGETS.get(case)
        if target is not None:
            marks = []
            for s in scales:
                goal = target if s == "1" else TARGETS_10.get(case)
                if goal is None:
                    marks.append("—")
                else:
                    marks.append(f"< {goal:g} s {'✔' if figures[s][case] < goal else '✘'}")
            line += "   " + " | ".join(marks)
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=["1", "10", "both"], default="both")
    ap.add_argument(
        "--store10",
        type=Path,
        default=SCALE10_STORE,
        help=f"database store (folder with CURRENT) for scale 10 (default {SCALE10_STORE})",
    )
    args = ap.parse_args()
    figures: dict[str, dict[str, float]] = {}
    units: dict[str, int] = {}
    if args.scale in ("1", "both"):
        print(f"scale 1: {db_store.current_path()}")
        figures["1"], units["1"] = bench(open_scale1())
    if args.scale in ("10", "both"):
        print(f"scale 10: {args.store10}")
        con = open_scale10(args.store10)
        if con is None:
            print(
                f"  skipped: no database in {args.store10} "
                "(build it with `uv run python bench/bench_ingest.py csv`, see bench/README.md)"
            )
        else:
            figures["10"], units["10"] = bench(con)
            if "1" in units and units["10"] <= units["1"]:
                print(
                    f"  warning: this database has {units['10']:,} ranked units, no more than "
                    "scale 1: it is not a scale-10 county (bench_ingest.py xlsx replaces "
                    "bench-db with a scale-1 one; rebuild with bench_ingest.py csv)"
                )
    if figures:
        print(f"\nmedian of {REPEATS} runs of compute_frames (inputs read once)")
        print_table(figures)


if __name__ == "__main__":
    main()
