"""The layers hold: imports run only downward (pyproject's import-linter contract).

The contract is checked on the real tree, and shown to bite: a copy of the
tree with one planted back-edge (etl importing the index, as etl/clearings.py
once did for the audit log) must fail it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]
PACKAGES = CONTRACT["root_packages"]


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """Run import-linter over the packages under `tree` with the project's contract."""
    command = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(command), "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_tree(target: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_every_package_is_in_the_contract():
    """A new top-level package must be placed in a layer, or it escapes the check."""
    on_disk = {
        p.parent.name
        for p in ROOT.glob("*/__init__.py")
        if p.parent.name not in {"tests", "bench", "tools"}
    }
    layered = {
        name.strip()
        for contract in CONTRACT["contracts"]
        for layer in contract.get("layers", [])
        for name in layer.split("|")
    }
    assert on_disk == set(PACKAGES) == layered


def test_the_tree_keeps_its_layers(tmp_path):
    result = lint_imports(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted"),
    [
        ("etl/clearings.py", "import index.results  # planted back-edge\n"),  # sibling layer
        ("core/store.py", "from etl import models  # planted back-edge\n"),  # floor reaching up
        ("publish/notice.py", "import demo.world  # planted back-edge\n"),  # demo in production
    ],
)
def test_a_planted_back_edge_fails_the_build(tmp_path, module, planted):
    tree = copy_tree(tmp_path)
    path = tree / module
    source = path.read_text(encoding="utf-8")
    head, _, body = source.partition("from __future__ import annotations\n")
    path.write_text(head + "from __future__ import annotations\n" + planted + body, "utf-8")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout or "broken" in result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout
