"""`civic rank` and `civic adjust`: the monthly index (考评指数) and its 加分/扣分."""

from __future__ import annotations

from pathlib import Path

import click

from civic.cli.options import parse_month, store_option


@click.command("rank")
@click.option(
    "--month", "month_text", default=None, metavar="YYYY-MM", help="Month to rank, e.g. 2026-10."
)
@click.option("--all", "all_months", is_flag=True, help="Rank every month in the database.")
@click.option(
    "--methodology",
    "method_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Try another methodology file; stored results are not touched.",
)
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Two methodology files: scores and ranks under both, ρ and mean rank shift per group.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--draws", default=1000, show_default=True, metavar="N", help="Robustness draws.")
@click.option("--seed", default=20260101, show_default=True, metavar="N", help="Seed of the draws.")
@store_option
def rank_cmd(month_text, all_months, method_path, compare, as_json, draws, seed, store) -> None:
    """Compute the monthly index (考评指数) and print the three rankings.

    --month ranks a month with the current methodology (data/methodology/) and stores it,
    --all every month; --json prints JSON (naming each month); --methodology FILE tries
    another methodology without storing; --compare A.toml B.toml (with --month or --all)
    shows each unit's score and rank under both, the change (↑/↓), Spearman's ρ and the
    mean rank shift per group, without storing. Ranking with a new methodology writes a
    back-series report (every month under the old and the new one) to reports/methodology/.
    """
    from core.store import NoDatabase
    from index import report_text, run
    from index.compute import NotReady
    from index.methodology import MethodologyError

    if bool(month_text) == all_months:
        raise click.UsageError("give either --month YYYY-MM or --all")
    months = None if all_months else [parse_month(month_text)]
    try:
        if compare:
            a = run.rank_only(store, months, compare[0], draws, seed)
            b = run.rank_only(store, months, compare[1], draws, seed)
            click.echo(report_text.comparison(a, b, as_json))
            return
        if method_path:
            ranking = run.rank_only(store, months, method_path, draws, seed)
        else:
            ranking = run.rank_and_store(store, months, None, draws, seed, actor="civic rank")
    except (NoDatabase, MethodologyError, NotReady) as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(report_text.as_json(ranking))
    else:
        for month in ranking.months[-1:] if all_months else ranking.months:
            click.echo(report_text.tables(ranking, month))
        if all_months:
            click.echo(f"已计算并保存 {len(ranking.months)} 个月（上面是最近一个月）。")
        if not method_path:
            click.echo("结果已保存到数据库。")
            if ranking.back_series is not None:
                click.echo(f"考评方法已更换，历史回算对比已写入：{ranking.back_series}")


@click.command("adjust")
@click.option(
    "--month", "month_text", required=True, metavar="YYYY-MM", help="Month, e.g. 2026-10."
)
@click.option(
    "--unit", "unit_code", required=True, metavar="CODE", help="Unit code, e.g. 620623-PQ1."
)
@click.option(
    "--item", required=True, metavar="ITEM", help="A bonus or penalty item of the methodology."
)
@click.option(
    "--points", required=True, type=float, metavar="N", help="Size of the bonus or penalty."
)
@click.option("--reason", required=True, metavar="TEXT", help="Why, in a sentence.")
@click.option("--author", required=True, metavar="NAME", help="Who enters it.")
@store_option
def adjust_cmd(month_text, unit_code, item, points, reason, author, store) -> None:
    """Add a bonus or penalty (加分/扣分) to a unit's month and rank the month again.

    The item is one of the methodology's bonus and penalty items, within its cap; the
    entry is kept with its author and reason in the audit log.
    """
    from core.store import NoDatabase
    from index import run
    from index.adjustments import AdjustmentError
    from index.compute import NotReady

    month = parse_month(month_text)
    try:
        new_id, ranking = run.adjust(store, month, unit_code, item, points, reason, author)
    except (NoDatabase, AdjustmentError, NotReady) as e:
        raise click.ClickException(str(e)) from e
    row = ranking.scores.filter(unit_code=unit_code).row(0, named=True)
    click.echo(
        f"已记录加扣分 #{new_id}；{row['unit_name']} {month:%Y-%m} 得分 {row['score']}，"
        f"第 {row['rank']} 名（{row['change_label']}）"
    )


@click.command("flags")
@click.option(
    "--month", "month_text", required=True, metavar="YYYY-MM", help="Month, e.g. 2026-10."
)
@click.option("--unit", "unit_code", default=None, metavar="CODE", help="The flag's unit.")
@click.option("--flag", "ref", default=None, metavar="REF", help="The flag (its 编号 in the list).")
@click.option(
    "--decision",
    type=click.Choice(["accept", "cap", "penalise"]),
    default=None,
    help="accept (接受原值 / 核实无误), cap (维持封顶) or penalise (扣分处理).",
)
@click.option("--reason", default="", metavar="TEXT", help="Why, in a sentence.")
@click.option("--author", default="", metavar="NAME", help="Who decides.")
@click.option("--item", default="", metavar="ITEM", help="The penalty item (with penalise).")
@click.option("--points", default=0.0, type=float, metavar="N", help="Penalty size (penalise).")
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON.")
@store_option
def flags_cmd(
    month_text, unit_code, ref, decision, reason, author, item, points, as_json, store
) -> None:
    """List a month's 数据存疑 values and 积分疑点, or decide one (the month is ranked again).

    A month with open flags cannot be reviewed or published. Without --decision, lists
    every flag (open first) with its 编号; with --unit, --flag, --decision, --reason and
    --author, records the decision (penalise also needs --item and --points, a penalty
    item of the methodology) in the audit log and ranks the month again.
    """
    import json

    from core.store import NoDatabase, reading
    from index import review, run
    from index.adjustments import AdjustmentError
    from index.compute import NotReady

    month = parse_month(month_text)
    try:
        if decision is None:
            with reading(store) as con:
                found = review.flags(con, month)
            if as_json:
                click.echo(json.dumps([f.__dict__ for f in found], ensure_ascii=False, indent=2))
                return
            if not found:
                click.echo(f"{month:%Y-%m} 没有疑点。")
            for f in found:
                state = (
                    "待核查"
                    if f.is_open
                    else f"{review.DECISIONS[f.kind][f.decision]}（{f.author}：{f.reason}）"
                )
                kind = review.KIND_LABELS[f.kind]
                click.echo(f"[{kind}] {f.unit_name}（{f.unit_code}）{f.label}：{f.detail}")
                click.echo(f"    编号 {f.ref}  {state}")
            return
        if not (unit_code and ref):
            raise click.UsageError("--decision needs --unit and --flag")
        kind = next(
            (f.kind for f in _flags(store, month) if f.unit_code == unit_code and f.ref == ref),
            None,
        )
        if kind is None:
            raise click.ClickException(f"{month:%Y-%m} 没有这条疑点：{unit_code} {ref}")
        made = run.Decision(kind, ref, unit_code, decision, reason, item, points)
        run.decide_flags(store, month, [made], author)
    except (NoDatabase, NotReady, review.ReviewError, AdjustmentError) as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已记录：{review.DECISIONS[kind][decision]}；{month:%Y-%m} 已重新计算。")


def _flags(store, month):
    from core.store import reading
    from index import review

    with reading(store) as con:
        return review.flags(con, month)
