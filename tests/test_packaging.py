"""The wheel installs whole: built, installed into a fresh virtual environment, run elsewhere.

The installed `civic` runs from a folder outside the checkout with nothing of
the checkout importable: it generates two months of a two-town county, loads
one, ranks it and publishes the edition. The county registry and the
methodology it uses by default are the copies inside the wheel. Dependencies
are installed at the versions of uv.lock, so uv's cache serves them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest

from civic.cli import main
from core import config
from core.registry import load_registry, validate

ROOT = config.PROJECT_ROOT
PACKAGES = (
    "core", "presentation", "etl", "index", "publish", "rollup", "dashboard", "demo", "civic"
)  # fmt: skip
TOWNS = ("620623203", "620623204")  # 赛拉隆乡 and 毛藏乡: 12 stations, one sub-centre
MONTH = "2026-09"


def _uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH: the wheel test builds and installs with uv")
    return uv


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300):
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([_uv(), "build", "--wheel", "--quiet", "--out-dir", str(out), str(ROOT)], cwd=ROOT)
    (path,) = out.glob("civic-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel (and the locked dependencies) installed."""
    base = tmp_path_factory.mktemp("venv")
    constraints = base / "constraints.txt"
    uv = _uv()
    _run(
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project",
         "--quiet", "--output-file", str(constraints)],
        cwd=ROOT,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(base / "env")], cwd=base, env=env)
    python = base / "env" / "bin" / "python"
    _run(
        [uv, "pip", "install", "--quiet", "--python", str(python), str(wheel),
         "--constraints", str(constraints)],
        cwd=base, env=env,
    )  # fmt: skip
    return base / "env"


@pytest.fixture
def outside(tmp_path) -> tuple[Path, dict[str, str]]:
    """A working folder outside the checkout and an environment without the checkout in it."""
    work = tmp_path / "work"
    work.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("CIVIC_")
    }
    return work, env


# where each folder resolves: (from a checkout?, environment, folders present) → expected, with
# root = the checkout or site-packages, cwd = the current directory, own = CIVIC_DATA_DIR
WHERE = [
    (True, {}, [], "data_dir", "root/data"),
    (True, {}, [], "reports_dir", "root/reports"),
    (True, {}, [], "registry_dir", "root/data/registry"),
    (True, {}, [], "methodology_dir", "root/data/methodology"),
    (True, {"CIVIC_DATA_DIR": "own"}, [], "registry_dir", "root/data/registry"),
    (True, {"CIVIC_DATA_DIR": "own"}, ["own/registry"], "registry_dir", "own/registry"),
    (False, {}, [], "data_dir", "cwd/data"),
    (False, {}, [], "reports_dir", "cwd/reports"),
    (False, {}, [], "registry_dir", "root/core/defaults/registry"),
    (False, {}, [], "methodology_dir", "root/core/defaults/methodology"),
    (False, {}, ["cwd/data/registry"], "registry_dir", "cwd/data/registry"),
    (False, {}, ["cwd/data/methodology"], "methodology_dir", "cwd/data/methodology"),
    (False, {"CIVIC_REGISTRY_DIR": "mine"}, ["cwd/data/registry"], "registry_dir", "mine"),
    (False, {"CIVIC_METHODOLOGY_DIR": "mine"}, [], "methodology_dir", "mine"),
    (False, {"CIVIC_REPORTS_DIR": "mine"}, [], "reports_dir", "mine"),
]


@pytest.mark.parametrize(("in_checkout", "env", "folders", "function", "expected"), WHERE)
def test_folders_resolve_for_a_checkout_and_an_installed_package(
    tmp_path, monkeypatch, in_checkout, env, folders, function, expected
):
    root, cwd = tmp_path / "root", tmp_path / "cwd"
    made = ["root/data/registry", "root/data/methodology", "cwd", *folders]
    if not in_checkout:  # site-packages: the wheel's copies, no data/
        made = ["root/core/defaults/registry", "root/core/defaults/methodology", "cwd", *folders]
    for folder in made:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(config, "PROJECT_ROOT", root)
    monkeypatch.setattr(config, "IN_CHECKOUT", in_checkout)
    monkeypatch.setattr(config, "PACKAGED_DEFAULTS", root / "core" / "defaults")
    for name in ("DATA", "REPORTS", "REGISTRY", "METHODOLOGY"):
        monkeypatch.delenv(f"CIVIC_{name}_DIR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, str(tmp_path / value))
    monkeypatch.chdir(cwd)
    assert getattr(config, function)() == tmp_path / expected


@pytest.mark.wheel
def test_the_wheel_holds_every_package_its_files_and_the_default_county(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in PACKAGES:
        assert f"{package}/__init__.py" in names, f"{package} is not in the wheel"
    sources = [
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    missing = [f for f in sources if f not in names]
    assert not missing, f"files of the packages missing from the wheel: {missing}"
    assert "civic/cli/__main__.py" in names and "dashboard/app.py" in names
    assert any(n.endswith(".sql") for n in names) and any(n.endswith(".j2") for n in names)
    with zipfile.ZipFile(wheel) as z:
        for folder in ("registry", "methodology"):  # the roll-up's methodology in its folder
            for source in sorted(p for p in (ROOT / "data" / folder).rglob("*") if p.is_file()):
                inside = f"core/defaults/{folder}/{source.relative_to(ROOT / 'data' / folder)}"
                assert z.read(inside) == source.read_bytes(), f"{inside} differs from {source}"


PROBE = """
import json, sys
import civic.cli, core.config as c
from civic.cli.serve import app_path, server_path
from streamlit.testing.v1 import AppTest

app = AppTest.from_file(str(app_path()), default_timeout=60)
app.run()
print(json.dumps({
    "cli": civic.cli.__file__, "app": str(app_path()), "in_checkout": c.IN_CHECKOUT,
    "registry": str(c.registry_dir()), "methodology": str(c.methodology_dir()),
    "data": str(c.data_dir()), "signed_out": [w.value for w in app.warning],
    "server": str(server_path()), "server_exists": server_path().is_file(),
    "errors": [e.value for e in app.error] + [str(e.value) for e in app.exception],
    "dashboard_modules": [m.__file__ for n, m in sys.modules.items() if n.startswith("dashboard")],
}))
"""


@pytest.mark.wheel
def test_the_installed_command_comes_from_the_environment_not_the_checkout(venv, outside):
    work, env = outside
    done = _run([str(venv / "bin" / "python"), "-c", PROBE], cwd=work, env=env)
    found = json.loads(done.stdout.splitlines()[-1])
    # the app `civic dashboard` serves runs from the wheel: signed out, no error
    assert any("请重新登录" in w for w in found["signed_out"]) and not found["errors"]
    assert found["server_exists"]
    assert not found["in_checkout"] and found["dashboard_modules"]
    assert Path(found["data"]) == work / "data"  # installed: data/ of the current directory
    for path in (found["cli"], found["app"], found["server"], found["registry"],
                 found["methodology"], *found["dashboard_modules"]):  # fmt: skip
        assert Path(path).is_relative_to(venv), f"{path} is not inside the virtual environment"
    help_text = _run([str(venv / "bin" / "civic"), "--help"], cwd=work, env=env).stdout
    for name in main.commands:
        assert f"  {name} " in help_text, f"`civic --help` does not list {name}"
    shown = _run([str(venv / "bin" / "civic"), "registry"], cwd=work, env=env).stdout
    assert "实践站: 198" in shown and str(venv) in shown


def _two_town_registry(folder: Path) -> Path:
    """The default county cut down to two towns (and the county level), to generate fast."""
    from demo.scale import keep_units, write_registry

    reg = load_registry()
    units = reg.units.filter(
        (pl.col("kind") == "county")
        | pl.col("code").is_in(list(TOWNS))
        | pl.col("parent_code").is_in(list(TOWNS))
        | pl.col("code").is_in(
            reg.units.filter(pl.col("code").is_in(list(TOWNS)))["parent_code"].to_list()
        )
    )
    small = keep_units(reg, units)
    assert validate(small) == []
    return write_registry(small, folder)


@pytest.mark.wheel
def test_the_installed_command_generates_loads_ranks_and_publishes(venv, outside, tmp_path):
    work, env = outside
    civic = str(venv / "bin" / "civic")
    registry = _two_town_registry(tmp_path / "registry")

    # one process each: spawning workers costs more than they save on two towns
    _run([civic, "generate", "--months", f"{MONTH}..2026-10", "--out", "inbox",
          "--registry", str(registry), "--workers", "1"], cwd=work, env=env)  # fmt: skip
    manifest = json.loads((work / "inbox" / "_generation.json").read_text(encoding="utf-8"))
    assert manifest["summary"]["months"] == f"{MONTH}..2026-10"
    assert {f["path"][:7] for f in manifest["files"]} == {MONTH, "2026-10"}
    sent = sorted(p.name for p in (work / "inbox" / MONTH).iterdir())
    assert sent

    # no --db, --registry or --reports: data/ and reports/ of this folder, the packaged county
    _run([civic, "ingest", f"inbox/{MONTH}", "--workers", "1"], cwd=work, env=env)
    db_file = Path(_run([civic, "db-path"], cwd=work, env=env).stdout.strip())
    assert db_file.is_relative_to(work / "data" / "db")
    with duckdb.connect(str(db_file), read_only=True) as con:
        files = con.sql("select source_path, status, month from source_file").fetchall()
        units = [u for (u,) in con.sql("select distinct unit_code from fct_activity").fetchall()]
        (activities,) = con.sql("select count(*) from fct_activity").fetchall()[0]
    # every file sent is recorded (a zip as its entries: town.zip!entry)
    assert {Path(path.split("!")[0]).name for path, _, _ in files} == set(sent)
    loaded = [path for path, status, month in files if status == "loaded"]
    assert len(loaded) > len(sent)  # the two towns' zips hold a file or more per station
    assert {str(month) for _, _, month in files if month} == {f"{MONTH}-01"}
    assert activities > 0
    for town in TOWNS:  # activities of both towns' stations are in the facts
        assert sum(u.startswith(town) and len(u) == 12 for u in units) >= 4, units

    ranked = _run([civic, "rank", "--month", MONTH], cwd=work, env=env).stdout
    assert "结果已保存到数据库" in ranked
    db_file = Path(_run([civic, "db-path"], cwd=work, env=env).stdout.strip())  # a new version
    with duckdb.connect(str(db_file), read_only=True) as con:
        scores = dict(
            con.sql(
                "select unit_code, score from index_score where group_key = 'institute'"
            ).fetchall()
        )
    assert all(scores[town] is not None for town in TOWNS)  # ranked, not 未报送

    # the office decides every flag of the month (数据存疑, 积分疑点) before it can be published
    listed = _run([civic, "flags", "--month", MONTH, "--json"], cwd=work, env=env).stdout
    for f in json.loads(listed):
        decide = [civic, "flags", "--month", MONTH, "--unit", f["unit_code"], "--flag", f["ref"],
                  "--decision", "accept", "--reason", "核实无误", "--author", "李四"]  # fmt: skip
        assert "已记录" in _run(decide, cwd=work, env=env).stdout
    listed = _run([civic, "flags", "--month", MONTH, "--json"], cwd=work, env=env).stdout
    assert all(f["decision"] == "accept" for f in json.loads(listed))

    published = _run([civic, "publish", "--month", MONTH, "--approver", "张三"], cwd=work, env=env)
    edition = work / "reports" / MONTH / "v1"
    assert str(edition) in published.stdout
    doc = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    assert doc["approver"] == "张三"
    for f in doc["files"]:
        content = (edition / f["path"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == f["sha256"], f["path"]
    names = {f["path"] for f in doc["files"]}
    assert {f"{MONTH}_article.pdf", f"{MONTH}_briefing.pdf", f"{MONTH}_index.xlsx"} <= names
    assert (edition / f"{MONTH}_article.pdf").read_bytes().startswith(b"%PDF")
    # the methodology the installed civic used is the checkout's, shipped in the wheel
    default = sorted((ROOT / "data" / "methodology").glob("*.toml"))[-1].read_bytes()
    assert doc["methodology"]["sha256"] == hashlib.sha256(default).hexdigest()
