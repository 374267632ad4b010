"""`civic dashboard`: the office's web app, served by Streamlit on this machine."""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import subprocess
import sys
from pathlib import Path

import click

from civic.cli.options import reports_option, store_option
from core import config


@click.command("dashboard")
@click.option("--port", default=8501, show_default=True, metavar="N", help="Port to serve on.")
@click.option(
    "--address", default="127.0.0.1", show_default=True, metavar="IP",
    help="Address to listen on (0.0.0.0: every interface; prefer a reverse proxy with TLS).",
)  # fmt: skip
@click.option(
    "--secure-cookies", is_flag=True,
    help="Send the login cookie over HTTPS only (served behind a TLS reverse proxy).",
)  # fmt: skip
@store_option
@reports_option
def dashboard_cmd(port: int, address: str, secure_cookies: bool, store: Path | None,
                  reports: Path | None) -> None:  # fmt: skip
    """Serve the dashboard (Streamlit) on this machine.

    The office's web app in Simplified Chinese, at http://127.0.0.1:8501 unless --address
    or --port: overview, rankings, map, trends, points, brand projects, village practice,
    uploads, publishing; sign in with an account opened by civic users. Behind a reverse
    proxy with TLS, add --secure-cookies.
    """
    serve(port, store, reports, address=address, secure_cookies=secure_cookies)


def theme_options() -> list[str]:
    """Streamlit's theme from presentation.theme, so the app wears the publications' colours."""
    from presentation import theme

    return [
        "--theme.base", "light", "--theme.primaryColor", theme.ACCENT,
        "--theme.textColor", theme.INK,
    ]  # fmt: skip


def app_path() -> Path:
    """The dashboard's entry script, wherever the `dashboard` package is (checkout or wheel)."""
    spec = importlib.util.find_spec("dashboard")  # located, not imported
    if spec is None or spec.origin is None:
        raise click.ClickException("找不到看板程序（dashboard 包）")
    return Path(spec.origin).resolve().parent / "app.py"


def server_path() -> Path:
    """The launcher that serves the entry script with the login gate (dashboard/server.py)."""
    return app_path().parent / "server.py"


def upload_limit_mb() -> int:
    """The largest file the uploader takes, in MB: the county's limit on one file as read
    (county.toml [reading] file_mb), never above what the upload page accepts
    (dashboard.uploads.MAX_FILE_BYTES)."""
    from core.registry import RegistryError, load_registry
    from dashboard.uploads import MAX_FILE_BYTES

    page_mb = MAX_FILE_BYTES // 2**20
    try:
        return min(page_mb, load_registry().values.reading_file_mb)
    except RegistryError:  # a broken registry is reported where it is read; the page's limit
        return page_mb


def command(port: int, address: str = "127.0.0.1", upload_mb: int | None = None) -> list[str]:
    """The server's command line (`streamlit run dashboard/server.py` and its settings)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(server_path()),
        "--server.port", str(port), "--server.address", address,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal", *theme_options(),
        # errors show our message and reference, never Streamlit's traceback (dashboard/errors.py)
        "--client.showErrorDetails", "none",
        # a served app never reloads its modules under live sessions (they failed mid-run)
        "--server.fileWatcherType", "none",
        # its welcome message looks the machine's external IP up on the internet
        "--logger.hideWelcomeMessage", "true",
        # the uploader says and enforces our limit, not Streamlit's 200 MB
        "--server.maxUploadSize", str(upload_mb or upload_limit_mb()),
    ]  # fmt: skip


STOP_WAIT_S = 20  # how long a stopped server may take to close its sessions before it is killed


def _die_with_parent() -> None:  # pragma: no cover (runs in the child, before exec)
    """Linux: the server gets SIGTERM if `civic dashboard` dies without forwarding (SIGKILL)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_server(cmd: list[str], env: dict[str, str]) -> int:
    """Run the server until it ends; SIGINT and SIGTERM sent to this process go to it, and
    this process waits for it (killing it after STOP_WAIT_S), so no server is left orphaned
    on its port. Its exit code."""
    # its own process group: a Ctrl+C in the terminal reaches it once, through us
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, preexec_fn=_die_with_parent)
    stopping: list[int] = []

    def forward(signum, _frame) -> None:
        stopping.append(signum)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                return proc.wait(timeout=STOP_WAIT_S if stopping else None)
            except subprocess.TimeoutExpired:  # asked to stop and still running
                proc.kill()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if proc.poll() is None:  # this process is ending for another reason
            proc.terminate()
            try:
                proc.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def serve(port: int, store: Path | None, reports: Path | None, address: str = "127.0.0.1",
          secure_cookies: bool = False) -> None:  # fmt: skip
    """Serve the dashboard until Ctrl+C (or SIGTERM), after checking the secrets."""
    from core import secrets

    problems = secrets.check()
    if problems:
        raise click.ClickException("无法启动看板：\n" + "\n".join(problems))
    env = config.child_environment(store, reports)
    if secure_cookies:
        env["CIVIC_SECURE_COOKIES"] = "1"
    shown = "localhost" if address in ("127.0.0.1", "localhost") else address
    click.echo(f"看板地址：http://{shown}:{port}  （Ctrl+C 停止）")
    run_server(command(port, address), env)
    click.echo("看板已停止。")
