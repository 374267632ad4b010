"""The export templates: headers and drop-downs exactly as the contract says."""

from __future__ import annotations

import hashlib

import openpyxl
import pytest

from core.contract import SHEETS
from core.templates import write_templates


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    write_templates(out)
    return out


def test_one_xlsx_and_one_csv_per_export_kind(templates):
    names = sorted(p.name for p in templates.iterdir())
    assert names == sorted([f"{s.title}.xlsx" for s in SHEETS] + [f"{s.title}.csv" for s in SHEETS])


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.key)
def test_xlsx_headers_match_contract(templates, sheet):
    # Read with openpyxl, another program than the one that wrote the file.
    wb = openpyxl.load_workbook(templates / f"{sheet.title}.xlsx")
    ws = wb[sheet.title]
    assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
    assert ws.freeze_panes == "A2"
    assert "填表说明" in wb.sheetnames


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.key)
def test_csv_header_is_utf8_and_matches_contract(templates, sheet):
    text = (templates / f"{sheet.title}.csv").read_text(encoding="utf-8-sig")
    assert text.strip().split(",") == [c.header for c in sheet.columns]


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.key)
def test_enum_columns_have_dropdowns(templates, sheet):
    ws = openpyxl.load_workbook(templates / f"{sheet.title}.xlsx")[sheet.title]
    lists = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            col = str(dv.sqref).split(":")[0].rstrip("0123456789")
            lists[col] = dv.formula1.strip('"').split(",")
    for j, col in enumerate(sheet.columns):
        letter = openpyxl.utils.get_column_letter(j + 1)
        if col.enum:
            assert lists.get(letter) == list(col.enum), col.header
        else:
            assert letter not in lists


def test_platform_dropdown_lists_the_nine_platforms(templates):
    ws = openpyxl.load_workbook(templates / "活动台账.xlsx")["活动台账"]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("理论政策宣讲" in f and "爱心公益奉献" in f for f in lists)


def test_templates_are_reproducible(tmp_path, templates):
    write_templates(tmp_path)
    for p in templates.iterdir():
        assert (
            hashlib.sha256(p.read_bytes()).digest()
            == hashlib.sha256((tmp_path / p.name).read_bytes()).digest()
        ), p.name
