"""The signed login cookie: its name, its value and the Set-Cookie headers that carry it.

The cookie holds the session token (core.accounts) and an HMAC of it under the
session key, so a cookie that was not issued here is refused before the accounts
file is asked; the session's own rules (idle and total age, logout, a disabled or
reset account) are core.accounts.session_user's. It is HttpOnly (no script reads
it), SameSite=Strict (no other site's page sends it), Path=/, and Secure when the
dashboard is served over HTTPS (CIVIC_SECURE_COOKIES, `civic dashboard
--secure-cookies`).
"""

from __future__ import annotations

import hashlib
import hmac
from http.cookies import SimpleCookie

from core import accounts, config, secrets

NAME = "civic_session"
_PURPOSE = b"civic-session-cookie:"  # the session key also keys the stored token HMACs


def _mac(token: str) -> str:
    key = secrets.get(secrets.SESSION)
    return hmac.new(key, _PURPOSE + token.encode(), hashlib.sha256).hexdigest()


def sign(token: str) -> str:
    """The cookie's value for a session token."""
    return f"{token}.{_mac(token)}"


def unsign(value: str | None) -> str | None:
    """The token a cookie value carries, or None when it is missing or its signature is wrong."""
    if not value or value.count(".") != 1:
        return None
    token, mac = value.split(".")
    if not token or not hmac.compare_digest(mac.encode(), _mac(token).encode()):
        return None
    return token


def user(value: str | None) -> accounts.User | None:
    """The signed-in user of a cookie value (touching the session), or None."""
    token = unsign(value)
    return accounts.session_user(token) if token else None


def from_header(cookie_header: str) -> str | None:
    """The login cookie's value in a request's Cookie header, if any."""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # a malformed header from a client: as good as no cookie
        return None
    morsel = jar.get(NAME)
    return morsel.value if morsel else None


def _attributes(max_age: int) -> str:
    secure = "; Secure" if config.secure_cookies() else ""
    return f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"


def set_header(token: str) -> str:
    """A Set-Cookie value carrying the session (it expires with the longest session)."""
    return f"{NAME}={sign(token)}; {_attributes(int(accounts.MAX_SESSION.total_seconds()))}"


def clear_header() -> str:
    """A Set-Cookie value that removes the cookie."""
    return f"{NAME}=; {_attributes(0)}"
