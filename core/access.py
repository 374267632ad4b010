"""Who may see and do what: the four roles against the pages and the actions.

One table each, read by the dashboard's navigation, its pages' buttons and
its data layer (dashboard/data.py), so hiding a button and refusing the
action come from the same line here.
"""

from __future__ import annotations

from core.accounts import User

ADMIN, REVIEWER, TOWN, LEADER = "admin", "reviewer", "town", "leader"
EVERYONE = {ADMIN, REVIEWER, TOWN, LEADER}

# page (dashboard/views/<page>.py) -> roles that see it
PAGES: dict[str, set[str]] = {
    "overview": EVERYONE,
    "rankings": {ADMIN, REVIEWER, LEADER},
    "map": {ADMIN, REVIEWER, TOWN},
    "trends": {ADMIN, REVIEWER, TOWN},
    "points": {ADMIN, REVIEWER, TOWN},
    "matters": EVERYONE,
    "standards": EVERYONE,
    "households": {ADMIN, REVIEWER, TOWN},
    "brands": {ADMIN, REVIEWER, TOWN},
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


def can(user: User | None, action: str) -> bool:
    return user is not None and user.role in ACTIONS[action]


def require(user: User | None, action: str) -> None:
    if not can(user, action):
        raise Forbidden("您的账号没有此项操作的权限")


def sees(user: User | None, page: str) -> bool:
    return user is not None and user.role in PAGES[page]


def scoped(user: User | None) -> bool:
    """Does every query of this user need to be limited to a town?"""
    return user is not None and user.role == TOWN
