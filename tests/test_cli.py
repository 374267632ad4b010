"""The civic command, invoked as a user would."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from civic.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_lists_the_commands():
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("demo", "generate", "registry", "templates"):
        assert cmd in r.output


def test_registry_prints_counts():
    r = run("registry")
    assert r.exit_code == 0
    assert "实践站: 198" in r.output and "实践所: 20" in r.output


def test_registry_error_exits_nonzero(tmp_path):
    r = CliRunner().invoke(main, ["registry", "--registry", str(tmp_path)])
    assert r.exit_code == 1
    assert "county.toml: file is missing" in r.output


def test_templates_writes_files(tmp_path):
    r = run("templates", str(tmp_path / "t"))
    assert r.exit_code == 0
    assert (tmp_path / "t" / "活动台账.xlsx").is_file()
    assert "16 template files" in r.output


def test_generate_one_month_prints_summary(tmp_path):
    out = tmp_path / "inbox"
    r = run("generate", "--months", "2026-10", "--out", str(out), "--workers", "1")
    assert r.exit_code == 0, r.output
    assert "198 stations" in r.output and "redemption ratio" in r.output
    manifest = json.loads((out / "_generation.json").read_text(encoding="utf-8"))
    assert manifest["summary"]["months"] == "2026-10..2026-10"
    assert (out / "2026-10").is_dir()


def test_generate_rejects_bad_months(tmp_path):
    r = CliRunner().invoke(main, ["generate", "--months", "2026-13", "--out", str(tmp_path)])
    assert r.exit_code == 2
    assert "--months" in r.output


def test_generate_scale_writes_a_scaled_registry(tmp_path):
    out = tmp_path / "inbox"
    r = run("generate", "--months", "2026-10", "--out", str(out), "--scale", "2", "--workers", "1")
    assert r.exit_code == 0, r.output
    assert "396 stations" in r.output
    r2 = run("registry", "--registry", str(tmp_path / "registry-scale2"))
    assert "实践站: 396" in r2.output


def test_every_command_is_documented_in_the_readme():
    from core.config import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"civic {name}" in readme, f"README does not document `civic {name}`"


def test_the_readme_table_of_commands_is_the_one_generated_from_their_help():
    from civic.cli import reference
    from core.config import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert reference.render(readme) == readme, reference.OUT_OF_DATE


def test_the_table_shows_each_command_with_its_help_and_options():
    from civic.cli import reference

    rows = dict(reference.rows(main, click.Context(main, info_name="civic")))
    assert set(rows) >= {f"`civic {name}`" for name in ("registry", "rank", "dashboard", "demo")}
    publish = rows["`civic publish --month YYYY-MM --approver NAME`"]
    assert publish.startswith(main.commands["publish"].help.split("\n")[0])
    assert "`--revise`" in publish and "`--reports DIR`" in publish and "--help" not in publish
    assert "`civic users add USERNAME --role [admin\\|reviewer\\|town\\|leader]`" in rows
