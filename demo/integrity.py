"""Plant the faked points (弄虚作假) the integrity audit must find.

Unlike dirt (rows the ETL must quarantine), these rows are well-formed: the
ledger accepts them, and only the audit (int_points_evidence) shows them to
the office. Each kind strikes a few station-months, drawn by a generator of
their own so the rest of the county is unchanged. Points are only ever
raised or added, so no redemption the simulation made becomes overdrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from demo.world import code_seed

# kind -> chance per station and month
RATES = {
    "out_of_range": 0.002,  # one entry ten times its catalogue maximum
    "off_season": 0.0015,  # a farming-season value outside the season
    "same_day": 0.002,  # one household credited five more times on one day
    "inflated": 0.0008,  # every household of the station credited a top review award
    "no_publicity": 0.002,  # the month issued without the 公示 step
}
SAME_DAY_EXTRA = 5
INFLATED_DAY = 9  # the day an inflated station credits everyone


class Planter:
    """The kinds one station-month draws, applied to its households' rows in turn."""

    def __init__(
        self, code: str, month: date, seed: int, catalogue: list[dict], force: str | None = None
    ) -> None:
        """force: a kind planted whatever the draws say (the demo's last month shows one)."""
        rng = code_seed(seed, code, f"integrity{month:%Y%m}")
        self.month = month
        self.pending = {kind for kind, rate in RATES.items() if rng.random() < rate}
        if force:
            self.pending.add(force)
        self.planted: list[dict] = []
        self._by_item = {c["item"]: c for c in catalogue}
        self._seasonal = [c for c in catalogue if c["season_months"]]

    def apply(self, rows: list[dict], new_row: Callable[[str, str, int], dict]) -> None:
        """Alter (and extend) one household's rows for the month, in place.

        new_row(category, item, points) makes an issued row for the household.
        """
        if not self.pending:
            return
        if "inflated" in self.pending:
            award = max(
                (c for c in self._by_item.values() if c["category"] == "评议分"),
                key=lambda c: (c["max_points"], c["item_code"]),
            )
            extra = new_row(award["category"], award["item"], int(award["max_points"]))
            day = self.month.replace(day=INFLATED_DAY)
            rows.append({**extra, "entry_date": day, "publicized_date": day + timedelta(days=2)})
        issued = [r for r in rows if r["status"] == "核发" and r["category"] != "清零"]
        if "no_publicity" in self.pending:
            for r in issued:
                r["publicized_date"] = None
        positive = [r for r in issued if r["points"] > 0]
        if not positive:
            return
        r = positive[0]
        item = self._by_item.get(r["item"])
        if "out_of_range" in self.pending and item and item["max_points"] > 0:
            r["points"] = int(item["max_points"]) * 10
            self._done("out_of_range", r)
        elif "off_season" in self.pending and not self._in_season():
            c = min(self._seasonal, key=lambda c: c["item_code"])
            if r["points"] <= c["season_max"] and c["season_max"] > c["max_points"]:
                r.update(item=c["item"], category=c["category"], points=int(c["season_max"]))
                self._done("off_season", r)
        elif "same_day" in self.pending:
            rows += [{**r, "entry_id": f"{r['entry_id']}-{k + 1}"} for k in range(SAME_DAY_EXTRA)]
            self._done("same_day", r)

    def finish(self) -> list[dict]:
        """What was planted: the month-wide kinds, and the single-row kinds that found a row."""
        for kind in ("inflated", "no_publicity"):
            if kind in self.pending:
                self.planted.append({"kind": kind, "month": self.month})
        return self.planted

    def _in_season(self) -> bool:
        return any(str(self.month.month) in c["season_months"].split(",") for c in self._seasonal)

    def _done(self, kind: str, r: dict) -> None:
        self.pending.discard(kind)
        self.planted.append(
            {"kind": kind, "month": self.month, "household_id": r["household_id"],
             "entry_id": r["entry_id"]}
        )  # fmt: skip
