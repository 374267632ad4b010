"""The ingest's reader processes start whatever the parent's __main__ is.

Under Streamlit the page script is __main__ (the app's uploads are ingested
in its process); a spawned child would re-run it and die, so the readers
must start without it.
"""

from __future__ import annotations

import os
import sys
import types

from core.registry import load_registry
from etl import bounds, ingest

LIMITS = bounds.Limits.of(load_registry().values)


def test_readers_start_when_main_is_a_script_that_cannot_run_twice(tmp_path):
    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a page script must not run in a reader process')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    real = sys.modules["__main__"]
    sys.modules["__main__"] = fake
    try:
        with ingest._readers(2, 10 * ingest.MIN_BATCH_FILES, LIMITS) as pool:
            assert pool is not None
            pids = set(pool.map(_pid, range(8)))
        assert sys.modules["__main__"] is fake  # the parent's __main__ is left as it was
    finally:
        sys.modules["__main__"] = real
    assert pids and os.getpid() not in pids


def _pid(_: int) -> int:
    return os.getpid()
