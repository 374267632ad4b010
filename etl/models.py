"""Run the SQL models (etl/models/<layer>/<name>.sql) and their data checks.

Each model file holds one SELECT and becomes the table of its name. Its
header comment states the grain and the checks the table must pass:

    -- grain: one row per activity
    -- unique: unit_code, activity_id
    -- not_null: unit_code, month
    -- accepted: platform in ('理论政策宣讲', ...)
    -- check: participants >= 0
    -- relationship: unit_code -> ref_unit.code

Models run in dependency order (found from the tables each one reads).
A few steps that are sequential by nature are Python models (etl/rules.py):
they read tables and write one, and declare what they read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path

from core import store as db_store
from etl import reference, rules

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "intermediate", "facts", "marts")
_REF = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_META = re.compile(r"^--\s*(grain|unique|not_null|accepted|check|relationship):\s*(.+)$")


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sql: str
    grain: str
    checks: list[tuple[str, str]] = field(default_factory=list)
    reads: frozenset[str] = frozenset()

    @property
    def unique_key(self) -> list[str] | None:
        """The columns of the first `unique:` check: what identifies a row."""
        key = next((arg for kind, arg in self.checks if kind == "unique"), None)
        return [c.strip() for c in key.split(",")] if key else None


def discover() -> dict[str, Model]:
    found: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((MODELS_DIR / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            meta = [m.groups() for m in map(_META.match, sql.splitlines()) if m]
            grain = next((v for k, v in meta if k == "grain"), "")
            checks = [(k, v.strip()) for k, v in meta if k != "grain"]
            found[path.stem] = Model(path.stem, layer, sql, grain, checks)
    names = set(found) | set(rules.MODELS)
    return {
        n: Model(
            m.name, m.layer, m.sql, m.grain, m.checks, frozenset(referenced(m.sql) & names - {n})
        )
        for n, m in found.items()
    }


def referenced(sql: str) -> set[str]:
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return {m.lower() for m in _REF.findall(body)}


def order(sql_models: dict[str, Model]) -> list[str]:
    """SQL and Python models, each after the models it reads."""
    graph = {n: set(m.reads) for n, m in sql_models.items()}
    graph |= {n: set(deps) for n, (_, deps) in rules.MODELS.items()}
    return list(TopologicalSorter(graph).static_order())


def run(con, clock=None) -> dict[str, int]:
    """Build every model table; return counts of rows rejected by the Python rules.

    `clock`, if given, has `lap(name)` called after each model (for bench/).
    """
    sql_models = discover()
    rejected: dict[str, int] = {}
    reference.write_contract(con)
    for name in order(sql_models):
        if name in sql_models:
            con.execute(f"create or replace table {name} as\n{sql_models[name].sql}")
        elif name in rules.MODELS:
            fn, _ = rules.MODELS[name]
            rejected |= fn(con) or {}
        if clock:
            clock.lap(f"model {name}")
    return rejected


def build(con, clock=None) -> tuple[dict[str, int], list[str]]:
    """Build every model, then run every check: (rows rejected by the Python rules, failures)."""
    rejected = run(con, clock)
    return rejected, check(con)


class CheckFailed(ValueError):
    """A data check failed after a change; the message lists them, in Chinese."""


@contextmanager
def rebuilt_version(store: Path | None = None, error: type[ValueError] = CheckFailed) -> Iterator:
    """A new database version whose models are rebuilt and checked after the block's change.

    For changes to the inputs after an ingest (an office clearing): the block
    writes through the connection, then every model is built again. A failing
    check raises `error` and, like any exception in the block, leaves readers
    on the version they had.
    """
    with db_store.new_version(store) as con:
        yield con
        _, failures = build(con)
        if failures:
            raise error("数据检查未通过：" + "；".join(failures))


def check_queries(model: Model) -> list[tuple[str, str]]:
    """(description, SQL counting offending rows) for each check of a model."""
    out = []
    t = model.name
    for kind, arg in model.checks:
        if kind == "unique":
            q = f"select count(*) from (select {arg} from {t} group by all having count(*) > 1)"
        elif kind == "not_null":
            cond = " or ".join(f"{c.strip()} is null" for c in arg.split(","))
            q = f"select count(*) from {t} where {cond}"
        elif kind == "accepted":
            q = f"select count(*) from {t} where not ({arg})"
        elif kind == "check":
            q = f"select count(*) from {t} where not coalesce({arg}, true)"
        elif kind == "relationship":
            col, target = (s.strip() for s in arg.split("->"))
            rt, rc = target.split(".")
            q = (
                f"select count(*) from {t} where {col} is not null and {col} not in "
                f"(select {rc} from {rt})"
            )
        else:
            continue
        out.append((f"{t}: {kind} {arg}", q))
    return out


def check(con) -> list[str]:
    """Every failing data check, as 'model: check (n rows)'."""
    failures = []
    for model in discover().values():
        for label, q in check_queries(model):
            n = con.sql(q).fetchall()[0][0]
            if n:
                failures.append(f"{label}（{n} 行）")
    return failures
