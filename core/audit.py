"""The audit log: who did what to the database, when (rankings, adjustments, clearings, editions).

It lives in the analytical database beside what it records, so an edition's
history travels with the data; logins and account changes are in the
accounts database instead (core/accounts.py), and the admin page merges both.
Every layer that writes records here, so the table belongs to the floor.
"""

from __future__ import annotations

import json
from datetime import datetime

DDL = """
create table if not exists audit_log (
    logged_at       timestamp not null,
    actor           varchar not null,
    action          varchar not null,   -- e.g. rank, adjust, void_adjustment, clear_points
    subject         varchar,
    detail          varchar             -- JSON
)
"""


def create_table(con) -> None:
    con.execute(DDL)


def audit(con, actor: str, action: str, subject: str, detail: dict) -> None:
    """Append one entry (the table is created on first use)."""
    create_table(con)
    con.execute(
        "insert into audit_log values ($at, $actor, $action, $subject, $detail)",
        {
            "at": datetime.now().replace(microsecond=0),
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": json.dumps(detail, ensure_ascii=False, default=str),
        },
    )
