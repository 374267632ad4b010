"""Unexpected errors: a Chinese message with a reference number for the user, the traceback
for the server's log only.

The log is data/logs/dashboard.log (CIVIC_LOG_DIR moves it) and stderr. Streamlit's
own error box is turned off (client.showErrorDetails none, dashboard/server.py); the
app script and the server's on_script_error both come here.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from datetime import datetime

from core import config

LOG_NAME = "dashboard.log"
_logger = logging.getLogger("civic.dashboard")
_setup = threading.Lock()


def logger() -> logging.Logger:
    """The dashboard's logger, writing to the log file and stderr (set up once)."""
    with _setup:
        if not _logger.handlers:
            folder = config.log_dir()
            folder.mkdir(parents=True, exist_ok=True)
            fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
            for handler in (
                logging.FileHandler(folder / LOG_NAME, encoding="utf-8"),
                logging.StreamHandler(sys.stderr),
            ):
                handler.setFormatter(fmt)
                _logger.addHandler(handler)
            _logger.setLevel(logging.INFO)
            _logger.propagate = False
    return _logger


def reference(now: datetime | None = None) -> str:
    """A reference a user can read out: the minute it happened and four random hex digits."""
    return f"{(now or datetime.now()):%Y%m%d-%H%M}-{secrets.token_hex(2)}"


def message(ref: str) -> str:
    return f"页面出现意外错误，已记录在服务器日志中。请联系管理员并提供错误编号 {ref}。"


def report(error: BaseException, where: str = "") -> str:
    """Log the error with its traceback under a new reference; the reference."""
    ref = reference()
    logger().error("error %s %s", ref, where, exc_info=(type(error), error, error.__traceback__))
    return ref


def _where() -> str:
    """The signed-in user and page of the running script, for the log line."""
    try:
        import streamlit as st

        user = st.session_state.get("_user")
        who = getattr(user, "username", "-")
        return f"user={who} page={st.context.url or '-'}"
    except Exception:  # no script running (a warmer at start): nothing to add
        return ""


def show(error: BaseException) -> str:
    """Report the error and tell the user, in Chinese, with its reference."""
    import streamlit as st

    ref = report(error, _where())
    st.error(message(ref), icon=":material/error:")
    return ref


def on_script_error(error: Exception) -> bool:
    """streamlit.starlette.App's hook for an error no page caught: ours, not Streamlit's box."""
    show(error)
    return True  # Streamlit shows nothing of its own
