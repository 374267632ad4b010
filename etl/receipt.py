"""When the office received each file of an ingest, and which submission each one replaced.

The order of submissions is the order the office received them: an upload's
time, or the time a `civic ingest` run started. A file's own date (its
modification time; for a zip entry, the date stored in the zip) can be
anything (a copy, an old draft corrected later, a clock that is wrong), so it
is kept as information only (`source_file.file_modified_at`, shown as 文件日期) and
decides nothing, unless the run says otherwise:

- `--received-at` dates the whole run (files the office received on a known day);
- `--received-from-file-dates` trusts each file's own date: an archive of past
  months the office received earlier, whose files carry the day they came in
  (the demo county's inbox is one).

Files received at the same time (every file of one run or one upload) are
ordered by their own date, then by path: file ids follow that order, and every
model breaks a tie in received time by file id, so among files received
together the one with the newest date is the latest version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

RUN = "run"  # the time the ingest run started
UPLOAD = "upload"  # the time the files were uploaded through the app
GIVEN = "given"  # a time given for the whole run (--received-at)
FILE_DATES = "file_dates"  # each file's own date (--received-from-file-dates)

SHOWN = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Receipt:
    """How an ingest dates the files it is given."""

    mode: str
    at: datetime | None = None  # the time every file gets (not for FILE_DATES)

    @classmethod
    def at_run(cls) -> Receipt:
        """Received when the ingest runs (the default); the time is fixed when it starts."""
        return cls(RUN)

    @classmethod
    def uploaded(cls, at: datetime) -> Receipt:
        return cls(UPLOAD, at.replace(microsecond=0))

    @classmethod
    def given(cls, at: datetime) -> Receipt:
        return cls(GIVEN, at.replace(microsecond=0))

    @classmethod
    def from_file_dates(cls) -> Receipt:
        return cls(FILE_DATES)

    def started(self, now: datetime) -> Receipt:
        """This receipt with the run's start time filled in, when it needs one."""
        if self.mode == RUN and self.at is None:
            return Receipt(RUN, now.replace(microsecond=0))
        return self

    def received_at(self, file_modified_at: datetime) -> datetime:
        if self.mode == FILE_DATES or self.at is None:
            return file_modified_at
        return self.at

    def describe(self) -> str:
        """The summary's line saying how files were dated."""
        if self.mode == FILE_DATES:
            return "收到时间：按各文件自身的日期（归档导入，--received-from-file-dates）"
        when = self.at.strftime(SHOWN) if self.at else "?"
        how = {
            RUN: "本次导入的时间",
            UPLOAD: "上传的时间",
            GIVEN: "指定的时间（--received-at）",
        }[self.mode]
        return f"收到时间：按{how} {when}；文件日期仅作参考"

    def as_json(self) -> dict:
        return {
            "mode": self.mode,
            "received_at": self.at.isoformat(sep=" ", timespec="minutes") if self.at else None,
            "description": self.describe(),
        }


def parse_time(text: str) -> datetime:
    """2026-11-05 or 2026-11-05 09:30 (or 2026-11-05T09:30) → a time; ValueError otherwise."""
    value = text.strip()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"时间「{text}」无法识别：请写成 YYYY-MM-DD 或 YYYY-MM-DD HH:MM")


@dataclass(frozen=True)
class Version:
    """Another version of some of a file's submissions: the file and the sheets concerned."""

    file_id: int
    file_name: str
    source_path: str
    received_at: datetime
    sheet_keys: tuple[str, ...]

    def as_json(self) -> dict:
        return {
            "file_name": self.file_name,
            "source_path": self.source_path,
            "received_at": self.received_at.isoformat(sep=" ", timespec="minutes"),
            "sheets": list(self.sheet_keys),
        }


# For each submission of the batch's files: the version it replaced (the one ranked
# just after it, which was current until now) when it is current, else the version
# that is current. Files whose unit is unknown are no one's version.
_VERSIONS = """
    with v as (
        select s.file_id, s.sheet_key, s.unit_code, s.month, s.version_rank, s.is_current,
               s.received_at, f.batch_id, f.file_name, f.source_path
        from stg_submission as s
        inner join source_file as f using (file_id)
        where s.unit_code is not null
    )
    select n.file_id, n.is_current, o.file_id, o.file_name, o.source_path, o.received_at,
           n.sheet_key
    from v as n
    inner join v as o
        on o.unit_code = n.unit_code and o.month = n.month and o.sheet_key = n.sheet_key
        and o.version_rank = case when n.is_current then 2 else 1 end
    where n.batch_id = ?
    order by n.file_id, o.received_at, o.file_id, n.sheet_key
"""


def versions(con, batch_id: int) -> dict[int, tuple[list[Version], list[Version]]]:
    """Per file of the batch: (the versions it replaced, the later versions that stay current)."""
    grouped: dict[tuple[int, bool, int], list] = {}
    for file_id, is_current, other, name, path, at, sheet in con.execute(
        _VERSIONS, [batch_id]
    ).fetchall():
        grouped.setdefault((file_id, is_current, other), [other, name, path, at, []])[4].append(
            sheet
        )
    out: dict[int, tuple[list[Version], list[Version]]] = {}
    for (file_id, is_current, _), (other, name, path, at, sheets) in grouped.items():
        replaced, kept = out.setdefault(file_id, ([], []))
        (replaced if is_current else kept).append(Version(other, name, path, at, tuple(sheets)))
    return out
