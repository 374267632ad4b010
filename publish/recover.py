"""Leftovers of killed publishes: finished from the database, or removed.

An edition is written into a hidden folder (reports/2026-10/.v3.building-<id>),
recorded in a new database version, and renamed to v3 right after that
version becomes current (the pointer swap is the moment of publication). So
a kill leaves one of two things, and the database says which:
- a hidden folder the database does not record (killed before the swap):
  deleted, and the number is free for the retry;
- a hidden folder holding exactly the edition the database records as
  published (its manifest has the recorded SHA-256) while v3 is missing
  (killed between the swap and the rename): renamed into place.
A visible v<N> the database does not record (left by a civic from before
this order, or copied in) is moved out of sight, keeping its files, when its
month is published again. Everything here runs with the writer lock held, so
no publish is writing the folders it looks at.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

from core import store as db_store
from publish import folders, verify

MONTH = re.compile(r"^\d{4}-\d{2}$")  # reports/<YYYY-MM>/ (notices/, credit/ … are not editions)


def finish_interrupted(con, reports: Path) -> list[str]:
    """Complete or delete what killed publishes left; what was done, in Chinese."""
    if not reports.is_dir():
        return []
    records = {r.folder: r for r in verify.registered(con)}
    done = []
    for month_dir in sorted(p for p in reports.iterdir() if p.is_dir() and MONTH.match(p.name)):
        for hidden in sorted(month_dir.iterdir()):
            m = folders.STAGING.match(hidden.name)
            if not m or not hidden.is_dir():
                continue
            final = month_dir / f"v{int(m.group(1))}"
            folder = f"{month_dir.name}/{final.name}"
            record = records.get(folder)
            if record and verify.staged_copy(record, final) == hidden:
                # the recorded edition itself: never deleted while v<N> is not intact
                if final.exists() and verify.check_edition(record, final).ok:
                    shutil.rmtree(hidden)
                    done.append(f"删除：{folder} 完整，多余的副本 {hidden.name} 已删除")
                    continue
                if final.exists():
                    done += _set_aside(final, datetime.now().strftime("%Y%m%d%H%M%S"))
                folders.reveal(hidden, final)
                done.append(
                    f"补全：{folder} 已登记发布，但发布在改名前中断，已将 {hidden.name} 移入"
                    f" {final.name}"
                )
            else:
                shutil.rmtree(hidden)
                done.append(
                    f"删除：中断的发布留下的未登记临时文件夹 {month_dir.name}/{hidden.name}"
                )
    return done


def set_aside_unregistered(con, reports: Path, month: date) -> list[str]:
    """Move the month's visible v<N> folders the database does not record as published to
    hidden names (.v<N>.unregistered-<time>), so none looks official and the numbers are free."""
    month_dir = reports / f"{month:%Y-%m}"
    if not month_dir.is_dir():
        return []
    known = {r.folder for r in verify.registered(con, month)}
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    done = []
    for p in sorted(month_dir.iterdir()):
        if folders.FOLDER.match(p.name) and f"{month:%Y-%m}/{p.name}" not in known:
            done += _set_aside(p, stamp)
    return done


def _set_aside(folder: Path, stamp: str) -> list[str]:
    target = folder.with_name(f".{folder.name}.unregistered-{stamp}")
    folder.rename(target)
    return [f"移出：{folder.parent.name}/{folder.name} 不是登记的发布文件，已改名为 {target.name}"]


def clean(store: Path | None, reports: Path) -> list[str] | None:
    """finish_interrupted with the writer lock taken without waiting (`civic verify`);
    None when an ingest or a publish holds it (its folders may be in progress)."""
    store = store or db_store.default_store()
    db_store.current_path(store)  # NoDatabase, before the lock would make the folder
    try:
        # the records are read once the lock is held: a publish finished just before is in them
        with db_store.writer_lock(store, wait=False), db_store.reading(store) as con:
            return finish_interrupted(con, reports)
    except BlockingIOError:
        return None
