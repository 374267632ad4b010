"""Time each dashboard page's server-side run (Streamlit AppTest), at scale 1 and scale 10.

Run:
    uv run python bench/bench_dashboard.py                       # the demo database
    uv run python bench/bench_dashboard.py --store DIR [--reports DIR]

For every page the script runs it three times in fresh AppTest sessions:
cold (the query cache cleared first: what the first visitor after an ingest
waits for) and twice warm (cached queries, as every later visit), and
prints the cold time and the median warm time. The server-side run is the
whole script of the page (queries, charts, tables) up to the message sent
to the browser; it excludes the browser drawing it. Targets: under 1 s at
scale 1, under 3 s at scale 10 (cold).

A scale-10 store: `bench_publish.py --store bench/out/bench-db-scale10 --rank`
leaves a ranked copy in bench/out/publish-ranked/db.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = [
    "overview", "rankings", "map", "trends", "points", "brands", "matters", "standards",
    "households", "submissions", "publishing", "admin",
]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--reports", type=Path, default=None)
    ap.add_argument(
        "--target", type=float, default=None, help="seconds (default 1, or 3 with --store)"
    )
    args = ap.parse_args()
    if args.store:
        os.environ["CIVIC_DB_DIR"] = str(args.store.resolve())
    if args.reports:
        os.environ["CIVIC_REPORTS_DIR"] = str(args.reports.resolve())
    target = args.target or (3.0 if args.store else 1.0)

    import tempfile

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from core import accounts
    from core import store as db_store

    # sign in as an administrator (every page) through a throwaway accounts file
    os.environ["CIVIC_ACCOUNTS_DB"] = str(Path(tempfile.mkdtemp()) / "accounts.sqlite")
    token = accounts.start_session(accounts.add_user("bench", "bench", "admin", "bench-pass-1"))

    with db_store.reading() as con:
        units = con.sql("select count(*) from ref_unit").fetchall()[0][0]
        rows = con.sql("select count(*) from fct_activity").fetchall()[0][0]
    print(f"database {db_store.current_path()}: {units:,} units, {rows:,} activities")

    def run(page: str) -> float:
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.session_state["_session_token"] = token
        at.switch_page(f"views/{page}.py")
        t = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - t
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        if not at.title or at.title[0].value == "新时代文明实践数据看板":
            raise SystemExit(f"{page}: not signed in")
        return seconds

    run("overview")  # imports and the first connection, not counted
    print(f"{'page':<12} {'cold':>7} {'warm':>7}  target < {target:g} s (cold)")
    worst = 0.0
    for page in PAGES:
        st.cache_data.clear()
        cold = run(page)
        warm = statistics.median([run(page), run(page)])
        worst = max(worst, cold)
        mark = "✔" if cold < target else "✘"
        print(f"{page:<12} {cold:6.2f}s {warm:6.2f}s  {mark}")
    print(f"slowest cold page: {worst:.2f} s")


if __name__ == "__main__":
    main()
