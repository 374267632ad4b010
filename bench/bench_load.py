"""N signed-in sessions open the overview at once against the real `civic dashboard`.

Run:
    uv run python bench/bench_load.py                      # N=1 and N=20, 2 rounds each
    uv run python bench/bench_load.py --sessions 20 --rounds 3
    uv run python bench/bench_load.py --rebuild            # build the scale-1 store again
    uv run python bench/bench_load.py --compare a50695d    # that commit too, rounds in turn

The store is the demo county at scale 1 (22 months, seed 7), ingested and
every month ranked, built once into bench/out/load/db (about 3 minutes) and
reused (each build served gets a copy). Every run opens a throwaway accounts
file with one administrator per session, starts `civic dashboard` on a free
port as a subprocess, and launches ONE headless Chromium with one browser context per session (the
browsers share this machine's cores with the server, as in the drill of
issue 17). Each context signs in (`sign_in`, the one place that knows how
the login looks) and then waits on another page (账号与审计, no data).

A round opens the overview in every context at the same moment and measures,
per session, the time from the navigation's start (the click on 总览 in the
sidebar; `--open goto` loads the overview's address instead, which needs a
login that survives a reload) to the overview fully drawn (`drawn`): its
title and all 8 headline figures, the 3 ranking tables, the 3 submission
figures and the progress bar, the map (its SVG with the units; an older build's
deck.gl canvas with its layers painted), and
no Streamlit "running" indicator. Nothing is waited with a sleep.

Rounds: "cold start" is the first round after the server started (nothing
cached), "cold version" the first round after a new database version
appears (the same data under a new version: every cached query misses),
"warm" the rounds after. For each the script prints p50, p95 and max over
the sessions of all its rounds. Nothing is written anywhere but bench/out/.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "load"
STORE = OUT / "db"
MONTHS = "2025-01..2026-10"
PASSWORD = "bench-load-pass-1"
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update",
]  # fmt: skip
CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 300_000


# ------------------------------------------------------------------ the store


def build_store(store: Path = STORE, rebuild: bool = False) -> Path:
    """The demo county at scale 1, ingested and ranked, in `store` (reused unless rebuild)."""
    from core import store as db_store

    if not rebuild:
        try:
            db_store.current_path(store)
            return store
        except db_store.NoDatabase:
            pass
    import shutil

    from core.months import parse_range
    from core.registry import load_registry
    from demo import office
    from demo.generate import generate
    from etl.ingest import ingest
    from index import run

    inbox = OUT / "inbox"
    for folder in (inbox, store):
        shutil.rmtree(folder, ignore_errors=True)
    reg = load_registry()
    t = time.perf_counter()
    print(f"building the scale-1 demo store in {store} …", flush=True)
    generate(inbox, parse_range(MONTHS), seed=7, registry=reg, workers=2)
    ingest([inbox], store, reg, workers=2)
    run.rank_and_store(store, None, actor="bench")
    office.review_month(store, date(2026, 10, 1), office.read_manifest(inbox))
    print(f"built in {time.perf_counter() - t:.0f} s", flush=True)
    return store


def new_version(store: Path) -> None:
    """The same data under a new database version (what an ingest or a ranking makes)."""
    from core import store as db_store

    with db_store.new_version(store):
        pass


# ------------------------------------------------------------------ the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Build:
    """One checkout served: this one, or another commit's (`--compare REF`), each with its
    own copy of the store, accounts and server."""

    def __init__(self, name: str, checkout: Path):
        self.name, self.checkout = name, checkout
        self.folder = OUT / name
        self.store = self.folder / "db"
        self.accounts = self.folder / "accounts.sqlite"
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def prepare(self, source: Path, n: int) -> list[str]:
        """A private copy of the store's current version and n administrators."""
        import shutil

        from core import store as db_store

        shutil.rmtree(self.folder, ignore_errors=True)
        self.store.mkdir(parents=True)
        current = db_store.current_path(source)
        shutil.copyfile(current, self.store / current.name)
        (self.store / db_store.POINTER).write_text(current.name + "\n")
        return open_accounts(self.accounts, n)

    def start(self) -> None:
        port = _free_port()
        env = {
            **os.environ,
            "CIVIC_DB_DIR": str(self.store),
            "CIVIC_ACCOUNTS_DB": str(self.accounts),
            "CIVIC_REPORTS_DIR": str(self.folder / "reports"),
            "CIVIC_INBOX_DIR": str(self.folder / "uploads"),
            # no reloading while someone edits the checkout: a reload drops the app's modules
            # under the running sessions (KeyError: 'dashboard.data')
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        }
        log = open(self.folder / "server.log", "w")  # noqa: SIM115 (the process keeps it)
        # its own process group: `civic dashboard` runs streamlit as a child, stopped with it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "civic.cli", "dashboard", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.checkout,
            start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        self.wait_healthy("civic dashboard", 180)

    def wait_healthy(self, what: str, timeout_s: float) -> None:
        """Wait until the server started at self.url answers its health check."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{what} stopped: see {self.folder / 'server.log'}")
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{what} did not start: see {self.folder / 'server.log'}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class Floor(Build):
    """Streamlit alone (bench/floor_app.py), served the same way: what the dashboard's
    overview costs above the cost of opening any Streamlit page."""

    watch_js = ""  # set below WATCH_JS

    def prepare(self, source: Path, n: int) -> list[str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        return [f"floor{i:02d}" for i in range(1, n + 1)]

    def start(self) -> None:
        port = _free_port()
        log = open(self.folder / "server.log", "w")  # noqa: SIM115 (the process keeps it)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "floor_app.py"),
             "--server.port", str(port), "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.folder, start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        self.wait_healthy("the floor app", 120)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(root: int, only: str = "") -> float:
    """User + system CPU seconds of a process and its descendants (those whose command line
    contains `only`), from /proc: what a round cost, whatever else the machine was doing."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _descendants(root):
        try:
            if only and only not in Path(f"/proc/{pid}/cmdline").read_text():
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def checkout_of(ref: str) -> Path:
    """The files of commit `ref` (git archive), under bench/out/load/checkout-<sha>."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    target = OUT / f"checkout-{sha}"
    if not (target / "pyproject.toml").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def open_accounts(accounts_db: Path, n: int) -> list[str]:
    """A fresh accounts file with n administrators (one per session)."""
    from core import accounts

    for p in accounts_db.parent.glob(accounts_db.name + "*"):
        p.unlink()
    os.environ["CIVIC_ACCOUNTS_DB"] = str(accounts_db)
    names = [f"bench{i:02d}" for i in range(1, n + 1)]
    for name in names:
        accounts.add_user(name, f"压测{name[-2:]}", "admin", PASSWORD, actor="bench")
    return names


# ------------------------------------------------------------------ the browser

NAV = '[data-testid="stSidebarNavLink"]'


def sign_in(page, url: str, username: str, password: str) -> None:
    """Sign in through the login page and wait for the signed-in app (its sidebar pages).

    The only function that knows what the login looks like."""
    page.goto(url, timeout=TIMEOUT_MS)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(NAV, timeout=TIMEOUT_MS)


# The overview fully drawn, as the DOM shows it, for an administrator on the county:
# its title, the 8 headline and 3 submission figures, the 3 ranking tables (one per
# tab: static tables; an older build's open grid painted on its canvas), the progress
# bar, no placeholder skeleton and no "running" indicator; and the map drawn: the SVG
# map with its units laid out, or, for an older build (--compare), deck.gl has issued
# its draw calls on its canvas and a 1-pixel readPixels has returned, which waits until
# the GPU process has run every command before it (with software GL, compiling the
# layers' shaders is most of that map's cost: the canvas alone is seconds early).
DRAWN_JS = """
() => {
  const q = (s) => document.querySelectorAll(s);
  const h1 = document.querySelector('h1');
  if (!h1 || !h1.textContent.includes('总览')) return false;
  if (q('[data-testid="stStatusWidget"]').length) return false;
  if (q('[data-testid="stSkeleton"]').length) return false;
  if (q('[data-testid="stMetric"]').length < 11) return false;
  // the 3 ranking tables: static tables, or (an older build's) grids with a painted canvas
  const grids = q('[data-testid="stDataFrame"]').length >= 3
    && q('[data-testid="stDataFrame"] canvas').length > 0;
  if (!grids && q('[data-testid="stTable"] table, table.civic-text-table').length < 3) return false;
  if (!q('[data-testid="stProgress"]').length) return false;
  // the map: the overview's SVG with its units, or (an older build's) deck.gl canvas
  const svg = document.querySelector('[data-testid="stMarkdownContainer"] svg[aria-label$="地图"]');
  if (svg) return svg.querySelector('circle') && svg.getBoundingClientRect().width > 0;
  const deck = document.querySelector('[data-testid="stDeckGlJsonChart"] canvas');
  if (!deck || deck.width === 0 || deck.height === 0) return false;
  const gl = (window.__glDraws || new Map()).get(deck);
  if (!gl) return false;
  gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  return true;
}
"""

# Installed in every document before the app's scripts: remembers, per canvas, the WebGL
# context that has drawn on it (to read it back above without creating a context).
GL_DRAWS_JS = """
(() => {
  window.__glDraws = new Map();
  for (const P of [WebGL2RenderingContext.prototype, WebGLRenderingContext.prototype]) {
    for (const m of ['drawArrays', 'drawElements', 'drawArraysInstanced',
                     'drawElementsInstanced']) {
      const own = P[m];
      if (!own) continue;
      P[m] = function (...args) {
        window.__glDraws.set(this.canvas, this);
        return own.apply(this, args);
      };
    }
  }
})();
"""

# Checked in the animation frame after every change of the page's DOM (and every 100 ms,
# for what draws without one: an older build's WebGL map); the moment it first holds is
# kept in window.__drawnAt (ms on the page's own clock since the navigation started), so
# 20 pages are timed at once while Python waits on them one after the other. Not in every
# frame: 20 pages checking a large DOM 60 times a second cost the machine seconds of CPU
# that the timed pages then lacked (the floor's tiny DOM much less: an unfair comparison).
WATCH_JS = """
(t0) => {
  window.__drawnAt = undefined;
  const drawn = DRAWN;
  let pending = false, done = false;
  const check = () => {
    pending = false;
    if (done || !drawn()) return;
    done = true;
    window.__drawnAt = performance.now() - t0;
    observer.disconnect();
    clearInterval(timer);
  };
  const soon = () => { if (!pending && !done) { pending = true; requestAnimationFrame(check); } };
  const observer = new MutationObserver(soon);
  observer.observe(document, {subtree: true, childList: true, attributes: true,
                              characterData: true});
  const timer = setInterval(soon, 100);
  soon();
}
""".replace("DRAWN", DRAWN_JS.strip())

# the floor's page drawn: its title, nothing running
FLOOR_DRAWN_JS = """
() => {
  const h1 = document.querySelector('h1');
  if (!h1 || !h1.textContent.includes('总览')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  return !document.querySelector('[data-testid="stSkeleton"]');
}
"""
Floor.watch_js = WATCH_JS.replace(DRAWN_JS.strip(), FLOOR_DRAWN_JS.strip())
Build.watch_js = WATCH_JS

# a click on 总览 in the sidebar, the clock started in the same task
CLICK_JS = """
() => {
  const link = [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')]
    .find((a) => a.textContent.includes('总览'));
  const t0 = performance.now();
  link.click();
  return t0;
}
"""


def park(page) -> None:
    """Wait on a page without the overview's data, so the next open of it is a real one."""
    page.evaluate("window.__drawnAt = undefined")
    page.locator(NAV, has_text="账号与审计").click()
    page.wait_for_function(
        "() => { const h = document.querySelector('h1');"
        " return h && h.textContent.includes('账号与审计')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]'); }",
        timeout=TIMEOUT_MS,
    )


def start_open(page, url: str, how: str, watch_js: str = WATCH_JS) -> None:
    """Open the overview (without waiting) and start watching for it drawn."""
    if how == "goto":  # a new document: its clock starts at the navigation
        page.evaluate(f"window.location.href = {url!r}")
    else:
        page.evaluate(watch_js, page.evaluate(CLICK_JS))


def drawn_after(page) -> float:
    """Seconds from the navigation's start to the overview drawn (waits for it); on a
    timeout, infinity and a screenshot in bench/out/load/."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        handle = page.wait_for_function("() => window.__drawnAt", timeout=TIMEOUT_MS)
    except Timeout:
        shot = OUT / f"not-drawn-{time.strftime('%H%M%S')}-{id(page)}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"  not drawn in {TIMEOUT_MS / 1000:.0f} s: {shot}", flush=True)
        return math.inf
    return handle.json_value() / 1000


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def run_level(n: int, rounds: int, builds: list[Build], how: str) -> dict[tuple, tuple]:
    """Serve every build, sign n sessions in to each, and time the rounds, the builds taking
    turns round by round (so a busy moment of the machine falls on both).

    Returns {(build, round label): (per-session seconds, [server CPU s, Chromium CPU s,
    sessions opened])}."""
    from playwright.sync_api import sync_playwright

    results: dict[tuple, list[float]] = {}
    cpus: dict[tuple, list] = {}
    sessions: dict[str, list] = {}
    try:
        for build in builds:
            names = build.prepare(STORE, n)
            build.start()
            sessions[build.name] = names
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            for build in builds:
                pages = []
                for name in sessions[build.name]:
                    ctx = browser.new_context(
                        viewport={"width": 1400, "height": 1600}, locale="zh-CN"
                    )
                    ctx.add_init_script(GL_DRAWS_JS)
                    if how == "goto":
                        ctx.add_init_script(WATCH_JS.replace("(t0) =>", "((t0) =>") + ")(0)")
                    page = ctx.new_page()
                    if isinstance(build, Floor):  # no login
                        page.goto(build.url, timeout=TIMEOUT_MS)
                        page.wait_for_selector(NAV, timeout=TIMEOUT_MS)
                    else:
                        sign_in(page, build.url, name, PASSWORD)
                    park(page)
                    pages.append(page)
                sessions[build.name] = pages
            plan = ["cold start"] + ["warm"] * (rounds - 1)
            plan += ["cold version"] + ["warm"] * (rounds - 1)
            for label in plan:
                for build in builds:
                    pages = sessions[build.name]
                    if label == "cold version" and not isinstance(build, Floor):
                        new_version(build.store)
                    cpu = (cpu_seconds(build.proc.pid), cpu_seconds(os.getpid(), "chromium"))
                    for page in pages:  # all at once: each open returns without waiting
                        start_open(page, build.url, how, build.watch_js)
                    times = [drawn_after(page) for page in pages]
                    server = cpu_seconds(build.proc.pid) - cpu[0]
                    chromium = cpu_seconds(os.getpid(), "chromium") - cpu[1]
                    results.setdefault((build.name, label), []).extend(times)
                    used = cpus.setdefault((build.name, label), [0.0, 0.0, 0])
                    used[0] += server
                    used[1] += chromium
                    used[2] += len(pages)
                    shown = " ".join(f"{t:.1f}" for t in times)
                    print(
                        f"  {build.name} N={n} {label}: {shown}  (CPU s: server {server:.1f}, "
                        f"chromium {chromium:.1f})",
                        flush=True,
                    )
                    for page in pages:
                        park(page)
            browser.close()
    finally:
        for build in builds:
            build.stop()
    return {key: (times, cpus[key]) for key, times in results.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default="1,20", help="comma-separated N (default 1,20)")
    ap.add_argument("--rounds", type=int, default=2, help="warm rounds + 1 per level (default 2)")
    ap.add_argument("--open", dest="how", choices=["click", "goto"], default="click")
    ap.add_argument("--compare", metavar="REF", help="also serve commit REF, rounds in turn")
    ap.add_argument("--rebuild", action="store_true", help="build the store again")
    ap.add_argument(
        "--floor", action="store_true",
        help="also serve Streamlit alone (bench/floor_app.py), rounds in turn",
    )  # fmt: skip
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CIVIC_SECRET", "bench-load-hashing-key")
    os.environ.setdefault("CIVIC_SESSION_KEY", "bench-load-session-key")
    build_store(STORE, args.rebuild)
    if args.build_only:
        return
    builds = [Build("now", ROOT)]
    if args.floor:
        builds.insert(0, Floor("floor", ROOT))
    if args.compare:
        builds.insert(0, Build(f"ref-{args.compare}".replace("/", "-"), checkout_of(args.compare)))
    rows = []
    for n in (int(x) for x in args.sessions.split(",")):
        for (name, label), (times, cpu) in run_level(
            n, max(1, args.rounds), builds, args.how
        ).items():
            rows.append((name, n, label, times, cpu))
    print(
        f"\noverview drawn, seconds from navigation start ({args.how}); load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU s per session opened"
    )
    print(
        f"{'build':<14} {'N':>3} {'round':<13} {'samples':>7} {'p50':>7} {'p95':>7} {'max':>7}"
        f" {'server':>7} {'chromium':>8}"
    )
    for name, n, label, times, (server, chromium, opened) in rows:
        print(
            f"{name:<14} {n:>3} {label:<13} {len(times):>7} {statistics.median(times):>7.2f} "
            f"{pct(times, 95):>7.2f} {max(times):>7.2f} {server / opened:>7.2f} "
            f"{chromium / opened:>8.2f}"
        )


if __name__ == "__main__":
    main()
