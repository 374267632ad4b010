"""Measure a file before anything parses it: bytes, rows and cells, by real decompression.

A zip's directory and a workbook's dimensions can lie, and a small file can
hold a large one (an .xlsx is a zip: a 2 MB workbook can carry 900,000 rows).
So every zip entry and every part of a workbook is decompressed here as a
stream, counted and thrown away, never held: sheet XML is scanned for its
`<row` and `<c` elements, shared strings for their longest entry (one long
string can be referenced by every cell), CSV for its lines and separators.
A file over a limit is refused with its located reason before it is read;
what decompression produced counts against one budget per ingest run (an
upload is one run), spent in the order files would load.

Limits come from county.toml's [reading] settings (core/settings.py).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree

from core.settings import Settings
from etl.sources import SourceRef

MB = 2**20
CHUNK = 1 << 20
# a match starting in the last KEEP bytes of a chunk is counted with the next one
# (longer than any match below, so a match counted always ends inside its buffer)
KEEP = 32
_ROW = re.compile(rb"<(?:\w{1,10}:)?row[\s>/]")
_CELL = re.compile(rb"<(?:\w{1,10}:)?c[\s>/]")
_SHARED = re.compile(rb"<(?:\w{1,10}:)?si[\s>/]")
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_SHARED_PART = "xl/sharedStrings.xml"
_SMALL_XML = 4 * MB  # workbook.xml and its relations: parsed for sheet names only below this
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, KeyError)


@dataclass(frozen=True)
class Limits:
    """What one ingest run (an upload is one) may read; bytes and counts, from settings."""

    budget_bytes: int  # everything decompression produces in the run, together
    file_bytes: int  # one file as read: its size, or what it expands to
    sheet_rows: int
    sheet_cells: int
    reader_memory_bytes: int  # address space of a reader process (0: unlimited)

    @classmethod
    def of(cls, values: Settings, budget_mb: int | None = None) -> Limits:
        return cls(
            (budget_mb or values.reading_budget_mb) * MB,
            values.reading_file_mb * MB,
            values.reading_sheet_rows,
            values.reading_sheet_cells,
            values.reading_reader_memory_mb * MB,
        )


@dataclass(frozen=True)
class Measured:
    """A file within the per-file limits: its digest, size and what decompressing it produced."""

    sha256: str
    size_bytes: int
    expanded_bytes: int


@dataclass(frozen=True)
class Refused:
    """A file over a limit, never parsed; the reason names the sheet, the limit and the figure."""

    reason: str


class _Over(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def mb(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


def measure(ref: SourceRef, limits: Limits) -> Measured | Refused:
    """The file's SHA-256 and size, and its expansion measured against `limits`.

    OSError when the file cannot be read at all (the caller reports it as unreadable).
    """
    suffix = ref.name.rsplit(".", 1)[-1].lower() if "." in ref.name else ""
    digest = hashlib.sha256()
    try:
        with _open(ref) as raw:
            size, held = 0, []
            counter = _TextCounter() if suffix in ("csv", "tsv") else None
            for chunk in _chunks(raw):
                size += len(chunk)
                digest.update(chunk)
                if size > limits.file_bytes:
                    what = "解压后超过" if ref.member else "大小超过"
                    raise _Over(f"文件{what}单个文件上限 {mb(limits.file_bytes)}，未读取")
                if counter:
                    counter.feed(chunk)
                    counter.check(limits)
                elif suffix in ("xlsx", "xlsm") and ref.member is not None:
                    held.append(chunk)  # a workbook inside a zip: opened below, at most file_bytes
            if counter:
                counter.close()
                counter.check(limits)
    except _Over as e:
        return Refused(e.reason)
    except _DAMAGED:  # the entry itself: its zip lies or is broken
        return Refused("压缩包内的这个文件已损坏或被篡改，无法解压，未读取")
    expanded = size if ref.member is not None else 0
    if suffix in ("xlsx", "xlsm"):
        try:
            source = io.BytesIO(b"".join(held)) if ref.member is not None else ref.path
            expanded += _workbook(source, limits)
        except _Over as e:
            return Refused(e.reason)
        except _DAMAGED:
            pass  # not a workbook inside: the reader says so in its own words, reading nothing
    return Measured(digest.hexdigest(), size, expanded)


def _open(ref: SourceRef) -> IO[bytes]:
    if ref.member is None:
        return open(ref.path, "rb")
    z = zipfile.ZipFile(ref.path)
    try:
        return _Closing(z.open(ref.member), z)
    except BaseException:
        z.close()
        raise


class _Closing(io.RawIOBase):
    """A zip entry's stream that closes its zip with it."""

    def __init__(self, entry: IO[bytes], z: zipfile.ZipFile):
        self.entry, self.z = entry, z

    def read(self, n: int = -1) -> bytes:
        return self.entry.read(n)

    def close(self) -> None:
        self.entry.close()
        self.z.close()
        super().close()


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


class _Scanner:
    """Counts a pattern over a stream of chunks; each match once, wherever chunks split."""

    def __init__(self, pattern: re.Pattern[bytes]):
        self.pattern = pattern
        self.tail = b""
        self.offset = 0  # stream position of tail[0]
        self.count = 0
        self.starts_gap = 0  # longest distance between two matches (or to the end)
        self._last = None

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buf = self.tail + chunk
        limit = len(buf) if final else max(0, len(buf) - KEEP)
        for m in self.pattern.finditer(buf):
            if m.start() >= limit:
                break
            self.count += 1
            at = self.offset + m.start()
            if self._last is not None:
                self.starts_gap = max(self.starts_gap, at - self._last)
            self._last = at
        self.offset += limit
        self.tail = buf[limit:]

    def close(self) -> None:
        self.feed(b"", final=True)
        if self._last is not None:
            self.starts_gap = max(self.starts_gap, self.offset + len(self.tail) - self._last)


class _TextCounter:
    """Lines and fields of a CSV as it streams (an upper bound: quoted separators count)."""

    def __init__(self) -> None:
        self.lines = 0
        self.separators = 0
        self.delimiter: bytes | None = None
        self.last = b""

    def feed(self, chunk: bytes) -> None:
        if self.delimiter is None:
            first = chunk.lstrip(b"\r\n\xef\xbb\xbf").split(b"\n", 1)[0]
            counts = {d: first.count(d) for d in (b",", b"\t", b";")}
            self.delimiter = max(counts, key=lambda d: counts[d])
        self.lines += chunk.count(b"\n")
        self.separators += chunk.count(self.delimiter)
        self.last = chunk[-1:]

    def close(self) -> None:
        if self.last not in (b"", b"\n"):
            self.lines += 1  # a last line without a line break

    def check(self, limits: Limits) -> None:
        if self.lines > limits.sheet_rows:
            raise _Over(
                f"超过 {limits.sheet_rows:,} 行（每表行数上限；已读到第 {self.lines:,} 行），未读取"
            )
        cells = self.lines + self.separators
        if cells > limits.sheet_cells:
            raise _Over(
                f"超过 {limits.sheet_cells:,} 个单元格"
                f"（每表单元格上限；已数到 {cells:,} 个），未读取"
            )


def _workbook(source: str | IO[bytes], limits: Limits) -> int:
    """Decompress every part of an .xlsx, counting; the bytes produced. _Over past a limit."""
    with zipfile.ZipFile(source) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        expanded = 0
        sheets: dict[str, tuple[int, int, int]] = {}  # part -> rows, cells, bytes
        longest_shared = 0
        for info in infos:
            is_sheet = bool(_WORKSHEET.match(info.filename))
            rows, cells = _Scanner(_ROW), _Scanner(_CELL)
            shared = _Scanner(_SHARED) if info.filename == _SHARED_PART else None
            part = 0
            with z.open(info) as f:
                for chunk in _chunks(f):
                    part += len(chunk)
                    expanded += len(chunk)
                    if expanded > limits.file_bytes:
                        raise _Over(
                            f"工作簿解压后超过单个文件上限 {mb(limits.file_bytes)}"
                            f"（在「{info.filename}」处），未读取"
                        )
                    if is_sheet:
                        rows.feed(chunk)
                        cells.feed(chunk)
                        _check_sheet(z, info.filename, rows.count, cells.count, limits)
                    elif shared:
                        shared.feed(chunk)
            if is_sheet:
                rows.close()
                cells.close()
                _check_sheet(z, info.filename, rows.count, cells.count, limits)
                sheets[info.filename] = (rows.count, cells.count, part)
            elif shared:
                shared.close()
                longest_shared = shared.starts_gap
        # one shared string is copied into every cell that uses it when the sheet is read
        for name, (_, cells, part) in sheets.items():
            text = part + cells * longest_shared
            if longest_shared and text > limits.file_bytes:
                raise _Over(
                    f"工作表「{_sheet_name(z, name)}」读出的文字可达 {mb(text)}"
                    f"（{cells:,} 个单元格，"
                    f"最长的共享文字 {mb(longest_shared)}），超过单个文件上限 "
                    f"{mb(limits.file_bytes)}，未读取"
                )
    return expanded


def _check_sheet(z: zipfile.ZipFile, part: str, rows: int, cells: int, limits: Limits) -> None:
    if rows > limits.sheet_rows:
        raise _Over(
            f"工作表「{_sheet_name(z, part)}」超过 {limits.sheet_rows:,} 行"
            f"（每表行数上限；已数到 {rows:,} 行），未读取"
        )
    if cells > limits.sheet_cells:
        raise _Over(
            f"工作表「{_sheet_name(z, part)}」超过 {limits.sheet_cells:,} 个单元格"
            f"（每表单元格上限；已数到 {cells:,} 个），未读取"
        )


def _sheet_name(z: zipfile.ZipFile, part: str) -> str:
    """The name staff see for a worksheet part (xl/worksheets/sheet1.xml → 活动台账)."""
    try:
        book = _small_xml(z, "xl/workbook.xml")
        rels = _small_xml(z, "xl/_rels/workbook.xml.rels")
    except _DAMAGED + (ElementTree.ParseError,):
        return part
    if book is None or rels is None:
        return part
    targets = {
        r.get("Id"): r.get("Target", "").lstrip("/").removeprefix("xl/")
        for r in rels.iter()
        if r.tag.endswith("Relationship")
    }
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") or sheet.tag == "sheet":
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if targets.get(rid) == part.removeprefix("xl/"):
                return sheet.get("name", part)
    return part


def _small_xml(z: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = z.getinfo(name)
    except KeyError:
        return None
    with z.open(info) as f:
        data = f.read(_SMALL_XML + 1)
    return None if len(data) > _SMALL_XML else ElementTree.fromstring(data)


def spend(expanded: list[int], limits: Limits) -> list[str | None]:
    """The run's budget spent in order: None for a file that fits, else why it is refused.

    A refused file spends nothing, so one oversized file never costs the files after it.
    """
    used = 0
    out: list[str | None] = []
    for n in expanded:
        if used + n > limits.budget_bytes:
            out.append(
                f"解压后 {mb(n)}，本次导入的解压总量将超过上限 {mb(limits.budget_bytes)}"
                f"（此前的文件已用 {mb(used)}），未读取：请分批导入"
            )
        else:
            used += n
            out.append(None)
    return out
