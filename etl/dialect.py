"""The models' SQL in another engine's dialect: one set of model files, transpiled.

The models are written for DuckDB (etl/models/). sqlglot, a maintained transpiler,
rewrites each into Spark SQL, differences of meaning included (NULLs sort last in
DuckDB and first in Spark, so an ascending ORDER BY gets NULLS LAST written out;
`count(*) filter (where …)`, `group by all`, `::` casts, strftime patterns,
arg_max → max_by, string_agg → listagg … within group).

Where sqlglot would write Spark SQL that runs but means something else, the tree is
corrected here before it is written, each rule with its reason:

- `format('{} …', x)`: DuckDB's placeholders are {}; Spark's format_string takes
  printf's %s. The pattern is rewritten.
- `to_json(t)` of a whole row (t a table alias): Spark needs the row as a struct,
  `to_json(struct(t.*))`, and keeps null fields only when told to (DuckDB keeps them);
  timestamps are written as DuckDB writes them (2026-09-02 10:20:00).
- `date_diff('minute', a, b)`: DuckDB counts the minute boundaries crossed, Spark the
  whole minutes elapsed (10:00:59 → 10:01:00 is 1 and 0); both ends are truncated to
  the unit first, which makes Spark count boundaries too.
- `arg_max(x, v)`: DuckDB skips the rows where x is NULL, Spark's max_by returns
  the NULL of the row with the largest v; v is taken only where x is not NULL.
- `x / 60.0`: DuckDB divides by a decimal literal in double precision, Spark in
  DECIMAL (six places); the literal is cast to DOUBLE.
- `list(x order by k)`: Spark's collect_list has no order; the list is collected as
  (k is null, k, x) triples, sorted (NULLs last, as DuckDB), and the x taken:
  `transform(array_sort(collect_list(struct(k is null, k, x))), e -> e.x)`.

Functions Spark lacks are registered with the session (etl/spark.py: nfc_normalize).
What sqlglot cannot express raises here, naming the model.
"""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import exp


class Untranslatable(ValueError):
    """A model uses DuckDB SQL that has no Spark equivalent sqlglot knows."""


def _aliases(tree: exp.Expression) -> set[str]:
    """Names a row can be called by: tables and subqueries with their aliases."""
    tables = {t.alias_or_name for t in tree.find_all(exp.Table)}
    return tables | {s.alias for s in tree.find_all(exp.Subquery) if s.alias}


def _format_placeholders(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Format) and isinstance(node.this, exp.Literal):
        pattern = node.this.this.replace("%", "%%").replace("{}", "%s")
        node.set("this", exp.Literal.string(pattern))
    return node


def _row_to_json(aliases: set[str]):
    def rewrite(node: exp.Expression) -> exp.Expression:
        is_to_json = isinstance(node, exp.Anonymous) and node.name.lower() == "to_json"
        arg = node.expressions[0] if is_to_json and len(node.expressions) == 1 else None
        if isinstance(arg, exp.Column) and not arg.table and arg.name in aliases:
            star = exp.Column(this=exp.Star(), table=exp.to_identifier(arg.name))
            row = exp.Struct(expressions=[star])
            options = exp.Anonymous(this="map", expressions=[
                exp.Literal.string(text) for text in
                ("ignoreNullFields", "false", "timestampFormat", "yyyy-MM-dd HH:mm:ss",
                 "timestampNTZFormat", "yyyy-MM-dd HH:mm:ss")])  # fmt: skip
            return exp.func("to_json", row, options)
        return node

    return rewrite


def _boundaries(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
        unit = node.args.get("unit")
        name = unit.name if unit is not None else "DAY"
        for side in ("this", "expression"):
            truncated = exp.TimestampTrunc(this=node.args[side].copy(), unit=exp.var(name))
            node.set(side, truncated)
        node.set("date_part_boundary", None)
    return node


def _args_not_null(node: exp.Expression) -> exp.Expression:
    if isinstance(node, (exp.ArgMax, exp.ArgMin)):
        value = node.this
        order = node.expression
        guarded = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=value.copy(),
                                                                 expression=exp.Null())),
                                       true=order.copy())])  # fmt: skip
        node.set("expression", guarded)
    return node


def _double_division(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Div):
        for side in ("this", "expression"):
            operand = node.args.get(side)
            if isinstance(operand, exp.Literal) and operand.is_number and "." in operand.this:
                node.set(side, exp.cast(operand.copy(), "double"))
    return node


def _ordered_list(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        order = node.this
        value = order.this
        if any(o.args.get("desc") for o in order.expressions):
            raise Untranslatable("list(… order by … desc): only ascending orders are rewritten")
        keys = [o.this for o in order.expressions]
        sort_keys = []
        for i, k in enumerate(keys):  # NULLs last, as DuckDB orders them
            sort_keys.append(exp.alias_(exp.Is(this=k.copy(), expression=exp.Null()), f"_n{i}"))
            sort_keys.append(exp.alias_(k.copy(), f"_k{i}"))
        pair = exp.Struct(expressions=[*sort_keys, exp.alias_(value.copy(), "_v")])
        collected = exp.func("array_sort", exp.ArrayAgg(this=pair))
        lam = exp.Lambda(
            this=exp.Dot(this=exp.to_identifier("_e"), expression=exp.to_identifier("_v")),
            expressions=[exp.to_identifier("_e")],
        )
        return exp.func("transform", collected, lam)
    return node


@cache
def to_spark(sql: str, name: str = "") -> str:
    """A DuckDB SELECT (a model file) as Spark SQL."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
        tree = tree.transform(_format_placeholders)
        tree = tree.transform(_row_to_json(_aliases(tree)))
        tree = tree.transform(_ordered_list)
        tree = tree.transform(_double_division)
        tree = tree.transform(_boundaries)
        tree = tree.transform(_args_not_null)
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except (sqlglot.errors.SqlglotError, Untranslatable) as e:
        raise Untranslatable(f"{name or 'SQL'}: {e}") from e
