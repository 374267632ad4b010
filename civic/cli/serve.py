"""`civic dashboard`: the office's web app, served by Streamlit on this machine."""

from __future__ import annotations

import contextlib
import importlib.util
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


def command(port: int, address: str = "127.0.0.1") -> list[str]:
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
    ]  # fmt: skip


def serve(port: int, store: Path | None, reports: Path | None, address: str = "127.0.0.1",
          secure_cookies: bool = False) -> None:  # fmt: skip
    """Serve the dashboard until Ctrl+C, after checking the secrets."""
    from core import secrets

    problems = secrets.check()
    if problems:
        raise click.ClickException("无法启动看板：\n" + "\n".join(problems))
    env = config.child_environment(store, reports)
    if secure_cookies:
        env["CIVIC_SECURE_COOKIES"] = "1"
    shown = "localhost" if address in ("127.0.0.1", "localhost") else address
    click.echo(f"看板地址：http://{shown}:{port}  （Ctrl+C 停止）")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops the server: not an error
        subprocess.run(command(port, address), env=env, check=False)
