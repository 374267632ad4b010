"""`civic dashboard` as a real process: ended by a signal, it ends its Streamlit server too
(nothing left listening on the port, no child left running)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_civic_dashboard_stops_its_server(tmp_path, sig):
    port = _free_port()
    env = {
        **os.environ,
        "CIVIC_DATA_DIR": str(tmp_path / "data"),  # demo mode: the key files are made there
        "CIVIC_DB_DIR": str(tmp_path / "db"),
        "CIVIC_ACCOUNTS_DB": str(tmp_path / "accounts.sqlite"),
        "CIVIC_LOG_DIR": str(tmp_path / "logs"),
    }
    parent = subprocess.Popen(
        [sys.executable, "-m", "civic.cli", "dashboard", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                assert parent.poll() is None, parent.stdout.read().decode(errors="replace")
                time.sleep(0.5)
        else:
            pytest.fail("the dashboard did not start")
        servers = _children(parent.pid)
        assert servers and _listening(port)

        parent.send_signal(sig)
        parent.wait(timeout=60)  # it waits for its server, which closes within that

        assert not _listening(port)
        assert not [p for p in servers if _alive(p)], "the Streamlit server was left running"
        assert "看板已停止" in parent.stdout.read().decode(errors="replace")
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in _children(parent.pid):
            os.kill(pid, signal.SIGKILL)
