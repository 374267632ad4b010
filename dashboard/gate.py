"""The door in front of Streamlit: the login and logout routes and the session check.

`civic dashboard` serves dashboard/app.py inside a streamlit.starlette.App
(dashboard/server.py) with these routes and this middleware:

- GET /login shows a plain Chinese login form; POST /login signs in
  (core.accounts.authenticate), sets the signed session cookie
  (dashboard.session_cookie) and sends the browser (303) to the page it asked
  for: a local path only, never another site.
- POST /logout ends the session and removes the cookie.
- Every other request is checked: an app page without a valid session goes to
  the login form with `next=` its path and query; the websocket the app runs
  over (/_stcore/stream), uploads, media and every other Streamlit endpoint
  without one are refused; static assets and the health check pass. An address
  that is no page gets a Chinese "page not found".

POSTs must come from this site (Origin, else Referer): the cookie is
SameSite=Strict already, this also stops another site signing a browser in.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from core import accounts
from dashboard import login_page, session_cookie

LOGIN, LOGOUT = "/login", "/logout"
DEFAULT_PAGE = "overview"  # served at "/" (st.navigation's default page)
PAGES = frozenset(p.stem for p in (Path(__file__).parent / "views").glob("*.py"))
# what a browser needs before signing in: Streamlit's bundle, its icon and the health check
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = frozenset(
    {"/favicon.png", "/manifest.json", "/_stcore/health", "/_stcore/host-config"}
)
STREAM = "/_stcore/stream"
MAX_FORM_BYTES = 16 * 1024
# the gate's own pages: no scripts, nothing from elsewhere, not framed
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
EXPIRED = "登录已过期或已退出，请重新登录。"
REFUSED = "请求来源不正确，请从看板页面重新操作。"


def classify(path: str) -> str:
    """What a path is: public, gate (login/logout), page, default (/overview), stream,
    protected (any other Streamlit endpoint), or unknown."""
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return "public"
    if path in (LOGIN, LOGOUT):
        return "gate"
    if path == STREAM:
        return "stream"
    stem = path.strip("/")
    if path == "/" or (stem in PAGES and stem != DEFAULT_PAGE and "/" not in stem):
        return "page"
    if stem == DEFAULT_PAGE:
        return "default"
    first = stem.split("/", 1)[0]
    if first in ("_stcore", "media", "component", "app", "auth", "oauth2callback"):
        return "protected"
    return "unknown"


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in; anything else (another site, a scheme,
    backslashes, control characters, the gate itself) is the overview."""
    if (
        not value
        or len(value) > 2000
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in (LOGIN, LOGOUT):
        return "/"
    return value


def login_address(path: str, query: str) -> str:
    """The login form's address, asking to come back to path?query."""
    wanted = path + (f"?{query}" if query else "")
    return f"{LOGIN}?next={quote(wanted, safe='')}"


def _same_site(request: Request) -> bool:
    """A POST sent by a page of this site: its Origin (else Referer) names this host.
    Browsers send Origin with every cross-site POST; a client sending neither is no
    browser carrying someone's cookie."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return True
    host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
    return (urlsplit(source).hostname or "").lower() == host


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


async def _user(value: str | None) -> accounts.User | None:
    return await run_in_threadpool(session_cookie.user, value) if value else None


async def login(request: Request) -> Response:
    """GET: the form (or straight on, when signed in). POST: sign in."""
    old = request.cookies.get(session_cookie.NAME)
    if request.method == "GET":
        wanted = safe_next(request.query_params.get("next"))
        if await _user(old):
            return RedirectResponse(wanted, status_code=303)
        response = _html(login_page.login(wanted, notice=EXPIRED if old else ""))
        if old:
            response.headers.append("set-cookie", session_cookie.clear_header())
        return response
    if not _same_site(request):
        return PlainTextResponse(REFUSED, status_code=403, headers=HEADERS)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return PlainTextResponse("请求过大", status_code=413, headers=HEADERS)
    form = await request.form(max_files=0, max_fields=8)
    wanted = safe_next(str(form.get("next") or ""))
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    try:
        user = await run_in_threadpool(accounts.authenticate, username, password)
    except accounts.LoginError as refused:
        return _html(login_page.login(wanted, error=str(refused), username=username))
    old_token = session_cookie.unsign(old)
    if old_token:  # signing in again from this browser: the earlier session ends
        await run_in_threadpool(accounts.end_session, old_token)
    token = await run_in_threadpool(accounts.start_session, user)
    response = RedirectResponse(wanted, status_code=303, headers=HEADERS)
    response.headers.append("set-cookie", session_cookie.set_header(token))
    return response


async def logout(request: Request) -> Response:
    """End the session at once and remove the cookie; back to the login form."""
    if not _same_site(request):
        return PlainTextResponse(REFUSED, status_code=403, headers=HEADERS)
    token = session_cookie.unsign(request.cookies.get(session_cookie.NAME))
    if token:
        await run_in_threadpool(accounts.end_session, token)
    response = RedirectResponse(LOGIN, status_code=303, headers=HEADERS)
    response.headers.append("set-cookie", session_cookie.clear_header())
    return response


def routes() -> list[Route]:
    return [
        Route(LOGIN, login, methods=["GET", "POST"]),
        Route(LOGOUT, logout, methods=["POST"]),
    ]


class SessionGate:
    """ASGI middleware: every request but the public ones needs a valid session cookie."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope["path"]
        kind = classify(path)
        if kind in ("public", "gate"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        value = session_cookie.from_header(headers.get("cookie", ""))
        user = await _user(value)
        if scope["type"] == "websocket":
            if user is None or kind != "stream":
                await receive()  # websocket.connect, then refuse it (HTTP 403)
                return await send({"type": "websocket.close", "code": 1008})
            return await self.app(scope, receive, send)
        query = scope.get("query_string", b"").decode("latin-1")
        if kind == "default":
            response: Response = RedirectResponse("/" + (f"?{query}" if query else ""), 303)
        elif kind == "unknown":
            response = _html(login_page.not_found(), status=404)
        elif user is not None:
            return await self.app(scope, receive, send)
        elif kind == "page":
            if value is None and headers.get("sec-fetch-site") == "cross-site":
                # a link from another site: its request carries no Strict cookie; ours will
                response = _html(login_page.reload_here())
            else:
                response = RedirectResponse(login_address(path, query), 303, headers=HEADERS)
        else:  # stream over plain HTTP, uploads, media, components, other endpoints
            response = PlainTextResponse("请先登录", status_code=403, headers=HEADERS)
        await response(scope, receive, send)
