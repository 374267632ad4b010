"""County settings (core/settings.py): declared once, checked with located errors, documented,
read typed by the models (stg_settings) and by Python (settings.read, Registry.values)."""

from __future__ import annotations

import ast
import re
import shutil
import tomllib
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from civic.cli import main
from core import settings
from core import store as db_store
from core.registry import RegistryError, load_registry
from etl import models
from etl.ingest import ingest
from etl.receipt import Receipt
from tests.exports import STATION, activity, header, write_csv

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("core", "presentation", "etl", "index", "publish", "dashboard", "demo", "civic")


def _registry_copy(tmp_path: Path, registry, edit=None) -> Path:
    folder = tmp_path / "reg"
    shutil.copytree(registry.folder, folder)
    if edit:
        toml = folder / "county.toml"
        toml.write_text(edit(toml.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def _drop_line(key: str):
    def edit(text: str) -> str:
        kept = [line for line in text.splitlines() if not line.startswith(f"{key} =")]
        assert len(kept) == len(text.splitlines()) - 1, f"no line {key} = in county.toml"
        return "\n".join(kept) + "\n"

    return edit


def _set(key: str, value: str):
    def edit(text: str) -> str:
        new, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        assert n == 1, f"no line {key} = in county.toml"
        return new

    return edit


# ----------------------------------------------------------------- checked when the registry loads


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_drop_line("yuan_per_point"), "county.toml [points] yuan_per_point: missing; it is"),
        (_drop_line("deadline_day"), "county.toml [submission] deadline_day: missing"),
        (_drop_line("centre_name"), "county.toml [county] centre_name: missing"),
        (_set("deadline_day", "31"), "county.toml [submission] deadline_day: must be from 1 to 28"),
        (_set("deadline_day", '"5"'), "[submission] deadline_day: must be a whole number, not '5'"),
        (_set("deadline_day", "5.5"), "[submission] deadline_day: must be a whole number"),
        (_set("yuan_per_point", '"one"'), "county.toml [points] yuan_per_point: must be a number"),
        (_set("yuan_per_point", "0"), "county.toml [points] yuan_per_point: must be a positive"),
        (_set("peer_ratio", "-1.0"), "county.toml [audit] peer_ratio: must be a positive number"),
        (_set("same_day_max_entries", "true"), "[audit] same_day_max_entries: must be a whole"),
        (_set("code", '"62062"'), "county.toml [county] code: '62062' does not match"),
        (_set("datum", '"BD-09"'), "county.toml [county] datum: must be one of WGS-84, GCJ-02"),
        (
            lambda t: t.replace("yuan_per_point =", "yuan_per_piont ="),
            "county.toml [points] yuan_per_piont: not a known setting",
        ),
        (lambda t: t + "\n[extra]\nx = 1\n", "county.toml [extra]: not a known section"),
    ],
)
def test_a_wrong_setting_is_a_located_registry_error(tmp_path, registry, edit, problem):
    folder = _registry_copy(tmp_path, registry, edit)
    with pytest.raises(RegistryError) as err:
        load_registry(folder)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_without_yuan_per_point_and_with_a_bad_deadline_both_are_named_and_nothing_loads(
    tmp_path, registry
):
    """Before: the registry loaded, ingest passed and mart_points_month was empty (a cross join
    with no setting), while the 公示 quietly used 1 yuan a point."""

    def edit(text: str) -> str:
        return _set("deadline_day", "0")(_drop_line("yuan_per_point")(text))

    folder = _registry_copy(tmp_path, registry, edit)
    with pytest.raises(RegistryError) as err:
        load_registry(folder)
    assert err.value.problems == [
        "county.toml [submission] deadline_day: must be from 1 to 28, not 0",
        "county.toml [points] yuan_per_point: missing; it is required "
        f"({settings_meaning('yuan_per_point')})",
    ]
    args = ["ingest", "--registry", str(folder), "--db", str(tmp_path / "db"), str(tmp_path)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code != 0
    assert "county.toml [points] yuan_per_point: missing" in r.output
    assert not (tmp_path / "db").exists()


def settings_meaning(name: str) -> str:
    return next(d.meaning for d in settings.declared() if d.name == name)


def test_optional_settings_take_their_declared_defaults():
    raw = tomllib.loads((ROOT / "data/registry/county.toml").read_text(encoding="utf-8"))
    for section in ("village", "audit"):
        del raw[section]
    del raw["points"]["budget_yuan_per_household_year"]
    values = settings.parse(raw)
    assert (
        values.matter_open_limit_days,
        values.notable_min_participants,
        values.same_day_max_entries,
        values.peer_ratio,
        values.budget_yuan_per_household_year,
    ) == (30, 30, 3, 5.0, 30.0)


def test_a_float_setting_may_be_written_as_a_whole_number(registry):
    raw = {**registry.settings, "audit": {"peer_ratio": 4}}
    assert settings.parse(raw).peer_ratio == 4.0


@pytest.mark.parametrize(
    ("month", "due"),
    [(date(2026, 10, 1), date(2026, 11, 5)), (date(2026, 12, 1), date(2027, 1, 5))],
)
def test_deadline_is_the_day_of_the_next_month(registry, month, due):
    assert registry.values.deadline_day == 5
    assert registry.values.deadline(month) == due


# ----------------------------------------------------------------- in the database


@pytest.fixture(scope="module")
def sparse_store(tmp_path_factory, registry):
    """A tiny ingest under a county.toml that leaves out every optional setting."""
    root = tmp_path_factory.mktemp("settings")
    raw = (registry.folder / "county.toml").read_text(encoding="utf-8")
    # [village], [audit], [orders] are last
    text = re.sub(r"\n\[village\].*", "\n", raw, flags=re.DOTALL)
    text = _drop_line("budget_yuan_per_household_year")(text)
    folder = root / "reg"
    shutil.copytree(registry.folder, folder)
    (folder / "county.toml").write_text(text, encoding="utf-8")
    reg = load_registry(folder)
    f = write_csv(
        root / "in" / f"{STATION}_2026-10_活动台账.csv",
        [header("activities"), activity(1)],
        received=datetime(2026, 11, 3, 9),
    )
    report = ingest([f], root / "db", reg, workers=1, received=Receipt.from_file_dates())
    assert not report.check_failures, report.check_failures
    return root / "db", reg


def test_stg_settings_is_one_typed_row_of_every_declared_setting(sparse_store):
    store, reg = sparse_store
    sql_types = {str: "VARCHAR", int: "INTEGER", float: "DOUBLE"}
    with db_store.reading(store) as con:
        columns = con.sql("describe stg_settings").fetchall()
        rows = con.sql("select * from stg_settings").fetchall()
        from_db = settings.read(con)
    assert [(c[0], c[1]) for c in columns] == [
        (d.name, sql_types[d.type]) for d in settings.declared()
    ]
    assert len(rows) == 1
    assert dict(zip([c[0] for c in columns], rows[0], strict=True)) == vars(reg.values)
    assert from_db == reg.values
    assert (from_db.peer_ratio, from_db.matter_open_limit_days) == (5.0, 30)


def test_a_database_without_a_required_setting_names_it():
    con = duckdb.connect()
    con.execute("create table ref_setting (section varchar, key varchar, value varchar)")
    raw = tomllib.loads((ROOT / "data/registry/county.toml").read_text(encoding="utf-8"))
    rows = [r for r in settings.rows(settings.parse(raw)) if r[1] != "yuan_per_point"]
    con.executemany("insert into ref_setting values (?, ?, ?)", rows)
    with pytest.raises(settings.SettingsError, match=r"ref_setting .*\[points\] yuan_per_point"):
        settings.read(con)


def test_models_read_settings_only_through_stg_settings():
    readers = [m.name for m in models.discover().values() if "ref_setting" in m.sql]
    assert readers == ["stg_settings"]


def test_python_reads_settings_only_through_core_settings():
    """ref_setting is written by etl/reference.py and read by core/settings.py, nowhere else."""
    found = [
        str(p.relative_to(ROOT))
        for package in PRODUCTION
        for p in sorted((ROOT / package).rglob("*.py"))
        if "ref_setting" in p.read_text(encoding="utf-8")
    ]
    assert found == ["core/settings.py", "etl/reference.py"]


def test_settings_are_declared_once():
    names = [d.name for d in settings.declared()]
    places = [(d.section, d.key) for d in settings.declared()]
    assert len(set(names)) == len(names) and len(set(places)) == len(places)
    assert all(d.meaning and d.type in (str, int, float) for d in settings.declared())
    # no other module spells a setting's key as a string (it would be a second reader)
    keys = {d.key for d in settings.declared() if d.section != "county"}
    spelled = [
        (str(p.relative_to(ROOT)), node.value)
        for package in PRODUCTION
        for p in sorted((ROOT / package).rglob("*.py"))
        if p != ROOT / "core/settings.py"
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in keys
    ]
    assert spelled == []


# ----------------------------------------------------------------- documented


def _documented() -> dict[tuple[str, str], list[str]]:
    """The settings table of data/registry/README.md: (section, key) -> its cells."""
    text = (ROOT / "data/registry/README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\|\s*`\[(\w+)\]`\s*\|\s*`(\w+)`\s*\|(.*)\|\s*$", line)
        if m:
            rows[(m[1], m[2])] = [c.strip() for c in m[3].split("|")]
    return rows


@pytest.mark.parametrize("d", settings.declared(), ids=lambda d: f"{d.section}.{d.key}")
def test_every_setting_is_documented(d):
    documented = _documented()
    assert (d.section, d.key) in documented, (
        f"[{d.section}] {d.key} is not documented in data/registry/README.md"
    )
    kind, default, meaning = documented[(d.section, d.key)][:3]
    assert kind == {str: "text", int: "integer", float: "number"}[d.type]
    assert default == ("required" if d.required else f"{d.default:g}")
    assert meaning


def test_nothing_undeclared_is_documented():
    declared = {(d.section, d.key) for d in settings.declared()}
    assert set(_documented()) == declared
