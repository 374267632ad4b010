"""The environment is read in one place, core/config.py, and every variable it reads is documented
in the README."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import config
from tests.conftest import environment

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("core", "presentation", "etl", "index", "publish", "dashboard", "demo", "civic")
CONFIG = ROOT / "core" / "config.py"


def _environment_reads(tree: ast.AST) -> list[int]:
    """Line numbers where a module touches os.environ, os.getenv or os.putenv (however imported)."""
    names = ("environ", "getenv", "putenv")
    return [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr in names)
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(a.name in names for a in node.names)
        )
    ]


def test_no_module_but_config_reads_the_environment():
    found = {
        str(p.relative_to(ROOT)): lines
        for package in PRODUCTION
        for p in sorted((ROOT / package).rglob("*.py"))
        if p != CONFIG and (lines := _environment_reads(ast.parse(p.read_text(encoding="utf-8"))))
    }
    assert found == {}, f"read the environment through core/config.py instead: {found}"


def test_the_scan_sees_each_way_of_reading():
    for source in (
        "import os\nos.environ.get('X')",
        "import os\nos.getenv('X')",
        "from os import environ\nenviron['X']",
        "from os import getenv",
    ):
        assert _environment_reads(ast.parse(source)), source


def _variables_config_reads() -> set[str]:
    tree = ast.parse(CONFIG.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"CIVIC_[A-Z_]+", node.value)
    }


def _documented() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(CIVIC_[A-Z_]+)` \|", section, flags=re.MULTILINE))


def test_every_variable_config_reads_is_documented_in_the_readme():
    reads = _variables_config_reads()
    assert len(reads) >= 11
    assert reads == _documented()


def test_every_reading_function_says_which_variable_it_reads():
    names = _variables_config_reads()
    tree = ast.parse(CONFIG.read_text(encoding="utf-8"))
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name != "_get"):
        used = {n.value for n in ast.walk(fn) if isinstance(n, ast.Constant) and n.value in names}
        for variable in used:
            assert variable in (ast.get_docstring(fn) or ""), (fn.name, variable)


@pytest.mark.parametrize(
    ("variable", "value", "read", "expected"),
    [
        ("CIVIC_DB_MEMORY", None, config.db_memory_limit, "1GB"),
        ("CIVIC_DB_MEMORY", "", config.db_memory_limit, "1GB"),
        ("CIVIC_DB_MEMORY", "4GB", config.db_memory_limit, "4GB"),
        ("CIVIC_MODE", None, config.production, False),
        ("CIVIC_MODE", " Production ", config.production, True),
        ("CIVIC_MAP_STYLE", "", config.map_style, None),
        ("CIVIC_CHROMIUM", "/opt/chromium", config.chromium, "/opt/chromium"),
        ("CIVIC_DB_DIR", "/srv/civic/db", config.db_dir, Path("/srv/civic/db")),
    ],
)
def test_readers(variable, value, read, expected):
    with environment(**{variable: value}):
        assert read() == expected


def test_paths_default_under_the_data_folder(tmp_path):
    unset = {v: None for v in ("CIVIC_INBOX_DIR", "CIVIC_DB_DIR", "CIVIC_ACCOUNTS_DB")}
    with environment(CIVIC_DATA_DIR=str(tmp_path), **unset):
        assert config.inbox_dir() == tmp_path / "inbox"
        assert config.db_dir() == tmp_path / "db"
        assert config.accounts_db() == tmp_path / "accounts.sqlite"


def test_child_environment_carries_the_store_and_reports(tmp_path):
    env = config.child_environment(tmp_path / "db", None)
    assert env["CIVIC_DB_DIR"] == str((tmp_path / "db").resolve())
    assert "PATH" in env
