"""The demo county generator: determinism, calibration, and the dirt it plants."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import zipfile
from collections import Counter
from datetime import datetime

import pytest

from core.contract import SHEET_BY_KEY, header_names, normalize_header, owed_sheets
from core.months import parse_range
from demo.dirt import BAD_DATES, BAD_ENUMS, PLAN
from demo.generate import generate


def _digest_tree(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_whatever_the_process_split(tmp_path, registry):
    months = parse_range("2025-12..2026-01")
    generate(tmp_path / "a", months, seed=11, registry=registry, workers=1)
    generate(tmp_path / "b", months, seed=11, registry=registry, workers=2)
    a, b = _digest_tree(tmp_path / "a"), _digest_tree(tmp_path / "b")
    assert len(a) > 400
    assert a == b


def test_other_seed_other_bytes(tmp_path, registry):
    months = parse_range("2026-01")
    generate(tmp_path / "a", months, seed=1, registry=registry, workers=1)
    generate(tmp_path / "b", months, seed=2, registry=registry, workers=1)
    assert _digest_tree(tmp_path / "a") != _digest_tree(tmp_path / "b")


def test_counts_are_exact(demo_manifest):
    s = demo_manifest["summary"]
    assert s["units"]["station"] == 198 and s["units"]["institute"] == 20
    assert s["units"]["subcentre"] == 5 and s["units"]["county_team"] == 9
    # one submission per unit and month, less the missing ones: 198+20+5+9+1 units, 22 months
    assert s["submissions"] + s["missing_submissions"] == 233 * 22


def test_every_unit_month_sent_carries_what_its_kind_owes(demo_manifest):
    """The generator reads the contract's obligations: every unit-month it sends has each
    sheet the unit's kind owes, and only sheets that kind may send."""
    sent: dict[tuple[str, str], set[str]] = {}
    kinds = {}
    for f in demo_manifest["files"]:
        if f["kind"] != "fault":
            sent.setdefault((f["unit"], f["month"]), set()).update(f["clean_rows"])
            kinds[f["unit"]] = f["kind"]
    assert len(sent) == demo_manifest["summary"]["submissions"]
    for (unit, month), sheets in sent.items():
        kind = kinds[unit]
        assert set(owed_sheets(kind)) <= sheets, (unit, month)
        assert all(kind in SHEET_BY_KEY[k].senders for k in sheets), (unit, month, sheets)


def test_redemption_ratio_in_band(demo_manifest):
    s = demo_manifest["summary"]
    assert 0.55 <= s["redemption_ratio"] <= 0.65
    assert s["points_issued"] > 1_000_000


def test_volunteers_about_24000(demo_manifest):
    assert 22_800 <= demo_manifest["summary"]["volunteers_registered"] <= 25_200


def test_minorities_of_submissions_missing_late_or_resubmitted(demo_manifest):
    s = demo_manifest["summary"]
    n = s["submissions"]
    assert 0.005 < s["missing_submissions"] / n < 0.05
    assert 0.03 < s["late_submissions"] / n < 0.2
    assert s["resubmissions"] >= 20
    assert sum(f["superseded"] for f in demo_manifest["files"]) >= 20


def test_dirty_rows_about_one_percent_and_every_kind_present(demo_manifest):
    s = demo_manifest["summary"]
    kinds = {k for plan in PLAN.values() for k, _, _ in plan}
    assert set(s["dirty_rows"]) == kinds
    assert all(n >= 10 for n in s["dirty_rows"].values()), s["dirty_rows"]
    rate = s["dirty_total"] / sum(s["rows"].values())
    assert 0.003 < rate < 0.02


def test_file_mix_encodings_and_zips(demo_manifest):
    s = demo_manifest["summary"]
    for fmt in ("xlsx", "xls", "csv-utf-8", "csv-utf-8-sig", "csv-gbk"):
        assert s["formats"].get(fmt, 0) >= 100, fmt
    assert s["zips"] >= 20
    faults = {f.get("fault") for f in demo_manifest["files"]}
    assert {"unreadable", "not_an_export"} <= faults


def test_styles_cover_the_contract(demo_manifest):
    styles = [f["style"] for f in demo_manifest["files"] if "style" in f]
    assert {st["date_style"] for st in styles} == {
        "cell",
        "serial",
        "iso",
        "slash",
        "chinese",
        "compact",
    }
    assert {st["header_style"] for st in styles} == {"canonical", "synonym", "fullwidth", "spaced"}
    for flag in (
        "title_row",
        "total_row",
        "notes_row",
        "blank_after_header",
        "numbers_as_text",
        "thousands",
    ):
        assert any(st[flag] for st in styles), flag


def test_csv_encodings_are_what_the_manifest_says(demo_inbox, demo_manifest):
    seen = Counter()
    for f in demo_manifest["files"]:
        if f["format"] != "csv" or "!" in f["path"]:
            continue
        data = (demo_inbox / f["path"]).read_bytes()
        if f["encoding"] == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
        elif f["encoding"] == "utf-8":
            assert not data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")
        else:
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            data.decode("gbk")
        seen[f["encoding"]] += 1
        if sum(seen.values()) > 600:
            break
    assert set(seen) == {"utf-8", "utf-8-sig", "gbk"}


def test_zip_names_some_gbk_without_utf8_flag(demo_inbox):
    flags = Counter()
    for z in demo_inbox.rglob("*.zip"):
        with zipfile.ZipFile(z) as zf:
            for info in zf.infolist():
                if info.filename.isascii():
                    continue
                if info.flag_bits & 0x800:
                    flags["utf8"] += 1
                else:
                    # Chinese Windows: GBK bytes without the flag; zipfile reads them as cp437
                    name = info.filename.encode("cp437").decode("gbk")
                    assert name.endswith((".xlsx", ".xls", ".csv")) and re.search(
                        r"[\u4e00-\u9fff]", name
                    )
                    flags["gbk"] += 1
    assert flags["utf8"] > 0 and flags["gbk"] > 0


def test_files_carry_their_receipt_time(demo_inbox, demo_manifest):
    checked = 0
    for f in demo_manifest["files"]:
        if "!" in f["path"]:
            continue
        stamp = datetime.fromisoformat(f["received_at"]).timestamp()
        assert os.path.getmtime(demo_inbox / f["path"]) == stamp
        checked += 1
        if checked > 200:
            break


def test_seasonality_and_spring_festival_peak(demo_manifest):
    per_month = Counter()
    for f in demo_manifest["files"]:
        if not f["superseded"]:
            per_month[f["month"][5:]] += f["clean_rows"].get("activities", 0)
    farming = sum(per_month[m] for m in ("04", "05", "09", "10")) / 4
    festival = (per_month["01"] + per_month["02"]) / 2
    # Jan and Feb appear in both years; of the farming months Oct 2026 is the last month
    assert festival > 1.3 * farming


def _csv_rows(inbox, f):
    data = (inbox / f["path"]).read_bytes()
    text = data.decode("gbk" if f["encoding"] == "gbk" else "utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _header_index(rows, sheet_key, column_key):
    col = SHEET_BY_KEY[sheet_key].column(column_key)
    names = {normalize_header(n) for n in header_names(col)}
    for line in rows[:3]:
        for j, cell in enumerate(line):
            if normalize_header(cell) in names:
                return j
    raise AssertionError(f"no header for {column_key}")


def test_planted_rows_are_where_the_manifest_says(demo_inbox, demo_manifest, registry):
    csv_files = {
        f["path"]: f
        for f in demo_manifest["files"]
        if f["format"] == "csv" and "!" not in f["path"]
    }
    codes = registry.all_codes()
    checked = Counter()
    for d in demo_manifest["dirt"]:
        f = csv_files.get(d["path"])
        if f is None or checked[d["kind"]] >= 15:
            continue
        rows = _csv_rows(demo_inbox, f)
        value = rows[d["row"] - 1][_header_index(rows, d["sheet"], d["column"])]
        kind = d["kind"]
        if kind == "unknown_unit_code":
            assert value not in codes and value.startswith("620623")
        elif kind == "negative_count":
            assert int(value) < 0
        elif kind == "bad_date":
            assert value in BAD_DATES
        elif kind == "invalid_enum":
            assert value == BAD_ENUMS[d["column"]]
        elif kind == "missing_required":
            assert value == ""
        elif kind == "out_of_range":
            assert int(value) > 10
        elif kind == "duplicate_row":
            ids = [r[_header_index(rows, d["sheet"], d["column"])] for r in rows]
            assert ids.count(value) >= 2
        checked[kind] += 1
    assert len(checked) >= 6, checked


def test_title_and_total_rows_appear_in_csv(demo_inbox, demo_manifest):
    titles = totals = 0
    for f in demo_manifest["files"][:3000]:
        if f["format"] != "csv" or "!" in f["path"]:
            continue
        rows = _csv_rows(demo_inbox, f)
        if f["style"]["title_row"]:
            assert re.search(r"\d{4}年\d{1,2}月", rows[0][0])
            titles += 1
        if f["style"]["total_row"] and f["clean_rows"] and sum(f["clean_rows"].values()):
            assert any(r and r[0] == "合计" for r in rows)
            totals += 1
    assert titles > 50 and totals > 20
