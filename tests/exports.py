"""Write small export files the way other programs do, for ETL tests."""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime
from pathlib import Path

from core.contract import SHEET_BY_KEY

STATION = "620623101204"  # 安家河村 in the registry
STATION_B = "620623101205"


def header(sheet_key: str, keys: list[str] | None = None) -> list[str]:
    sheet = SHEET_BY_KEY[sheet_key]
    return [c.header for c in sheet.columns if keys is None or c.key in keys]


def write_csv(
    path: Path, rows: list[list[object]], encoding: str = "utf-8", received: datetime | None = None
) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    text = buf.getvalue()
    data = text.encode("utf-16") if encoding == "utf-16" else text.encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if received:
        os.utime(path, (received.timestamp(), received.timestamp()))
    return path


def activity(i: int, unit: str = STATION, **over) -> list[object]:
    """One activities row in contract column order.

    Rows of different i are different activities: their names differ, so that the
    near-duplicate rule (int_activity_screen) does not take them for one entered twice.
    """
    row = {
        "activity_id": f"HD202610-{i:03d}",
        "activity_date": "2026-10-05",
        "activity_name": f"政策宣讲进农家（第{i}场）",
        "unit_code": unit,
        "platform": "理论政策宣讲",
        "brand_project": "",
        "theme": "",
        "participants": 30,
        "volunteers": 5,
        "volunteer_hours": 10,
        "beneficiaries": 25,
        "source": "自主开展",
        "order_id": "",
        "longitude": "",
        "latitude": "",
    }
    row.update(over)
    return [row[c.key] for c in SHEET_BY_KEY["activities"].columns]


def points_row(i: int, household: str = "H0001", unit: str = STATION, **over) -> list[object]:
    row = {
        "entry_id": f"JF2026100{i:03d}",
        "entry_date": "2026-10-03",
        "unit_code": unit,
        "household_id": household,
        "head_name": "张三明",
        "id_number": "620623199001011234",
        "phone": "13800001234",
        "category": "基础分",
        "item": "参加升国旗仪式",
        "points": 10,
        "status": "核发",
        "publicized_date": "2026-10-06",
    }
    row.update(over)
    return [row[c.key] for c in SHEET_BY_KEY["points"].columns]


def redemption_row(i: int, points: int, household: str = "H0001", **over) -> list[object]:
    row = {
        "entry_id": f"DH2026100{i:03d}",
        "redeemed_date": "2026-10-25",
        "unit_code": STATION,
        "household_id": household,
        "points": points,
        "goods": "洗衣粉×1",
        "goods_yuan": points,
        "shop": "爱心超市",
    }
    row.update(over)
    return [row[c.key] for c in SHEET_BY_KEY["redemptions"].columns]
