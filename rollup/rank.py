"""The ranking of counties (civic rollup rank): the county index's engine over the
counties' packages, kept in the roll-up store.

The counties' month (rollup/models/rollup_county_month.sql) is to the engine what
mart_unit_month is to the county index: one row per county and month, with `kind`
"county" and the 未报送 columns. index.compute.compute_frames then screens, normalises,
scores, ranks, explains and draws the uncertainty exactly as for towns and stations,
with the roll-up's own methodology (data/methodology/rollup/). Month M reads packages
of months up to M only.

A ranking is stored in the store beside the packages and named by its manifest:

    <store>/rankings/period=<YYYY-MM>/v<NNNNNN>/
        score.parquet  indicator.parquet  flag.parquet  sensitivity.parquet
        county_month.parquet   the counties' rows it was computed from (every figure
                               of the edition traces to them, and they to the packages)
        methodology.toml       the methodology file as used
    CURRENT.json  "rankings": {"<YYYY-MM>": {version, methodology, computed_at, draws,
                  seed, snapshot, files}}

`snapshot` names the packages the ranking read (county, month, when made); a package
loaded later makes the ranking out of date, and the edition refuses it until the month
is ranked again.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from core import months as month_math
from core import store as db_store
from index import compute as index_compute
from index import methodology
from rollup import registry
from rollup import store as rollup_store

MODEL = Path(__file__).parent / "models" / "rollup_county_month.sql"
RANKINGS = "rankings"
FRAMES = ("score", "indicator", "flag", "sensitivity", "county_month")
METHODOLOGY_FILE = "methodology.toml"


class NotRankable(ValueError):
    """The store cannot rank the month; the message tells staff why, in Chinese."""


def methodology_dir() -> Path:
    from core.config import methodology_dir as county_dir

    return county_dir() / "rollup"


def default_methodology() -> Path:
    files = sorted(methodology_dir().glob("*.toml"))
    if not files:
        raise NotRankable(f"{methodology_dir()} 中没有县级考评方法文件（*.toml）")
    return files[-1]


def county_month(con) -> pl.DataFrame:
    """The model's rows: one per county of the roll-up and month of the store."""
    return con.sql(MODEL.read_text(encoding="utf-8")).pl()


def snapshot(manifest: dict, month: date, region: registry.Region | None) -> str:
    """What a ranking of `month` reads: every current package of months up to it, and
    the list of counties."""
    keys = sorted(
        f"{e['county_code']}_{e['month']}@{e['made_at']}"
        for e in manifest["packages"].values()
        if e["month"] <= f"{month:%Y-%m}"
    )
    keys.append(f"registry@{registry.digest(region)}")
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]
    return f"{len(keys) - 1} 个数据包 · {digest}"


def current_snapshot(store: Path, month: date) -> str:
    return snapshot(rollup_store.current(store), month, registry.load(store))


@dataclass
class CountyRanking:
    month: date
    ranking: index_compute.Ranking  # months [previous, month] when the previous is in the store
    counties: pl.DataFrame  # rollup_county_month rows of months up to `month`
    snapshot: str

    @property
    def scores(self) -> pl.DataFrame:
        return self.ranking.scores.filter(pl.col("month") == self.month)


def compute(
    store: Path,
    month: date,
    method_path: Path | None = None,
    draws: int = index_compute.DEFAULT_DRAWS,
    seed: int = index_compute.DEFAULT_SEED,
) -> CountyRanking:
    """Rank the counties for `month` from the store's current packages (reads only)."""
    taken = current_snapshot(store, month)
    with rollup_store.reading(store) as con:
        if con.sql("select count(*) from rollup_package").fetchall()[0][0] == 0:
            raise NotRankable(f"汇总库 {store} 中还没有数据包（civic rollup ingest）")
        if registry.load(store) is None:
            raise NotRankable("汇总库还没有县名单：先用 civic rollup counties 登记应报送的县")
        counties = county_month(con).filter(pl.col("month") <= month)
    if counties.filter(pl.col("month") == month).is_empty():
        raise NotRankable(f"汇总库中没有{month_math.label(month)}的数据包")
    if not counties.filter((pl.col("month") == month) & pl.col("is_submitted")).height:
        raise NotRankable(f"{month_math.label(month)}没有任何县报送数据包")
    meth = methodology.load(method_path or default_methodology(), set(counties.columns))
    previous = month_math.shift(month, -1)
    months = [previous, month] if previous in set(counties["month"]) else [month]
    ranking = index_compute.compute_frames(
        counties,
        pl.DataFrame(schema={"unit_code": pl.String, "month": pl.Date, "points": pl.Float64}),
        meth,
        months,
        draws,
        seed,
        taken,
    )
    return CountyRanking(month, ranking, counties, ranking.data_snapshot)


def store_ranking(store: Path, ranked: CountyRanking, computed_at: datetime | None = None) -> dict:
    """Write the ranking's frames into the store and make it the month's current ranking
    (one rename of CURRENT.json); the ranking it replaces stays one switch longer."""
    computed_at = computed_at or datetime.now().replace(microsecond=0)
    period = f"{ranked.month:%Y-%m}"
    meth = ranked.ranking.methodology
    in_month = pl.col("month") == ranked.month
    previous = ranked.ranking.scores.filter(pl.col("month") != ranked.month).select(
        "unit_code", pl.col("score").alias("prev_score")
    )
    frames = {
        "score": ranked.ranking.scores.filter(in_month).join(previous, "unit_code", "left"),
        "indicator": ranked.ranking.indicators.filter(in_month),
        "flag": ranked.ranking.flags.filter(in_month) if ranked.ranking.flags.height else
        ranked.ranking.flags,
        "sensitivity": ranked.ranking.sensitivity.filter(in_month)
        if ranked.ranking.sensitivity.height else ranked.ranking.sensitivity,
        "county_month": ranked.counties.filter(in_month),
    }  # fmt: skip
    with db_store.writer_lock(store):
        if current_snapshot(store, ranked.month) != ranked.snapshot:
            raise NotRankable(
                "计算期间又接收了数据包或更新了县名单：请重新计算（civic rollup rank）"
            )
        manifest = rollup_store.current(store)
        version = manifest["version"] + 1
        folder = Path(RANKINGS) / f"period={period}" / f"v{version:06d}"
        (store / folder).mkdir(parents=True, exist_ok=True)
        files = {}
        for name, frame in frames.items():
            target = folder / f"{name}.parquet"
            frame.write_parquet(store / target, compression="zstd")
            files[name] = target.as_posix()
        shutil.copyfile(meth.path, store / folder / METHODOLOGY_FILE)
        files["methodology"] = (folder / METHODOLOGY_FILE).as_posix()
        entry = {
            "version": version,
            "month": period,
            "methodology_id": meth.id,
            "methodology_title": meth.title,
            "methodology_file": meth.path.name,
            "methodology_sha256": meth.sha256,
            "computed_at": computed_at.isoformat(),
            "draws": ranked.ranking.draws,
            "seed": ranked.ranking.seed,
            "snapshot": ranked.snapshot,
            "files": files,
        }
        rankings = dict(manifest.get(RANKINGS, {}))
        before = rankings.get(period)
        rankings[period] = entry
        rollup_store.switch(store, {**manifest, "version": version, RANKINGS: rankings})
        keep = {folder.name, Path(before["files"]["score"]).parent.name if before else ""}
        for old in (store / RANKINGS / f"period={period}").iterdir():
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
    return entry


@dataclass
class Stored:
    """A month's current ranking as stored: its entry and frames, and its methodology."""

    entry: dict
    frames: dict[str, pl.DataFrame]
    methodology: methodology.Methodology
    is_current: bool  # no package of months up to the month changed since it was computed


def read(store: Path, month: date) -> Stored:
    """The month's current ranking, or NotRankable when it has none."""
    manifest = rollup_store.current(store)
    entry = manifest.get(RANKINGS, {}).get(f"{month:%Y-%m}")
    if entry is None:
        raise NotRankable(f"{month_math.label(month)}还没有计算县级考评指数（civic rollup rank）")
    frames = {name: pl.read_parquet(store / entry["files"][name]) for name in FRAMES}
    path = store / entry["files"]["methodology"]
    meth = methodology.parse(path.read_bytes(), Path(entry["methodology_file"]))
    return Stored(entry, frames, meth, entry["snapshot"] == current_snapshot(store, month))
