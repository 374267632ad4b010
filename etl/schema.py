"""The database's tables: bookkeeping from sql/meta.sql, raw tables from the contract."""

from __future__ import annotations

from pathlib import Path

from core.contract import SHEETS, Sheet
from etl.validate import stored_name

SQL_DIR = Path(__file__).parent / "sql"
DUCK_TYPES = {
    "text": "varchar",
    "code": "varchar",
    "enum": "varchar",
    "date": "date",
    "datetime": "timestamp",
    "month": "date",
    "int": "bigint",
    "number": "double",
    "bool": "boolean",
}


def raw_table(sheet_key: str) -> str:
    return f"raw_{sheet_key}"


def raw_ddl(sheet: Sheet) -> str:
    """One row per accepted source row, typed, with its lineage."""
    cols = [f"    {stored_name(c)} {DUCK_TYPES[c.kind]}" for c in sheet.columns]
    lineage = [
        "    file_id integer not null",
        "    sheet_name varchar not null",
        "    source_row integer not null",
        "    extra varchar",
    ]
    body = ",\n".join(cols + lineage)
    return f"create table if not exists {raw_table(sheet.key)} (\n{body}\n);"


def create_all(con) -> None:
    con.execute((SQL_DIR / "meta.sql").read_text())
    for sheet in SHEETS:
        con.execute(raw_ddl(sheet))
