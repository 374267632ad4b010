"""Every page of the administrator's menu timed in a real browser, against `civic dashboard`.

Run:
    uv run python bench/bench_browser.py                 # scale 1 (bench_load's store)
    uv run python bench/bench_browser.py --scale 10      # builds a scale-10 store once
    uv run python bench/bench_browser.py --runs 2        # two runs, each on a fresh server

Each run copies the store's current version, opens a throwaway accounts file with
one administrator, starts `civic dashboard` on a free port (bench_load.Build) and
one headless Chromium, and times, all on the page's own clock:

- login: from the click on 登录 in the form to the overview drawn (bench_load's
  DRAWN_JS: title, headline figures, ranking tables, map);
- every page of the menu, in menu order, from the click on its sidebar link until
  Streamlit has finished drawing it (`DONE_JS`): the run's script_finished message
  received (read off the app's WebSocket), no "running" indicator, no skeleton, no
  stale element of the page before, the page's h1 present, every plotly chart's
  plot, deck.gl canvas and data grid canvas present; then two animation frames
  later. First visit: the first time the page is opened since the server started
  (the server warms the overview's queries at start, nothing else); second visit:
  the menu walked again.
- a new version: another process (this one) writes a new database version, as an
  ingest or a ranking does; once the overview's sidebar names it (the server warms it
  and computes the queries the pages asked before, then serves it: reported in
  seconds), the menu is walked a third time: each page's first visit on that version.
- the floor: a bare Streamlit app of two one-line pages (`st.title`), served by
  `streamlit run` on the same machine and timed the same way (open, page switch).

Targets (issue 19, scale 10 on this 2-core machine): second visit < 1 s, first
visit < 2 s, login to a drawn overview < 2 s. Nothing is written but bench/out/.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_load as load  # noqa: E402  (also puts the project on sys.path)

ROOT = load.ROOT
OUT = ROOT / "bench" / "out" / "browser"
TARGET_LOGIN, TARGET_FIRST, TARGET_SECOND = 2.0, 2.0, 1.0
TIMEOUT_MS = 120_000  # a page not drawn by then is reported with what it waits for

# a page's h1 contains its menu name, except these
TITLE_PART = {"月度排名": "排名"}


# ------------------------------------------------------------------ stores


def store_for(scale: int, rebuild: bool = False) -> tuple[Path, Path | None]:
    """(store, registry folder or None): bench_load's scale-1 store, or a scale-N one built
    once under bench/out/browser/scale<N>/ (CSV exports, every month ranked)."""
    if scale == 1:
        return load.build_store(load.STORE, rebuild), None
    from core import store as db_store

    folder = OUT / f"scale{scale}"
    store, registry_dir, inbox = folder / "db", folder / f"registry-scale{scale}", folder / "inbox"
    if not rebuild:
        try:
            db_store.current_path(store)
            return store, registry_dir
        except db_store.NoDatabase:
            pass
    import shutil

    from core.months import parse_range
    from core.registry import load_registry
    from demo import office
    from demo.generate import generate
    from demo.scale import scale_registry, write_registry
    from etl.ingest import ingest
    from index import run

    for old in (inbox, store, registry_dir):
        shutil.rmtree(old, ignore_errors=True)
    t = time.perf_counter()
    print(f"building the scale-{scale} demo store in {store} …", flush=True)
    scaled = scale_registry(load_registry(), scale)
    write_registry(scaled, registry_dir)
    reg = load_registry(registry_dir)
    # generate scales the registry itself: give it the county's own
    generate(inbox, parse_range(load.MONTHS), seed=7, scale=scale, workers=2, file_format="csv")
    print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    ingest([inbox], store, reg, workers=2)
    print(f"  ingested at {time.perf_counter() - t:.0f} s", flush=True)
    run.rank_and_store(store, None, actor="bench")
    office.review_month(store, date(2026, 10, 1), office.read_manifest(inbox))
    print(f"built in {time.perf_counter() - t:.0f} s", flush=True)
    shutil.rmtree(inbox, ignore_errors=True)
    return store, registry_dir


# ------------------------------------------------------------------ the browser

# Installed in every document: counts the script runs Streamlit reports finished
# (ForwardMsg.script_finished, field 6, a varint: 0 finished, 3 a fragment finished), read
# off the app's WebSocket; the first thing a finished run is known by, since the "running"
# indicator only shows after a run has taken 500 ms.
FINISHED_JS = """
(() => {
  window.__runsFinished = 0;
  const varint = (b, i) => {
    let v = 0, s = 0, x;
    do { x = b[i++]; v += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return [v, i];
  };
  const scan = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    while (i < b.length) {
      let key, v;
      [key, i] = varint(b, i);
      const field = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) {
        [v, i] = varint(b, i);
        if (field === 6 && (v === 0 || v === 3)) window.__runsFinished += 1;
      } else if (wire === 2) { [v, i] = varint(b, i); i += v; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => {
        if (ev.data instanceof ArrayBuffer) scan(ev.data);
        else if (ev.data instanceof Blob) ev.data.arrayBuffer().then(scan);
      });
    }
  };
})();
"""

# A page finished drawing (see the module's docstring); `part` is in its h1, `runs` the
# finished runs counted before the click.
DONE_JS = """
([part, runs]) => WAITING([part, runs]) === ''
"""

# What a page still waits for ('' when drawn): said when a page is not drawn in time.
WAITING_JS = """
([part, runs]) => {
  const q = (s) => [...document.querySelectorAll(s)];
  // not in a closed expander or a hidden tab (a grid there draws when it is opened)
  const visible = (e) => !e.closest('details:not([open]), [hidden]') && e.getClientRects().length;
  if (window.__runsFinished <= runs) return 'script_finished';
  const h1 = document.querySelector('h1');
  if (!h1 || !h1.textContent.includes(part)) return 'h1';
  if (q('[data-testid="stStatusWidget"]').some((w) => !w.className.includes('exit')))
    return 'running';
  if (q('[data-testid="stSkeleton"]').length) return 'skeleton';
  if (q('[data-stale="true"]').length) return 'stale';
  const charts = [['stPlotlyChart', '.main-svg'], ['stDeckGlJsonChart', 'canvas'],
                  ['stDataFrame', 'canvas']];
  for (const [id, inner] of charts)
    if (q(`[data-testid="${id}"]`).some((c) => visible(c) && !c.querySelector(inner))) return id;
  return '';
}
"""

DONE_JS = DONE_JS.replace("WAITING", "(" + WAITING_JS.strip() + ")")

# From the click on a sidebar link (the clock started in the same task) to DONE_JS holding,
# then two animation frames; the result lands in window.__doneAt (ms).
VISIT_JS = """
([label, part]) => {
  window.__doneAt = undefined;
  const runs = window.__runsFinished;
  const done = DONE;
  const link = [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')]
    .find((a) => a.querySelector('span[label]').getAttribute('label') === label);
  const t0 = performance.now();
  link.click();
  const check = () => {
    if (!done([part, runs])) { requestAnimationFrame(check); return; }
    requestAnimationFrame(() => requestAnimationFrame(() => {
      window.__doneAt = performance.now() - t0;
    }));
  };
  requestAnimationFrame(check);
}
""".replace("DONE", DONE_JS.strip())

# Watches every new document for the overview drawn; the moment, on the wall clock
# (the login is a form post: a new document), lands in window.__drawnEpoch.
LOGIN_WATCH_JS = """
(() => {
  const drawn = DRAWN;
  const check = () => {
    if (document.querySelector('[data-testid="stSidebarNavLink"]') && drawn()) {
      requestAnimationFrame(() => requestAnimationFrame(() => {
        window.__drawnEpoch = Date.now();
      }));
    } else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
""".replace("DRAWN", load.DRAWN_JS.strip())


def new_page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
    ctx.add_init_script(FINISHED_JS)
    ctx.add_init_script(load.GL_DRAWS_JS)
    return ctx.new_page()


def timed_login(page, url: str, username: str) -> float:
    """Seconds from the click on 登录 to the overview drawn (the form and its fields ready)."""
    page.context.add_init_script(LOGIN_WATCH_JS)
    page.goto(url, timeout=TIMEOUT_MS)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(load.PASSWORD)
    t0 = page.evaluate("() => { const t = Date.now(); document.querySelector("
                       "'button[type=submit]').click(); return t; }")  # fmt: skip
    handle = page.wait_for_function("() => window.__drawnEpoch", timeout=TIMEOUT_MS)
    return (handle.json_value() - t0) / 1000


def visit(page, label: str) -> float:
    """Seconds from the click on `label` in the sidebar to the page drawn."""
    page.evaluate(VISIT_JS, [label, TITLE_PART.get(label, label)])
    try:
        handle = page.wait_for_function("() => window.__doneAt", timeout=TIMEOUT_MS)
    except Exception:
        shot = OUT / f"not-drawn-{label}-{time.strftime('%H%M%S')}.png"
        page.screenshot(path=str(shot), full_page=True)
        waiting = page.evaluate(WAITING_JS, [TITLE_PART.get(label, label), -1])
        raise SystemExit(
            f"{label}: not drawn in {TIMEOUT_MS / 1000:.0f} s (waiting for {waiting}): {shot}"
        ) from None
    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    if errors.count():
        raise SystemExit(f"{label}: the page shows an error: {errors.first.inner_text()[:300]}")
    return handle.json_value() / 1000


def menu(page) -> list[str]:
    """The sidebar's page names, in order (each link's label, without its icon's name)."""
    return page.evaluate(
        f"() => [...document.querySelectorAll('{load.NAV}')]"
        ".map((a) => a.querySelector('span[label]').getAttribute('label'))"
    )


# ------------------------------------------------------------------ the floor

BARE_APP = """
import streamlit as st

def one():
    st.title("第一页")

def two():
    st.title("第二页")

st.navigation([st.Page(one, title="第一页"), st.Page(two, title="第二页")]).run()
"""


def bare_server() -> tuple[subprocess.Popen, str]:
    """A bare two-page Streamlit app (one line each) served by `streamlit run`."""
    app = OUT / "bare_app.py"
    app.write_text(BARE_APP, encoding="utf-8")
    port = load._free_port()
    log = open(OUT / "bare.log", "w")  # noqa: SIM115 (the process keeps it)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the bare Streamlit app did not start: see bench/out/browser/bare.log")


def stop(proc: subprocess.Popen) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def floor(browser) -> dict[str, float]:
    """The bare app: open (goto to its h1 drawn) and a page switch, first and second visit."""
    proc, url = bare_server()
    try:
        page = new_page(browser)
        t = time.perf_counter()
        page.goto(url, timeout=TIMEOUT_MS)
        page.wait_for_function(DONE_JS, arg=["第一页", 0], timeout=TIMEOUT_MS)
        opened = time.perf_counter() - t
        times = {"open": opened}
        for n in (1, 2):
            times[f"switch {n}"] = visit(page, "第二页")
            visit(page, "第一页")
        page.context.close()
        return times
    finally:
        stop(proc)


# ------------------------------------------------------------------ a run


def one_run(store: Path, registry_dir: Path | None, label: str) -> dict:
    """A fresh server on a copy of the store: login, the menu twice, the floor."""
    from playwright.sync_api import sync_playwright

    build = load.Build(label, ROOT)
    build.folder = OUT / label
    build.store, build.accounts = build.folder / "db", build.folder / "accounts.sqlite"
    (name,) = build.prepare(store, 1)
    if registry_dir is not None:
        os.environ["CIVIC_REGISTRY_DIR"] = str(registry_dir)
    result: dict = {"pages": {}}
    try:
        build.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=load.CHROMIUM, args=load.BROWSER_ARGS)
            page = new_page(browser)
            result["login"] = timed_login(page, build.url, name)
            pages = menu(page)
            order = [x for x in pages if x != "总览"] + ["总览"]
            for walk in ("first", "second", "new"):
                if walk == "new":  # another process writes a version (an ingest, a ranking)
                    result["served after"] = new_version_served(page, build.store)
                for label_ in order:
                    seconds = visit(page, label_)
                    result["pages"].setdefault(label_, {})[walk] = seconds
                    print(f"  {walk:<6} {label_:<8} {seconds:6.2f} s", flush=True)
            page.context.close()
            result["floor"] = floor(browser)
            browser.close()
    finally:
        build.stop()
    result["order"] = pages
    return result


def new_version_served(page, store: Path, timeout_s: float = 600) -> float:
    """Write a new database version from this process (as `civic ingest` would, the same
    data) and open the overview until its sidebar names it: the server warms a version and
    computes the queries pages asked before serving it. Seconds until served."""
    from core import store as db_store

    load.new_version(store)
    newest = db_store.current_path(store).name
    t = time.perf_counter()
    while time.perf_counter() - t < timeout_s:
        visit(page, "总览")
        if newest in page.locator('[data-testid="stSidebar"]').inner_text():
            return time.perf_counter() - t
        time.sleep(1)
    raise SystemExit(f"{newest} not served within {timeout_s:.0f} s")


def mark(ok: bool) -> str:
    return "✔" if ok else "✘"


def report(result: dict, scale: int, n: int) -> None:
    f = result["floor"]
    print(
        f"\nrun {n}, scale {scale}: seconds from the click to the page drawn; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'page':<10} {'first':>6} {'second':>7} {'new v.':>7}  target")
    print(
        f"{'登录→总览':<10} {result['login']:>6.2f} {'':>7} {'':>7}  < {TARGET_LOGIN:g} s "
        f"{mark(result['login'] < TARGET_LOGIN)}"
    )
    for label in result["order"]:
        t = result["pages"][label]
        ok = t["first"] < TARGET_FIRST and t["second"] < TARGET_SECOND and t["new"] < TARGET_FIRST
        print(
            f"{label:<10} {t['first']:>6.2f} {t['second']:>7.2f} {t['new']:>7.2f}  first and "
            f"new version < {TARGET_FIRST:g} s, second < {TARGET_SECOND:g} s {mark(ok)}"
        )
    print(
        f"{'空白页(下限)':<10} {f['switch 1']:>6.2f} {f['switch 2']:>7.2f} {'':>7}  "
        f"(page switch; open by address {f['open']:.2f} s)"
    )
    print(f"a version written by another process was served after {result['served after']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1, help="runs, each on a fresh server")
    ap.add_argument("--rebuild", action="store_true", help="build the store again")
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CIVIC_SECRET", "bench-load-hashing-key")
    os.environ.setdefault("CIVIC_SESSION_KEY", "bench-load-session-key")
    store, registry_dir = store_for(args.scale, args.rebuild)
    if args.build_only:
        return
    for n in range(1, args.runs + 1):
        print(f"run {n} …", flush=True)
        report(one_run(store, registry_dir, f"scale{args.scale}-run"), args.scale, n)


if __name__ == "__main__":
    main()
