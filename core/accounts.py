"""Accounts, roles, sessions, lockout and the access log.

Kept in a small SQLite file (data/accounts.sqlite, CIVIC_ACCOUNTS_DB to move
it), apart from the DuckDB store: a login, a failed attempt or a session
touch is a tiny write that must not wait for, or copy, the analytical
database, and SQLite takes such writes from many sessions at once.

Passwords are hashed with Argon2id (argon2-cffi). Session tokens are random;
only their HMAC under the session key (core.secrets) is stored, so the file
alone does not let anyone in. Every login, failure, lockout, logout, expiry
and account change is written to `auth_log`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets as random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core import config, secrets

ROLES = {"admin": "管理员", "reviewer": "审核", "town": "乡镇", "leader": "领导"}
MIN_PASSWORD = 8
MAX_FAILURES = 5  # failed logins in a row before the account is locked
LOCKOUT = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)  # a session unused this long has expired
# a session's last use is written at most this often: every page run and request reads the
# session, and a write (a synced transaction) each time costs more than the page's queries
TOUCH_EVERY = timedelta(minutes=1)
MAX_SESSION = timedelta(hours=10)  # and none lives longer than a working day

_hasher = PasswordHasher()

SCHEMA = """
create table if not exists users (
    username        text primary key,
    display_name    text not null,
    role            text not null,
    town_code       text,              -- 乡镇 accounts: the institute (town) they belong to
    password_hash   text not null,
    is_active       integer not null default 1,
    failed_logins   integer not null default 0,
    locked_until    text,
    created_at      text not null,
    password_set_at text not null
);
create table if not exists sessions (
    token_hmac      text primary key,
    username        text not null references users(username),
    created_at      text not null,
    last_seen_at    text not null
);
create table if not exists auth_log (
    logged_at       text not null,
    actor           text not null,
    action          text not null,     -- login, login_failed, locked, logout, expired, user_*
    subject         text,
    detail          text
);
"""


class AccountError(ValueError):
    """An account operation that cannot be done; the message says why, in Chinese."""


class LoginError(AccountError):
    """Wrong name or password, a disabled or a locked account."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    town_code: str | None

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


def default_path() -> Path:
    return config.accounts_db()


@contextmanager
def connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        con.execute("pragma journal_mode=wal")
        con.executescript(SCHEMA)
        yield con
    finally:
        con.close()


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def log(con, actor: str, action: str, subject: str = "", detail: str = "", at=None) -> None:
    con.execute(
        "insert into auth_log values (?, ?, ?, ?, ?)",
        ((at or _now()).isoformat(" "), actor, action, subject, detail),
    )


def record(actor: str, action: str, subject: str = "", detail: str = "",
           path: Path | None = None) -> None:  # fmt: skip
    """Write an event of the app (an upload, a refused upload) to the access log."""
    with connect(path) as con:
        log(con, actor, action, subject, detail)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")


def add_user(username: str, display_name: str, role: str, password: str,
             town_code: str | None = None, actor: str = "system",
             path: Path | None = None) -> User:  # fmt: skip
    """Create an account; 乡镇 accounts need their town (institute) code."""
    username = username.strip()
    if not username or not username.isprintable() or " " in username:
        raise AccountError("用户名不能为空，也不能含空格")
    if role not in ROLES:
        raise AccountError(f"角色应为 {'、'.join(ROLES)} 之一（{'、'.join(ROLES.values())}）")
    if role == "town" and not town_code:
        raise AccountError("乡镇账号需要指定所属乡镇（实践所编码）")
    if role != "town":
        town_code = None
    _check_password(password)
    now = _now().isoformat(" ")
    with connect(path) as con:
        try:
            con.execute(
                "insert into users (username, display_name, role, town_code, password_hash, "
                "created_at, password_set_at) values (?, ?, ?, ?, ?, ?, ?)",
                (username, display_name or username, role, town_code, _hasher.hash(password),
                 now, now),
            )  # fmt: skip
        except sqlite3.IntegrityError:
            raise AccountError(f"用户 {username} 已存在") from None
        log(con, actor, "user_add", username, f"{ROLES[role]} {town_code or ''}".strip())
    return User(username, display_name or username, role, town_code)


def list_users(path: Path | None = None) -> list[dict]:
    with connect(path) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute(
            "select username, display_name, role, town_code, is_active, failed_logins, "
            "locked_until, created_at, password_set_at from users order by role, username"
        ).fetchall()
    return [dict(r) for r in rows]


def _require(con, username: str) -> None:
    if not con.execute("select 1 from users where username = ?", (username,)).fetchone():
        raise AccountError(f"没有用户 {username}")


def set_active(username: str, active: bool, actor: str = "system", path: Path | None = None):
    """Disable (or enable again) an account; a disabled account's sessions end at once."""
    with connect(path) as con:
        _require(con, username)
        con.execute("update users set is_active = ? where username = ?", (int(active), username))
        if not active:
            con.execute("delete from sessions where username = ?", (username,))
        log(con, actor, "user_enable" if active else "user_disable", username)


def reset_password(username: str, password: str, actor: str = "system",
                   path: Path | None = None) -> None:  # fmt: skip
    """Set a new password, clear the lockout and end the account's sessions."""
    _check_password(password)
    with connect(path) as con:
        _require(con, username)
        con.execute(
            "update users set password_hash = ?, password_set_at = ?, failed_logins = 0, "
            "locked_until = null where username = ?",
            (_hasher.hash(password), _now().isoformat(" "), username),
        )
        con.execute("delete from sessions where username = ?", (username,))
        log(con, actor, "user_reset", username)


def _dummy_hash() -> str:
    """A hash of a random password with the same parameters as every stored one: an unknown
    name is verified against it, so it costs a login the same time as a known name."""
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher.hash(random.token_urlsafe(16))
    return _DUMMY


_DUMMY: str | None = None


def _verifies(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def lock_minutes(locked_until: datetime, now: datetime) -> int:
    """Whole minutes left of a lock, rounded up: 15 right after a 15-minute lock, never more."""
    left = (locked_until - now).total_seconds()
    return max(1, min(math.ceil(left / 60), math.ceil(LOCKOUT.total_seconds() / 60)))


def _locked_message(minutes: int) -> str:
    return f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员"


def authenticate(username: str, password: str, now: datetime | None = None,
                 path: Path | None = None) -> User:  # fmt: skip
    """The user, if the password is right and the account usable; else LoginError.

    Every failure counts; MAX_FAILURES in a row lock the account for LOCKOUT. The
    password is verified first (against a dummy hash for an unknown name, so both
    cost the same), outside any lock; the count, the lock and the outcome are then
    read and written in one write transaction (BEGIN IMMEDIATE), so logins racing
    each other are counted one after another. A wrong name and a wrong password get
    the same message.
    """
    now = now or _now()
    with connect(path) as con:
        found = con.execute(
            "select password_hash from users where username = ?", (username,)
        ).fetchone()
        hashed = found[0] if found else _dummy_hash()
        right = _verifies(hashed, password)
        con.execute("begin immediate")
        try:
            user = _settle_login(con, username, password, hashed, right, now)
        except BaseException:
            con.execute("commit")  # the failure, its count and its log entry are kept
            raise
        con.execute("commit")
    return user


def _settle_login(con, username: str, password: str, verified_hash: str, right: bool,
                  now: datetime) -> User:  # fmt: skip
    """Decide a login inside its write transaction: count, lock, log; the User or LoginError."""
    wrong = LoginError("用户名或密码错误")
    row = con.execute(
        "select display_name, role, town_code, password_hash, is_active, failed_logins, "
        "locked_until from users where username = ?",
        (username,),
    ).fetchone()
    if row is None:
        log(con, username or "?", "login_failed", username, "no such user", now)
        raise wrong
    name, role, town, hashed, active, failures, locked_until = row
    if locked_until and datetime.fromisoformat(locked_until) > now:
        log(con, username, "login_failed", username, "locked", now)
        raise LoginError(_locked_message(lock_minutes(datetime.fromisoformat(locked_until), now)))
    # a password reset between the check and this transaction: the old hash proves nothing
    right = right and hashed == verified_hash
    if not right:
        failures += 1
        lock = (now + LOCKOUT).isoformat(" ") if failures >= MAX_FAILURES else None
        con.execute(
            "update users set failed_logins = ?, locked_until = ? where username = ?",
            (0 if lock else failures, lock, username),
        )
        log(con, username, "login_failed", username, f"wrong password ({failures})", now)
        if lock:
            log(con, username, "locked", username, f"until {lock}", now)
            minutes = lock_minutes(now + LOCKOUT, now)
            raise LoginError(f"连续 {MAX_FAILURES} 次密码错误，账号已锁定 {minutes} 分钟")
        raise wrong
    if not active:  # said only to whoever knows the password
        log(con, username, "login_failed", username, "disabled", now)
        raise LoginError("账号已停用，请联系管理员")
    con.execute(
        "update users set failed_logins = 0, locked_until = null where username = ?",
        (username,),
    )
    if _hasher.check_needs_rehash(hashed):
        con.execute(
            "update users set password_hash = ? where username = ?",
            (_hasher.hash(password), username),
        )
    log(con, username, "login", username, "", now)
    return User(username, name, role, town)


def _token_hmac(token: str) -> str:
    return hmac.new(secrets.get(secrets.SESSION), token.encode(), hashlib.sha256).hexdigest()


def start_session(user: User, now: datetime | None = None, path: Path | None = None) -> str:
    """A new session token for the user (kept by the browser session only)."""
    token = random.token_urlsafe(32)
    stamp = (now or _now()).isoformat(" ")
    with connect(path) as con:
        con.execute(
            "insert into sessions values (?, ?, ?, ?)",
            (_token_hmac(token), user.username, stamp, stamp),
        )
    return token


def session_user(token: str | None, now: datetime | None = None,
                 path: Path | None = None) -> User | None:  # fmt: skip
    """The session's user, touching the session; None when missing, expired or disabled."""
    if not token:
        return None
    now = now or _now()
    key = _token_hmac(token)
    with connect(path) as con:
        row = con.execute(
            "select s.username, s.created_at, s.last_seen_at, u.display_name, u.role, "
            "u.town_code, u.is_active from sessions s join users u using (username) "
            "where s.token_hmac = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        username, created, seen, name, role, town, active = row
        idle = now - datetime.fromisoformat(seen)
        age = now - datetime.fromisoformat(created)
        if not active or idle > IDLE_TIMEOUT or age > MAX_SESSION:
            con.execute("delete from sessions where token_hmac = ?", (key,))
            log(con, username, "expired", username, "idle" if idle > IDLE_TIMEOUT else "age", now)
            return None
        if idle >= TOUCH_EVERY:
            con.execute("update sessions set last_seen_at = ? where token_hmac = ?",
                        (now.isoformat(" "), key))  # fmt: skip
    return User(username, name, role, town)


def end_session(token: str, path: Path | None = None) -> None:
    key = _token_hmac(token)
    with connect(path) as con:
        row = con.execute("select username from sessions where token_hmac = ?", (key,)).fetchone()
        con.execute("delete from sessions where token_hmac = ?", (key,))
        if row:
            log(con, row[0], "logout", row[0])


def auth_log(limit: int = 2000, path: Path | None = None) -> list[tuple]:
    with connect(path) as con:
        return con.execute(
            "select logged_at, actor, action, subject, detail from auth_log "
            "order by logged_at desc, rowid desc limit ?",
            (limit,),
        ).fetchall()
