"""Generate the demo county's monthly exports as the field would send them.

`generate()` writes, for each month, every unit's files into OUT/<YYYY-MM>/
(some towns send one zip of all their stations), stamps each file with the
time the office received it, and writes OUT/_generation.json: every file,
its clean row counts, where each planted dirty row is, and the faked points
(integrity) and padded activity reports (outliers) planted for the audit and
the index's screen; the last month always has one of each. Work is split by
town over processes; each unit draws from its own seeded generator, so the
bytes do not depend on the split.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from core.contract import SHEET_BY_KEY, owed_sheets
from core.months import label, shift
from core.registry import Registry, load_registry, short_name
from demo import ledgers, outliers
from demo.dirt import plant
from demo.files import Style, render, write_file, zip_files
from demo.world import Unit, build_households, build_units, code_seed

MANIFEST = "_generation.json"
ZIP_TOWNS = 4  # towns that send their stations' files as one zip
LAST_MONTH_FAKED = "out_of_range"  # the faked-points kind a station plants in the last month
RESUBMIT_RATE = 0.015
STATION_VOLUNTEERS = 45
TOWN_TEAM_VOLUNTEERS = 75
COUNTY_TEAM_VOLUNTEERS = 300
MONTHLY_JOINERS = 0.62  # new registrations per team per month


@dataclass
class Job:
    """One process's share: a town (its institute and stations) or the county level."""

    name: str
    codes: list[str]
    zipped: bool = False
    gbk_zip: bool = False
    file_format: str | None = None  # force every file into one format (benchmarks)


@dataclass
class Result:
    files: list[dict] = field(default_factory=list)
    dirt: list[dict] = field(default_factory=list)
    integrity: list[dict] = field(default_factory=list)  # faked points planted for the audit
    outliers: list[dict] = field(default_factory=list)  # padded activity months for the screen
    totals: dict = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.totals[key] = self.totals.get(key, 0) + value


def generate(
    out: Path,
    months: list[date],
    seed: int = 7,
    scale: int = 1,
    registry: Registry | None = None,
    workers: int = 2,
    file_format: str | None = None,
) -> dict:
    """Write the demo exports into out; return the summary (also saved in the manifest).

    file_format "csv" or "xlsx" makes every office write that format (CSV in
    UTF-8 or UTF-8 with BOM, no zips), for benchmarks against tools that read
    only that; None keeps the field's mix.
    """
    started = time.perf_counter()
    reg = registry or load_registry()
    if scale > 1:
        from demo.scale import scale_registry

        reg = scale_registry(reg, scale)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(reg, seed)
    if file_format:
        jobs = [replace(j, zipped=False, file_format=file_format) for j in jobs]
    args = [(reg.folder if scale == 1 else None, scale, seed, months, job, out) for job in jobs]
    results: list[Result] = []
    if workers > 1:
        # spawn, not fork: forking after polars has started its thread pool can deadlock.
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            results = list(pool.map(_run_job_args, args, chunksize=1))
    else:
        results = [_run_job_args(a) for a in args]
    files = [f for r in results for f in r.files]
    dirt = [d for r in results for d in r.dirt]
    integrity = [p for r in results for p in r.integrity]
    padded = [p for r in results for p in r.outliers]
    files += _plant_file_faults(out, months, seed, reg.county_code)
    totals: dict[str, float] = {}
    for r in results:
        for k, v in r.totals.items():
            totals[k] = totals.get(k, 0) + v
    summary = _summary(reg, months, seed, scale, files, dirt, totals, time.perf_counter() - started)
    summary["planted"] = {"faked_points": len(integrity), "padded_activities": len(padded)}
    # The manifest leaves out the timing so that the same seed writes the same bytes.
    manifest = {
        "summary": {k: v for k, v in summary.items() if k != "seconds"},
        "files": sorted(files, key=lambda f: f["path"]),
        "dirt": sorted(dirt, key=lambda d: (d["path"], d["sheet_name"], d["row"])),
        "integrity": sorted(integrity, key=lambda p: (p["unit_code"], str(p["month"]), p["kind"])),
        "outliers": sorted(padded, key=lambda p: (p["unit_code"], str(p["month"]))),
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return summary


def plan_jobs(reg: Registry, seed: int) -> list[Job]:
    institutes = reg.of_kind("institute")["code"].to_list()
    rng = code_seed(seed, reg.county_code, "zips")
    zip_towns = set(rng.choice(institutes, size=min(ZIP_TOWNS, len(institutes)), replace=False))
    stations = reg.of_kind("station")
    jobs = []
    for i, town in enumerate(institutes):
        codes = [town] + sorted(stations.filter(stations["parent_code"] == town)["code"])
        jobs.append(Job(town, codes, zipped=town in zip_towns, gbk_zip=(i % 2 == 0)))
    county_level = (
        reg.of_kind("subcentre")["code"].to_list()
        + reg.county_teams()["code"].to_list()
        + [reg.county_code]
    )
    # Biggest first keeps both processes busy to the end.
    jobs.sort(key=lambda j: -len(j.codes))
    return [Job("county", county_level)] + jobs


def last_month_plants(reg: Registry, seed: int, last: date) -> tuple[str, str]:
    """The stations that pad their activities and fake points in the last month generated.

    The month the demo publishes then always shows both kinds of flag. The
    county's own generator draws them, so every job draws the same two, and
    neither station's month goes missing.
    """
    stations = sorted(reg.of_kind("station")["code"].to_list())
    rng = code_seed(seed, reg.county_code, f"last-month-plants{last:%Y%m}")
    padded, faked = rng.choice(stations, size=2, replace=False)
    return str(padded), str(faked)


def _run_job_args(a) -> Result:
    folder, scale, seed, months, job, out = a
    reg = load_registry(folder) if folder else None
    if reg is None:
        from demo.scale import scale_registry

        reg = scale_registry(load_registry(), scale)
    return run_job(reg, scale, seed, months, job, Path(out))


def run_job(
    reg: Registry, scale: int, seed: int, months: list[date], job: Job, out: Path
) -> Result:
    """Simulate and write every month of the job's units."""
    orders_by_month, by_taker = ledgers.orders(reg, months, seed, scale)
    ctx = ledgers.Context.build(reg, months, by_taker, seed)
    padded_last, faked_last = last_month_plants(reg, seed, months[-1])
    ctx.forced[(faked_last, months[-1])] = LAST_MONTH_FAKED
    forced = {(padded_last, months[-1]), (faked_last, months[-1])}
    population = dict(zip(reg.units["code"], reg.units["population"], strict=True))
    activity_counts: dict[str, dict[int, int]] = {}  # station -> month index -> rows sent
    codes = reg.all_codes()
    units = {u.code: u for u in build_units(reg, seed)}
    res = Result()
    mine = [units[c] for c in job.codes]
    rosters = _rosters(reg, mine, seed, scale, months[0])
    for u in mine:
        if u.kind == "station":
            u.people = build_households(u, seed)
    for i, month in enumerate(months):
        zipped: list[tuple[str, bytes, Unit]] = []
        for u in mine:
            # taken before the month is simulated, so a month never sent can be undone
            snapshot = [(h.balance, h.earned_year, h.barred_year) for h in u.people]
            planted_before = len(ctx.planted)
            sheets = _month_sheets(u, month, i, ctx, orders_by_month, rosters, seed, scale, res)
            if not sheets:
                continue
            # drawn first either way, so a forced plant changes no other draw
            if u.kind != "county" and u.rng.random() < u.missing and (u.code, month) not in forced:
                # 未报送: nothing reaches the office, and the month's points never happened.
                for h, (b, e, y) in zip(u.people, snapshot, strict=True):
                    h.balance, h.earned_year, h.barred_year = b, e, y
                del ctx.planted[planted_before:]
                res.add("missing_submissions", 1)
                continue
            balances = {h.household_id: h.balance for h in u.people}
            clean_activities = sheets.get("activities", [])
            sheets = {k: plant(k, rows, u.rng, codes, balances) for k, rows in sheets.items()}
            padding = None
            if u.kind == "station":
                counts = activity_counts.setdefault(u.code, {})
                before = [counts.get(j) for j in range(i - outliers.HISTORY_MONTHS, i)]
                padding = outliers.pad(
                    u, month, clean_activities, before, population[u.code], ctx,
                    force=(u.code, month) == (padded_last, months[-1]),
                )  # fmt: skip
                counts[i] = len(clean_activities) + (len(padding.rows) if padding else 0)
            if padding:
                res.outliers.append(padding.record)
                res.add("rows_activities", len(padding.rows))
            received = _received(u, month, reg)
            style = _month_style(u)
            if job.file_format:
                utf8 = "utf-8-sig" if style.encoding == "gbk" else style.encoding
                style = replace(style, fmt=job.file_format, encoding=utf8)
            base = _file_base(u, month)
            title_of = lambda k, u=u, month=month: _title(reg, u, month, k)  # noqa: E731
            rendered = render(base, outliers.add(sheets, padding), style, title_of, salt=i)
            in_zip = job.zipped and u.kind in ("station", "institute")
            resubmit = (
                u.kind in ("station", "institute") and u.rng.random() < RESUBMIT_RATE and not in_zip
            )
            first = None
            if resubmit:
                # the padding is drawn apart, so the station's own generator draws as before
                first_sheets = outliers.add(_erroneous(sheets, u.rng), padding)
                first = render(base, first_sheets, style, title_of, salt=i)
            for r in rendered:
                if in_zip:
                    zipped.append((r.name, r.data, u))
                    path = None
                else:
                    rel = f"{month:%Y-%m}/{r.name}"
                    if resubmit:
                        rel = rel.replace(".", "（更正）.", 1) if "." in rel else rel
                    path = rel
                corrected_at = received + timedelta(days=int(u.rng.integers(3, 11)))
                when = corrected_at if resubmit else received
                res.files.append(_file_record(path, r, u, month, when, style, False))
                if path:
                    write_file(out / path, r.data, when)
                res.dirt += [{**d, "path": path or f"{month:%Y-%m}/{r.name}"} for d in r.dirt]
            for r in first or []:
                rel = f"{month:%Y-%m}/{r.name}"
                res.files.append(_file_record(rel, r, u, month, received, style, True))
                write_file(out / rel, r.data, received)
            if resubmit:
                res.add("resubmissions", 1)
            if not in_zip and received.date() > month_deadline(month, reg):
                res.add("late_submissions", 1)
            res.add("submissions", 1)
        if zipped:
            res.files += _write_zip(out, job, month, zipped, reg, res)
    res.integrity = ctx.planted
    for u in mine:
        res.add("balance_outstanding", sum(h.balance for h in u.people))
    for team_vs in rosters.values():
        res.add("volunteers_registered", sum(v.active for v in team_vs))
    return res


def month_deadline(month: date, reg: Registry) -> date:
    return reg.values.deadline(month)


def _month_sheets(
    u: Unit, month: date, i: int, ctx, orders_by_month, rosters, seed, scale, res: Result
) -> dict[str, list[dict]]:
    """The unit's month: every sheet the contract says its kind owes (owed_by), and the
    ones a station sends when it has something (ratings twice a year, matters most months).
    Built in contract order, which is also the order the unit's generator is drawn from."""
    owed = owed_sheets(u.kind)
    sheets: dict[str, list[dict]] = {}
    if "activities" in owed:
        sheets["activities"] = ledgers.activities(u, month, i, ctx)
    if "points" in owed or "redemptions" in owed:  # one simulation of the households makes both
        pts, red = ledgers.points_and_redemptions(u, month, i, ctx)
        sheets["points"], sheets["redemptions"] = pts, red
        issued = sum(
            r["points"]
            for r in pts
            if r["status"] == "核发" and r["category"] != "清零" and r["points"] > 0
        )
        res.add("points_issued", issued)
        res.add("points_redeemed", sum(r["points"] for r in red))
    if u.kind in SHEET_BY_KEY["households"].senders and (i == 0 or month.month in (1, 7)):
        sheets["households"] = ledgers.households_sheet(u, month)
    if u.kind in SHEET_BY_KEY["matters"].senders and u.rng.random() < 0.6:
        sheets["matters"] = ledgers.matters(u, month, i)
    if "standards" in owed:
        sheets["standards"] = ledgers.standards(u, month, i)
    if "volunteers" in owed:
        changed = []
        for team in sorted(t for t in rosters if _team_sender(t, u)):
            vs = rosters[team]
            if i == 0:
                changed += vs
            else:
                rng = code_seed(seed, team, f"roster{i}")
                village = len(team.split("-")[0]) == 12
                growth = MONTHLY_JOINERS * (1 if village else scale)
                changed += ledgers.roster_month(vs, team, month, i, rng, growth)
        sheets["volunteers"] = ledgers.roster_rows(changed)
    if "orders" in owed:
        sheets["orders"] = orders_by_month[month]
    unmade = set(owed) - set(sheets)
    if unmade:  # a sheet added to owed_by needs its ledger here
        raise NotImplementedError(f"the demo cannot make {u.kind}'s {', '.join(sorted(unmade))}")
    for k, rows in sheets.items():
        res.add(f"rows_{k}", len(rows))
    return sheets


def _team_sender(team: str, u: Unit) -> bool:
    """Institutes send their town's and villages' rosters; county teams their own."""
    if u.kind == "county_team":
        return team == u.code
    return team.startswith(u.code) and "-DW" in team


def _rosters(reg: Registry, mine: list[Unit], seed: int, scale: int, first: date):
    my_codes = {u.code for u in mine}
    out = {}
    for code, level, parent in reg.teams.select("code", "level", "parent_code").iter_rows():
        sender = code if level == "county" else parent if level == "town" else parent[:9]
        if sender not in my_codes:
            continue
        rng = code_seed(seed, code, "roster")
        base = {
            "county": COUNTY_TEAM_VOLUNTEERS * scale,
            "town": TOWN_TEAM_VOLUNTEERS * scale,
            "village": STATION_VOLUNTEERS,
        }[level]
        out[code] = ledgers.initial_volunteers(code, int(rng.poisson(base)), rng, first)
    return out


def _erroneous(sheets: dict[str, list[dict]], rng: np.random.Generator) -> dict:
    """The first version of a submission that is later corrected: rows missing, a typo."""
    first = {}
    for k, rows in sheets.items():
        rows = [dict(r) for r in rows]
        if len(rows) > 2:
            rows = rows[: len(rows) - int(rng.integers(1, 3))]
        if k == "activities" and rows:
            r = rows[int(rng.integers(0, len(rows)))]
            if isinstance(r.get("participants"), int) and r["participants"] > 0:
                r["participants"] *= 10
        for r in rows:
            r.pop("_dirt", None)
        first[k] = rows
    return first


def _received(u: Unit, month: date, reg: Registry) -> datetime:
    deadline = reg.values.deadline_day
    nm = shift(month, 1)
    day = (
        int(u.rng.integers(1, deadline + 1))
        if u.rng.random() < u.on_time
        else int(u.rng.integers(deadline + 1, 26))
    )
    return datetime(nm.year, nm.month, day, int(u.rng.integers(8, 19)), int(u.rng.integers(0, 60)))


def _month_style(u: Unit) -> Style:
    """Offices mostly keep their habits; now and then someone else does the export."""
    if u.rng.random() < 0.05:
        from demo.world import draw_style

        return draw_style(u.rng, u.kind)
    return u.style


def _short(u: Unit) -> str:
    return short_name(u.name)


def _file_base(u: Unit, month: date) -> str:
    pattern = int(u.rng.integers(0, 3)) if u.kind == "station" else 0
    if pattern == 1:
        return f"{_short(u)}{label(month)}台账"
    if pattern == 2:
        return f"{month:%Y%m}_{u.code}"
    return f"{u.code}_{_short(u)}_{month:%Y-%m}"


def _title(reg: Registry, u: Unit, month: date, sheet_key: str | None) -> str:
    what = SHEET_BY_KEY[sheet_key].title if sheet_key else "台账"
    return f"{reg.county_name}{_short(u)}{label(month)}{what}"


def _file_record(
    path, r, u: Unit, month: date, when: datetime, style: Style, superseded: bool
) -> dict:
    clean = {k: n - sum(1 for d in r.dirt if d["sheet"] == k) for k, n in r.rows.items()}
    return {
        "path": path,
        "name": r.name,
        "unit": u.code,
        "kind": u.kind,
        "month": f"{month:%Y-%m}",
        "received_at": when.isoformat(timespec="minutes"),
        "format": style.fmt,
        "encoding": style.encoding if style.fmt == "csv" else "",
        "style": {k: v for k, v in asdict(style).items() if k not in ("fmt", "encoding")},
        "clean_rows": clean,
        "dirty_rows": len(r.dirt),
        "superseded": superseded,
    }


def _write_zip(out: Path, job: Job, month: date, members, reg: Registry, res: Result) -> list[dict]:
    town = members[0][2] if members[0][2].kind == "institute" else None
    short = _short(town) if town else job.name
    rel = f"{month:%Y-%m}/{short}{label(month)}台账.zip"
    eve = month_deadline(month, reg) - timedelta(days=1)  # the town sends the day before
    received = datetime(eve.year, eve.month, eve.day, 17, 30)
    data = zip_files([(name, blob) for name, blob, _ in members], received, job.gbk_zip)
    write_file(out / rel, data, received)
    for f in res.files:
        if f["path"] is None:
            f["path"] = f"{rel}!{f['name']}"
            f["received_at"] = received.isoformat(timespec="minutes")
    for d in res.dirt:
        for name, _, _ in members:
            if d["path"] == f"{month:%Y-%m}/{name}":
                d["path"] = f"{rel}!{name}"
    return []


def _plant_file_faults(
    out: Path, months: list[date], seed: int, county: str = "620623"
) -> list[dict]:
    """A file nobody can read and a note that is not an export: both must be reported."""
    m = months[len(months) // 2]
    after = shift(m, 1)
    when = datetime(after.year, after.month, 3, 10, 0)
    broken = f"{m:%Y-%m}/{county}999201_损坏文件_{m:%Y-%m}.xlsx"
    rng = np.random.default_rng([seed, 1])
    write_file(out / broken, b"PK\x03\x04" + rng.bytes(600), when)
    note = f"{m:%Y-%m}/报送说明.txt"
    write_file(out / note, "本月台账已按时报送，如有问题请联系县中心。\n".encode(), when)
    return [
        {
            "path": broken,
            "name": broken.split("/")[1],
            "unit": "",
            "kind": "fault",
            "month": f"{m:%Y-%m}",
            "received_at": when.isoformat(timespec="minutes"),
            "format": "xlsx",
            "encoding": "",
            "clean_rows": {},
            "dirty_rows": 0,
            "superseded": False,
            "fault": "unreadable",
        },
        {
            "path": note,
            "name": "报送说明.txt",
            "unit": "",
            "kind": "fault",
            "month": f"{m:%Y-%m}",
            "received_at": when.isoformat(timespec="minutes"),
            "format": "txt",
            "encoding": "",
            "clean_rows": {},
            "dirty_rows": 0,
            "superseded": False,
            "fault": "not_an_export",
        },
    ]


def _summary(reg: Registry, months, seed, scale, files, dirt, totals, seconds) -> dict:
    by_kind: dict[str, int] = {}
    for d in dirt:
        by_kind[d["kind"]] = by_kind.get(d["kind"], 0) + 1
    formats: dict[str, int] = {}
    for f in files:
        key = f["format"] if not f.get("encoding") else f"csv-{f['encoding']}"
        formats[key] = formats.get(key, 0) + 1
    zips = len({f["path"].split("!")[0] for f in files if "!" in (f["path"] or "")})
    issued, redeemed = totals.get("points_issued", 0), totals.get("points_redeemed", 0)
    return {
        "seed": seed,
        "scale": scale,
        "months": f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}",
        "units": reg.counts(),
        "files": len(files),
        "zips": zips,
        "formats": dict(sorted(formats.items())),
        "rows": {
            k.removeprefix("rows_"): int(v)
            for k, v in sorted(totals.items())
            if k.startswith("rows_")
        },
        "dirty_rows": dict(sorted(by_kind.items())),
        "dirty_total": len(dirt),
        "submissions": int(totals.get("submissions", 0)),
        "missing_submissions": int(totals.get("missing_submissions", 0)),
        "late_submissions": int(totals.get("late_submissions", 0)),
        "resubmissions": int(totals.get("resubmissions", 0)),
        "points_issued": int(issued),
        "points_redeemed": int(redeemed),
        "redemption_ratio": round(redeemed / issued, 4) if issued else 0.0,
        "balance_outstanding": int(totals.get("balance_outstanding", 0)),
        "volunteers_registered": int(totals.get("volunteers_registered", 0)),
        "seconds": round(seconds, 1),
    }
