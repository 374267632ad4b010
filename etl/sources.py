"""Find the files an ingest was given: files, folders (recursively) and .zip archives.

Exports travel as zips, whose entry names Chinese Windows tools write in GBK
without the UTF-8 flag; Python then decodes them as cp437 and they come out
garbled, so they are re-decoded here. A file's own date is its modification
time (for a zip entry: the date stored in the zip); it is information only.
When the office received a file is the ingest's to say (etl/receipt.py).
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class SourceRef:
    """One file to ingest: on disk, or an entry of a zip on disk."""

    path: str  # file on disk (the zip, for an entry)
    member: str | None  # entry name inside the zip, as stored
    display: str  # what staff see: path, or "zip!entry" with the entry name decoded
    name: str  # base name, decoded
    file_modified_at: datetime  # the file's own date: information only (etl/receipt.py)
    received_at: datetime | None = None  # when the office received it, set by the ingest

    def read(self) -> bytes:
        if self.member is None:
            return Path(self.path).read_bytes()
        with zipfile.ZipFile(self.path) as z:
            return z.read(self.member)


@dataclass(frozen=True)
class Skipped:
    """Something given that is not a readable file: reported, never silent."""

    display: str
    reason: str


def entry_name(info: zipfile.ZipInfo) -> str:
    """A zip entry's real name: GBK names without the UTF-8 flag are repaired."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def discover(
    paths: list[Path], names: dict[Path, str] | None = None
) -> Iterator[SourceRef | Skipped]:
    """Every file under the given paths, zips opened, in a stable order.

    `names` gives files kept under another name (the app stores uploads under
    generated names) the name they were sent with: staff see it, and the unit
    and month are read from it.
    """
    names = names or {}
    for p in paths:
        if not p.exists():
            yield Skipped(names.get(p, str(p)), "路径不存在")
        elif p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                if any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue  # hidden files: editor and OS droppings
                yield from _file(f, names.get(f))
        else:
            yield from _file(p, names.get(p))


def _file(path: Path, sent_as: str | None = None) -> Iterator[SourceRef | Skipped]:
    modified = datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    shown = sent_as or str(path)
    if path.suffix.lower() != ".zip":
        yield SourceRef(str(path), None, shown, sent_as or path.name, modified)
        return
    try:
        with zipfile.ZipFile(path) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as e:
        yield Skipped(shown, f"压缩包已损坏，无法打开（{e}）")
        return
    for info in infos:
        name = entry_name(info)
        base = name.rsplit("/", 1)[-1]
        if base.startswith(".") or name.startswith("__MACOSX/"):
            continue
        if base.lower().endswith(".zip"):
            yield Skipped(f"{shown}!{name}", "压缩包内又嵌套压缩包，请解压后再上传")
            continue
        yield SourceRef(str(path), info.filename, f"{shown}!{name}", base, _dated(info, modified))


def _dated(info: zipfile.ZipInfo, fallback: datetime) -> datetime:
    """A zip entry's own date (the zip's, when the stored one is not a date)."""
    try:
        return datetime(*info.date_time)
    except (TypeError, ValueError):
        return fallback


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
