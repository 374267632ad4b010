"""Who may see and do what: the four roles against the pages and the actions.

One table each, read by the dashboard's navigation, its pages' buttons and
the code that takes each action, so hiding a button and refusing the action
come from the same line here. Every query the dashboard reads through
dashboard/data.py declares here (`query`) how much of the county it reads
and which action it needs; the data layer runs nothing undeclared.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # (only for hints: publish/queries.py imports this module, keep it light)
    from core.accounts import User

ADMIN, REVIEWER, TOWN, LEADER = "admin", "reviewer", "town", "leader"
EVERYONE = {ADMIN, REVIEWER, TOWN, LEADER}

# page (dashboard/views/<page>.py) -> roles that see it
PAGES: dict[str, set[str]] = {
    "overview": EVERYONE,
    "rankings": {ADMIN, REVIEWER, LEADER},
    "map": EVERYONE,
    "trends": EVERYONE,
    "points": EVERYONE,  # the leader reads them (no household names: view_households)
    "matters": EVERYONE,
    "standards": EVERYONE,
    "households": {ADMIN, REVIEWER, TOWN},
    "brands": EVERYONE,
    "submissions": {ADMIN, REVIEWER, TOWN},
    "publishing": {ADMIN, REVIEWER, LEADER},
    "admin": {ADMIN},
}

# action -> roles allowed to take it
ACTIONS: dict[str, set[str]] = {
    "upload": {ADMIN, REVIEWER, TOWN},
    "rank": {ADMIN, REVIEWER},
    "adjust": {ADMIN, REVIEWER},
    "review": {ADMIN, REVIEWER},
    "review_flags": {ADMIN, REVIEWER},  # decide 数据存疑 and 积分疑点 (the month is ranked again)
    "publish": {ADMIN, REVIEWER},
    "download_edition": {ADMIN, REVIEWER, LEADER},
    "view_households": {ADMIN, REVIEWER, TOWN},  # boards with (masked) household names
    "audit_points": {ADMIN, REVIEWER},  # integrity flags and their evidence
    "clear_points": {ADMIN, REVIEWER},  # enter or void a zero-clearing (清零)
    "download_notice": {ADMIN, REVIEWER, TOWN},  # the quarterly public ledger (公示)
    "export_credit": {ADMIN, REVIEWER},  # the credit-rating export (keyed ID hashes)
    "view_county_lists": {ADMIN, REVIEWER, LEADER},  # rankings and 红黑榜 of every unit
    "manage_users": {ADMIN},
    "view_audit": {ADMIN},
}


class Forbidden(PermissionError):
    """An action or a page the user's role does not allow."""


class Undeclared(Forbidden):
    """A query without a declaration (`query`): the data layer runs it for nobody."""


def _allowed(user: User | None, action: str) -> bool:
    return user is not None and user.role in ACTIONS[action]


def can(user: User | None, action: str) -> bool:
    """Should the page offer the action (a button, a section)? Refusing it is `require`'s job."""
    return _allowed(user, action)


def require(user: User | None, action: str) -> None:
    """Refuse the action unless the user's role may take it: call it right before acting."""
    # (not through `can`: `can` only decides what a page shows)
    if not _allowed(user, action):
        raise Forbidden("您的账号没有此项操作的权限")


def sees(user: User | None, page: str) -> bool:
    return user is not None and user.role in PAGES[page]


def scoped(user: User | None) -> bool:
    """Does every query of this user need to be limited to a town?"""
    return user is not None and user.role == TOWN


# ---------------------------------------------------------------- queries

# how much of the county a query reads
FREE = "free"  # lists of months and areas, names, settings: harmless for every signed-in role
AREA = "area"  # an area's units, given in one parameter: a 乡镇 account's town is forced into it
COUNTY = "county"  # the whole county (lists, rankings, logs): never a 乡镇 account

RULE = "access_rule"  # the attribute `query` sets on the function

Query = TypeVar("Query", bound=Callable)


@dataclass(frozen=True)
class Rule:
    """A query's declaration: its scope, the parameter holding its area, the action it needs."""

    scope: str
    area: str | None = None
    action: str | None = None


def query(scope: str, *, area: str | None = None, action: str | None = None):
    """Declare what a query reads; the function is returned unchanged (callable directly).

    `@query(scope=AREA, area="members")`: the parameter `members` holds the
    area's unit codes (None: the county); `@query(scope=COUNTY,
    action="view_county_lists")`; `@query(scope=FREE)`. `action`, when
    given, is required of every user (`require`). A mistake (an unknown
    scope or action, an area parameter the function does not have) fails
    at import, so renaming a parameter cannot quietly change who reads what.
    """
    if scope not in (FREE, AREA, COUNTY):
        raise ValueError(f"unknown scope {scope!r}")
    if (scope == AREA) != (area is not None):
        raise ValueError("an AREA query names its area parameter, and only an AREA query does")
    if scope == COUNTY and action is None:
        raise ValueError("a COUNTY query names the action it needs")
    if scope == FREE and action is not None:
        raise ValueError("a FREE query needs no action")
    if action is not None and action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def declare(fn: Query) -> Query:
        params = list(inspect.signature(fn).parameters)
        if not params or params[0] != "con":
            raise TypeError(f"{fn.__qualname__}: a query takes the connection `con` first")
        if area is not None and area not in params[1:]:
            raise TypeError(f"{fn.__qualname__} has no parameter {area!r} to hold the area")
        setattr(fn, RULE, Rule(scope, area, action))
        return fn

    return declare


def rule_of(fn: Callable) -> Rule | None:
    """A query's declaration, or None when it declares nothing."""
    rule = getattr(fn, RULE, None)
    return rule if isinstance(rule, Rule) else None
