"""The dashboard's server: dashboard/app.py inside a streamlit.starlette.App.

`civic dashboard` runs `streamlit run dashboard/server.py`; Streamlit finds `app`
below and serves it with uvicorn. Around the app script it adds the login and
logout routes and the session check (dashboard/gate.py), the handler of errors
no page caught (dashboard/errors.py), and a start-up step that imports every
heavy module before the first session and then runs the cache warmers: two
sessions importing pandas at once on a fresh server saw it half-initialised.
"""

from __future__ import annotations

import ast
import gc
import importlib
import sys
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from streamlit import config as streamlit_config
from streamlit.starlette import App

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # imported by uvicorn as `server`: the project too
    sys.path.insert(0, str(HERE.parent))

from dashboard import data, errors, gate  # noqa: E402

SCRIPT = HERE / "app.py"
# loaded lazily by Streamlit or the pages otherwise, and not thread-safe to import
HEAVY = (
    "numpy", "pandas", "pyarrow", "polars", "duckdb", "plotly.express", "plotly.graph_objects",
    "plotly.io", "pydeck", "streamlit.dataframe_util", "streamlit.elements.arrow",
    "streamlit.elements.plotly_chart", "streamlit.elements.deck_gl_json_chart",
)  # fmt: skip
# Run once at start, after the imports, before the first session: the place to fill the
# caches every session shares (e.g. dashboard.data's per-version query results). Append
# functions taking no argument; they run in a worker thread with the Streamlit runtime
# started but no session. A warmer that fails is logged and the server starts all the same.
WARMERS: list[Callable[[], object]] = [data.keep_warm]


def script_imports() -> list[str]:
    """The modules the app script and the pages import (read from their source)."""
    found: list[str] = []
    for source in [SCRIPT, *sorted((HERE / "views").glob("*.py"))]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(node.module)
                found += [f"{node.module}.{a.name}" for a in node.names]
    return list(dict.fromkeys(found))


def preload() -> list[str]:
    """Import the heavy modules and everything the pages import; the names imported."""
    loaded = []
    for name in [*HEAVY, *script_imports()]:
        if name == "__future__":
            continue
        try:
            importlib.import_module(name)
        except ImportError:  # `from x import function` names no module: fine
            continue
        loaded.append(name)
    return loaded


def warm() -> None:
    for warmer in WARMERS:
        try:
            warmer()
        except Exception as error:  # a cold cache is slower, not broken
            errors.report(error, f"warmer {getattr(warmer, '__name__', warmer)}")


@asynccontextmanager
async def lifespan(_app: App):
    started = time.perf_counter()
    loaded = await run_in_threadpool(preload)
    await run_in_threadpool(warm)
    # what is loaded now lives as long as the server: out of the collector's sight, so that
    # a collection walks only what sessions allocate
    gc.freeze()
    errors.logger().info(
        "dashboard ready: %d modules preloaded, %d warmers, %.1f s",
        len(loaded), len(WARMERS), time.perf_counter() - started,
    )  # fmt: skip
    yield


# never Streamlit's traceback box, however the server was started (civic dashboard says so too)
streamlit_config.set_option("client.showErrorDetails", "none")
# Streamlit runs a full garbage collection after every script run, holding the interpreter
# lock: 70-100 ms with the modules loaded here, every page view of every session waiting
# behind it (bench/bench_load.py). Python's own generational collection still runs.
streamlit_config.set_option("runner.postScriptGC", False)

app = App(
    SCRIPT,
    routes=gate.routes(),
    middleware=[Middleware(gate.SessionGate)],
    lifespan=lifespan,
    on_script_error=errors.on_script_error,
)
