"""A dashboard stand-in: query the current database version in a loop until told to stop.

Run as a separate process by test_etl_store.py. Each pass opens the version the
pointer names read-only, checks that raw rows, facts and marts agree (a half
load would break that), and prints one JSON line per pass.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from core import store as db_store

CHECK = """
select
    (select count(*) from raw_activities)
        = (select coalesce(sum(rows_accepted), 0) from source_sheet where sheet_key = 'activities')
        as raw_matches_files,
    (select count(*) from fct_activity)
        = (select coalesce(sum(activities), 0) from mart_activity_month) as mart_matches_facts,
    (select count(*) from source_file) as files
"""


def main(store: Path, stop: Path) -> None:
    while not stop.exists():
        started = time.perf_counter()
        try:
            version = db_store.current_path(store).name
            with db_store.reading(store) as con:
                raw_ok, mart_ok, files = con.sql(CHECK).fetchall()[0]
            line = {"version": version, "raw_ok": raw_ok, "mart_ok": mart_ok, "files": files}
        except db_store.NoDatabase:
            line = {"version": None}
        except Exception as e:  # any failure is what the test is looking for
            line = {"error": f"{type(e).__name__}: {e}"}
        line["seconds"] = round(time.perf_counter() - started, 3)
        print(json.dumps(line), flush=True)
        time.sleep(0.05)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
