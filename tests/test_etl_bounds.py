"""Bounded reading (etl/bounds.py): hostile files refused before they are parsed, located,
the rest of the run loaded; real files, real ingests, real processes."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from functools import cache
from pathlib import Path

import pytest
import xlsxwriter
import xlwt

from core import store as db_store
from core.registry import load_registry
from dashboard import uploads
from etl.ingest import ingest
from etl.summary import STATUS
from tests.exports import STATION, activity, header, write_csv

ROOT = Path(__file__).resolve().parents[1]
MB = 2**20
REFUSED = STATUS["refused"]
STATION_B = "620623101205"


# ----------------------------------------------------------------- files built for the tests


def _bomb_xlsx(path: Path, rows: int) -> Path:
    """A real workbook of `rows` rows, streamed into the zip: a few MB on disk."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
        '<sheet name="活动台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(f'<worksheet xmlns="{main}"><sheetData>'.encode())
            for start in range(1, rows + 1, 10_000):
                f.write(
                    b"".join(
                        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r % 7)
                        for r in range(start, min(start + 10_000, rows + 1))
                    )
                )
            f.write(b"</sheetData></worksheet>")
    return path


@cache
def _deflated(block: bytes, times: int) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of `block` repeated: compressed once, reused."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc = [], 0
    for _ in range(times):
        out.append(c.compress(block))
        crc = zlib.crc32(block, crc)
    out.append(c.flush())
    return b"".join(out), crc, len(block) * times


def _hand_zip(entries: dict[str, tuple[bytes, int]]) -> bytes:
    """A zip of entries that are a block repeated, built by hand (one compression per block)."""
    body, central = b"", b""
    for name, (block, times) in entries.items():
        data, crc, size = _deflated(block, times)
        raw = name.encode()
        fields = (20, 0x800, 8, 0, 0x5B21, crc, len(data), size, len(raw), 0)
        central += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIHH", *fields)
        central += struct.pack("<HHHII", 0, 0, 0, 0, len(body)) + raw
        body += struct.pack("<I", 0x04034B50) + struct.pack("<HHHHHIIIHH", *fields) + raw + data
    n = len(entries)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), len(body), 0)
    return body + central + end


def _csv_block(unit: str = STATION) -> bytes:
    line = (",".join(str(v) for v in activity(1, unit)) + "\r\n").encode()
    return line * (MB // len(line))


def _small_csv(folder: Path, n: int = 3, unit: str = STATION) -> Path:
    return write_csv(
        folder / f"{unit}_安家河村_2026-10_活动台账.csv",
        [header("activities")] + [activity(i, unit) for i in range(1, n + 1)],
    )


def _outcomes(report) -> dict[str, tuple[str, str]]:
    return {o.display: (o.status, o.message) for o in report.outcomes}


def _registry_with(tmp_path: Path, **reading) -> Path:
    """A copy of the registry whose county.toml sets some [reading] limits."""
    folder = tmp_path / "reg"
    shutil.copytree(load_registry().folder, folder)
    toml = folder / "county.toml"
    text = toml.read_text(encoding="utf-8")
    for key, value in reading.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        assert n == 1, key
    toml.write_text(text, encoding="utf-8")
    return folder


def _peak_rss_kb(args: list[str]) -> tuple[int, str]:
    """Run `civic ...` in a child; its peak resident memory (kB, children included) and output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "civic.cli", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    return usage.ru_maxrss, out


# ----------------------------------------------------------------- the findings


def test_an_xlsx_bomb_is_refused_before_it_is_parsed_and_memory_stays_low(tmp_path):
    """Before: a 2.17 MB workbook of 900,000 rows took the server from 469 MB to 1,788 MB."""
    small = _small_csv(tmp_path / "small")
    bomb = _bomb_xlsx(tmp_path / "bomb" / f"{STATION}_安家河村_2026-10.xlsx", 900_000)
    assert bomb.stat().st_size < 5 * MB
    shutil.copy(small, tmp_path / "bomb" / small.name)
    base, _ = _peak_rss_kb(["ingest", "--db", str(tmp_path / "db1"), str(tmp_path / "small")])
    peak, out = _peak_rss_kb(["ingest", "--db", str(tmp_path / "db2"), str(tmp_path / "bomb")])
    assert f"{REFUSED}  {bomb}" in out
    assert "工作表「活动台账」超过 100,000 行（每表行数上限；已数到" in out
    assert "行：接受 3（" in out  # the CSV beside it loaded
    assert peak < 1.3 * base, (peak, base)  # parsing it would take several times the baseline
    with db_store.reading(tmp_path / "db2") as con:
        files = con.sql("select file_name, status from source_file").fetchall()
    assert files == [(small.name, "loaded")]


def test_three_huge_zips_in_one_upload_are_refused_and_the_small_file_still_loads(tmp_path):
    """Before: three zips expanding to 900 MB each, in one 9.6 MB upload, were accepted."""
    block = _csv_block()
    sent = [
        (f"{n}.zip", _hand_zip({f"{STATION}_安家河村_2026-10_活动台账{n}.csv": (block, 900)}))
        for n in range(3)
    ]
    small = _small_csv(tmp_path / "small")
    sent.append((small.name, small.read_bytes()))
    assert sum(len(c) for _, c in sent) < 20 * MB  # 2.7 GB once decompressed
    uploads.check(sent)  # each zip alone stays under the per-zip bomb cap: not refused whole
    stored = uploads.save(sent, tmp_path / "uploads")
    report = ingest(list(stored), tmp_path / "db", load_registry(), 2, names=stored)
    got = _outcomes(report)
    for n in range(3):
        status, message = got[f"{n}.zip!{STATION}_安家河村_2026-10_活动台账{n}.csv"]
        assert status == "refused"
        assert re.search(r"超过 [\d,]+ (行|个单元格)（每表\w+上限；已数到", message), message
    assert got[small.name] == ("loaded", "")
    assert report.rows_accepted == 3
    table = uploads.outcome_table(report)  # what the upload page shows
    assert table.filter(table["status"] == REFUSED).height == 3


def test_a_small_zip_of_a_large_csv_is_refused(tmp_path):
    """Before: a 0.54 MB zip of a 158 MB CSV took 2.3 GB to read."""
    block = _csv_block()
    path = tmp_path / "in" / "big.zip"
    path.parent.mkdir()
    path.write_bytes(_hand_zip({f"{STATION}_安家河村_2026-10_活动台账.csv": (block, 158)}))
    assert path.stat().st_size < MB
    report = ingest([path.parent], tmp_path / "db", load_registry(), 1)
    ((status, message),) = _outcomes(report).values()
    assert status == "refused"
    assert re.search(r"超过 [\d,]+ (行|个单元格)（每表\w+上限；已数到", message), message
    assert report.batch_id is None  # nothing new: the database did not change


def test_the_budget_is_one_for_the_whole_run(tmp_path):
    """Each zip fits alone; together they do not: the one that would go over is refused."""
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        rows = [header("activities")] + [activity(n * 10_000 + i) for i in range(3_600)]
        text = "\r\n".join(",".join(map(str, r)) for r in rows).encode()
        with zipfile.ZipFile(folder / f"{n}.zip", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{STATION}_安家河村_2026-10_活动台账{n}.csv", text)
        assert 0.4 * MB < len(text) < 0.5 * MB
    small = _small_csv(folder, unit="620623101205")  # a plain file: nothing decompressed
    report = ingest([folder], tmp_path / "db", load_registry(), 1, budget_mb=1)
    got = _outcomes(report)
    refused = [d for d, (s, _) in got.items() if s == "refused"]
    assert len(refused) == 1 and refused[0].endswith(".csv") and "!" in refused[0]
    assert "本次导入的解压总量将超过上限 1.0 MB（此前的文件已用 0." in got[refused[0]][1]
    assert got[str(small)][0] == "loaded"
    assert report.rows_accepted == 2 * 3_600 + 3


# ----------------------------------------------------------------- at the limits


def _xlsx(path: Path, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("活动台账")
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def _xls(path: Path, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("活动台账")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


def _write(kind: str, path: Path, rows: list[list]) -> Path:
    if kind == "csv":
        return write_csv(path.with_suffix(".csv"), rows)
    return (_xlsx if kind == "xlsx" else _xls)(path.with_suffix(f".{kind}"), rows)


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls"])
@pytest.mark.parametrize(
    ("rows", "loads", "reason"),
    [
        (40, True, ""),  # header + 39 rows: exactly the limit
        (41, False, "超过 40 行（每表行数上限"),
    ],
)
def test_a_file_at_the_row_limit_loads_and_one_row_more_is_refused(
    tmp_path, kind, rows, loads, reason
):
    reg = load_registry(_registry_with(tmp_path, sheet_rows=40))
    data = [header("activities")] + [activity(i) for i in range(1, rows)]
    path = _write(kind, tmp_path / "in" / f"{STATION}_安家河村_2026-10", data)
    report = ingest([path], tmp_path / "db", reg, 1)
    ((status, message),) = _outcomes(report).values()
    if loads:
        assert status == "loaded" and report.rows_accepted == rows - 1
    else:
        assert status == "refused" and reason in message
        assert report.rows_accepted == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_cells_are_counted_per_sheet(tmp_path, kind):
    ok = [header("activities")] + [activity(i) for i in range(1, 10)]
    over = [header("activities")] + [activity(i, STATION_B) for i in range(1, 11)]
    # a CSV has every field; xlsxwriter leaves empty cells out of the sheet
    cells = sum(1 for row in ok for v in row if kind == "csv" or v != "")
    reg = load_registry(_registry_with(tmp_path, sheet_cells=cells))
    a = _write(kind, tmp_path / "in" / f"{STATION}_安家河村_2026-10", ok)
    b = _write(kind, tmp_path / "in" / f"{STATION_B}_2026-10", over)
    report = ingest([a, b], tmp_path / "db", reg, 1)
    got = _outcomes(report)
    assert got[str(a)][0] == "loaded"
    assert got[str(b)][0] == "refused"
    assert f"超过 {cells:,} 个单元格（每表单元格上限" in got[str(b)][1]


def test_a_workbook_whose_shared_string_would_fill_every_cell_is_refused(tmp_path):
    """One long shared string referenced by every cell: small on disk, huge once read."""
    reg = load_registry(_registry_with(tmp_path, file_mb=2))
    long = "长" * 20_000  # 60 KB in UTF-8
    path = _xlsx(tmp_path / "in" / f"{STATION}_2026-10.xlsx", [[long] * 10 for _ in range(10)])
    assert path.stat().st_size < 200_000
    report = ingest([path], tmp_path / "db", reg, 1)
    ((status, message),) = _outcomes(report).values()
    assert status == "refused"
    assert "工作表「活动台账」读出的文字可达" in message and "最长的共享文字" in message


def test_a_damaged_entry_is_refused_and_a_plain_damaged_workbook_is_unreadable(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    block = b"x,y\r\n" * 100
    crc = _deflated(block, 10)[1]
    good = _hand_zip({"a.csv": (block, 10)})
    lying = good.replace(struct.pack("<I", crc), struct.pack("<I", crc ^ 1))  # both headers
    assert lying != good
    (folder / "lying.zip").write_bytes(lying)
    (folder / f"{STATION}_2026-10.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    report = ingest([folder], tmp_path / "db", load_registry(), 1)
    got = _outcomes(report)
    assert got[str(folder / "lying.zip") + "!a.csv"][0] == "refused"
    assert got[str(folder / f"{STATION}_2026-10.xlsx")][0] == "unreadable"


def test_ingest_takes_a_budget_option(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.zip").write_bytes(_hand_zip({f"{STATION}_2026-10.csv": (_csv_block(), 2)}))
    _, out = _peak_rss_kb(["ingest", "--db", str(tmp_path / "db"), "--budget-mb", "1", str(folder)])
    assert REFUSED in out and "本次导入的解压总量将超过上限 1.0 MB" in out
