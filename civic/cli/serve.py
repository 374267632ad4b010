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
@store_option
@reports_option
def dashboard_cmd(port: int, store: Path | None, reports: Path | None) -> None:
    """Serve the dashboard (Streamlit) on this machine.

    The office's web app in Simplified Chinese, at http://localhost:8501 unless --port:
    overview, rankings, map, trends, points, brand projects, village practice, uploads,
    publishing; sign in with an account opened by civic users.
    """
    serve(port, store, reports)


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


def serve(port: int, store: Path | None, reports: Path | None) -> None:
    """Run `streamlit run dashboard/app.py` until Ctrl+C, after checking the secrets."""
    from core import secrets

    problems = secrets.check()
    if problems:
        raise click.ClickException("无法启动看板：\n" + "\n".join(problems))
    env = config.child_environment(store, reports)
    app = app_path()
    click.echo(f"看板地址：http://localhost:{port}  （Ctrl+C 停止）")
    command = [
        sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal", *theme_options(),
        # its welcome message looks the machine's external IP up on the internet
        "--logger.hideWelcomeMessage", "true",
    ]  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops the server: not an error
        subprocess.run(command, env=env, check=False)
