"""Time a full edition: `civic publish` of the demo county's latest month, and each of its steps.

Run:
    uv run python bench/bench_publish.py            # 3 runs on copies of the demo database
    uv run python bench/bench_publish.py --runs 5
    uv run python bench/bench_publish.py --store bench/out/bench-db-scale10 --rank
        # scale 10: --rank first ranks the month and the one before it in the copy

Each run copies the current demo database (`uv run civic demo` builds it)
into bench/out/publish-run-N/ and publishes the month there, end to end as
the CLI does: draft, review and publish in a new database version, the
model built once, every renderer (HTML, PNG, XLSX, DOCX, PDF) in one
Chromium, the manifest. Then, on the last copy, the same steps are timed
one by one inside one browser session. Target: a full edition < 10 s at scale 1.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from datetime import date
from pathlib import Path

from core import store as db_store
from index import run as index_run
from publish import browser, edition, model, workflow

OUT = Path(__file__).parent / "out"
TARGET_S = 10.0  # issue 18: the edition with its appendices still under 10 s at scale 1


def copy_store(target: Path, source: Path | None) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    current = db_store.current_path(source)
    shutil.copyfile(current, target / current.name)
    (target / "CURRENT").write_text(current.name + "\n")
    return target


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--store", type=Path, default=None, help="database folder (default: demo)")
    ap.add_argument("--rank", action="store_true", help="rank the last two months first")
    args = ap.parse_args()
    source = args.store
    if args.rank:
        source = copy_store(OUT / "publish-ranked" / "db", args.store)
        with db_store.reading(source) as con:
            months = index_run.months_present(con)[-2:]
        t = time.perf_counter()
        index_run.rank_and_store(source, months)
        print(f"ranked {len(months)} months in {time.perf_counter() - t:.1f} s (not counted)")
    with db_store.reading(source) as con:
        month = workflow.latest_complete_month(con, date.today())
        units = con.sql("select count(*) from ref_unit").fetchall()[0][0]
    print(f"database {db_store.current_path(source)} ({units} units)  month {month:%Y-%m}")

    totals = []
    for n in range(1, args.runs + 1):
        base = OUT / f"publish-run-{n}"
        store = copy_store(base / "db", source)
        reports = base / "reports"
        shutil.rmtree(reports, ignore_errors=True)
        t = time.perf_counter()
        done = workflow.publish_month(store, month, "bench", "bench", reports=reports)
        totals.append(time.perf_counter() - t)
        size = sum(f.stat().st_size for f in done.files) / 1e6
        print(f"run {n}: full edition {totals[-1]:.2f} s, {len(done.files)} files, {size:.1f} MB")

    print("\nsteps (one browser session, on the last copy):")
    steps = {}
    with db_store.reading(store) as con:
        t = time.perf_counter()
        report = model.build(con, month, model.Edition(99, approver="bench"))
        steps["model.build"] = time.perf_counter() - t
    out = OUT / "publish-steps"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t = time.perf_counter()
    with browser.session():
        steps["start Chromium"] = time.perf_counter() - t
        for renderer in edition.RENDERERS:
            t = time.perf_counter()
            renderer.render(report, out)
            steps[renderer.__name__.split(".")[-1]] = time.perf_counter() - t
    for name, s in steps.items():
        print(f"  {name:<16} {s:6.2f} s")
    med = statistics.median(totals)
    mark = "✔" if med < TARGET_S else "✘"
    print(f"\nfull edition: median {med:.2f} s of {len(totals)} (target < {TARGET_S:.0f} s {mark})")


if __name__ == "__main__":
    main()
