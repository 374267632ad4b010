"""Access control: accounts, lockout, sessions, secrets, uploads, and what each role sees.

The pages run in AppTest on the demo database; a 乡镇 account's scoping is
checked on the data the data layer returns, not on page text alone.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from conftest import copy_store, environment
from streamlit.testing.v1 import AppTest

from core import access, accounts, config, secrets
from core import store as db_store
from dashboard import data, metrics, uploads, village
from publish import queries, workflow

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TOWN = "620623100"
MONTH = date(2026, 10, 1)
T0 = datetime(2026, 11, 23, 9, 0, 0)


@pytest.fixture
def book(tmp_path):
    """A private accounts file for the test."""
    with environment(CIVIC_ACCOUNTS_DB=str(tmp_path / "accounts.sqlite")):
        yield tmp_path / "accounts.sqlite"


# ---------------------------------------------------------------- accounts


def test_passwords_are_stored_as_argon2_hashes(book):
    accounts.add_user("wang", "王", "reviewer", "correct-horse")
    with accounts.connect() as con:
        stored = con.execute("select password_hash from users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct-horse" not in stored
    assert accounts.authenticate("wang", "correct-horse", T0).role == "reviewer"


@pytest.mark.parametrize(
    "args, message",
    [
        (("x", "X", "admin", "short"), "密码至少 8 位"),
        (("x", "X", "boss", "long-enough"), "角色应为"),
        (("x", "X", "town", "long-enough"), "需要指定所属乡镇"),
        (("has space", "X", "admin", "long-enough"), "不能含空格"),
    ],
)
def test_bad_accounts_are_refused(book, args, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add_user(*args)
    assert accounts.list_users() == []


def test_wrong_password_and_unknown_user_say_the_same(book):
    accounts.add_user("wang", "王", "reviewer", "correct-horse")
    for name, password in (("wang", "wrong-horse"), ("nobody", "correct-horse")):
        with pytest.raises(accounts.LoginError, match="^用户名或密码错误$"):
            accounts.authenticate(name, password, T0)
    log = [r[2] for r in accounts.auth_log()]
    assert log.count("login_failed") == 2


def test_lockout_after_repeated_failures_then_release(book):
    accounts.add_user("wang", "王", "reviewer", "correct-horse")
    for n in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(accounts.LoginError, match="用户名或密码错误"):
            accounts.authenticate("wang", f"wrong-{n}", T0)
    with pytest.raises(accounts.LoginError, match="已锁定"):
        accounts.authenticate("wang", "wrong-last", T0)
    # locked: even the right password is refused until the lock ends
    with pytest.raises(accounts.LoginError, match="已锁定"):
        accounts.authenticate("wang", "correct-horse", T0 + timedelta(minutes=5))
    later = T0 + accounts.LOCKOUT + timedelta(seconds=1)
    assert accounts.authenticate("wang", "correct-horse", later).username == "wang"
    assert "locked" in [r[2] for r in accounts.auth_log()]


def test_a_reset_clears_the_lock_and_ends_sessions(book):
    user = accounts.add_user("wang", "王", "reviewer", "correct-horse")
    token = accounts.start_session(user, T0)
    for n in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.LoginError):
            accounts.authenticate("wang", f"wrong-{n}", T0)
    accounts.reset_password("wang", "new-password-1", actor="admin")
    assert accounts.session_user(token, T0) is None
    assert accounts.authenticate("wang", "new-password-1", T0).username == "wang"


def test_disabled_account_cannot_log_in_and_loses_its_sessions(book):
    user = accounts.add_user("wang", "王", "reviewer", "correct-horse")
    token = accounts.start_session(user, T0)
    accounts.set_active("wang", False, actor="admin")
    assert accounts.session_user(token, T0) is None
    with pytest.raises(accounts.LoginError, match="已停用"):
        accounts.authenticate("wang", "correct-horse", T0)


@pytest.mark.parametrize(
    "steps, alive",
    [
        ([timedelta(minutes=29)], True),
        # used every 30 s for 35 minutes: the last use is written at most once a minute,
        # and still keeps the session alive
        ([timedelta(seconds=30)] * 70, True),
        ([timedelta(minutes=31)], False),  # idle too long
        ([timedelta(minutes=25)] * 30, False),  # busy, but older than a working day
    ],
)
def test_sessions_expire(book, steps, alive):
    user = accounts.add_user("wang", "王", "reviewer", "correct-horse")
    token = accounts.start_session(user, T0)
    now, got = T0, None
    for step in steps:
        now += step
        got = accounts.session_user(token, now)
        if got is None:
            break
    assert (got is not None) == alive
    if not alive:
        assert accounts.session_user(token, now) is None  # gone for good
        assert "expired" in [r[2] for r in accounts.auth_log()]


def test_the_accounts_file_alone_does_not_let_anyone_in(book):
    user = accounts.add_user("wang", "王", "reviewer", "correct-horse")
    token = accounts.start_session(user, T0)
    with accounts.connect() as con:
        stored = con.execute("select token_hmac from sessions").fetchone()[0]
    assert stored != token and accounts.session_user(stored, T0) is None


# ---------------------------------------------------------------- secrets


def test_production_refuses_to_start_without_secrets(tmp_path):
    with environment(CIVIC_MODE="production", CIVIC_SECRET=None, CIVIC_SESSION_KEY=None):
        problems = secrets.check(tmp_path)
        assert len(problems) == 2
        assert "CIVIC_SECRET" in problems[0] and "CIVIC_SESSION_KEY" in problems[1]
        assert not list(tmp_path.iterdir())  # nothing generated
    with environment(CIVIC_MODE="production", CIVIC_SECRET="a" * 64, CIVIC_SESSION_KEY="b" * 64):
        assert secrets.check(tmp_path) == []


def test_the_demo_generates_its_secrets_privately(tmp_path):
    with environment(CIVIC_MODE=None, CIVIC_SECRET=None, CIVIC_SESSION_KEY=None):
        assert secrets.check(tmp_path) == []
        for name in ("secret.key", "session.key"):
            path = tmp_path / name
            assert len(path.read_text().strip()) == 64
            assert path.stat().st_mode & 0o077 == 0


def test_the_app_says_what_is_missing_in_production(site, tmp_path):
    # (`site` first: AppTest replaces __main__, which the ingest's reader processes re-import)
    with environment(
        CIVIC_MODE="production", CIVIC_SECRET=None, CIVIC_SESSION_KEY=None,
        CIVIC_DATA_DIR=str(tmp_path),
    ):  # fmt: skip
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
    assert not at.exception
    shown = at.error[0].value.replace("\\", "")  # the Markdown source, escaped as text
    assert "CIVIC_SECRET" in shown and "CIVIC_SESSION_KEY" in shown
    assert not at.text_input  # no login form


# ---------------------------------------------------------------- uploads


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return buffer.getvalue()


GOOD_CSV = "活动编号,活动日期\nHD-1,20261002\n".encode()


@pytest.mark.parametrize(
    "files, message",
    [
        ([("620623100001_2026-10.exe", b"MZ")], "不支持的文件类型"),
        ([("620623100001_2026-10.xlsm", b"PK")], "不支持的文件类型"),
        ([("a.zip", _zip({"../../etc/passwd.csv": GOOD_CSV}))], "路径不安全"),
        ([("a.zip", _zip({"/abs/620623100001.csv": GOOD_CSV}))], "路径不安全"),
        ([("a.zip", _zip({"C:/x/620623100001.csv": GOOD_CSV}))], "路径不安全"),
        ([("a.zip", _zip({"inner.zip": _zip({"a.csv": GOOD_CSV})}))], "不是 .xlsx"),
        ([("a.zip", _zip({"run.sh": b"rm -rf /"}))], "不是 .xlsx"),
        ([("a.zip", b"PK\x03\x04 not really a zip")], "压缩包已损坏"),
        ([], "没有选择文件"),
    ],
)
def test_unsafe_uploads_are_refused(files, message):
    with pytest.raises(uploads.UploadRejected, match=message):
        uploads.check(files)


def test_a_zip_bomb_is_refused(monkeypatch):
    bomb = _zip({"620623100001_2026-10.csv": b"0" * (8 * 2**20)})  # 8 MB of zeros, ~8 KB zipped
    assert len(bomb) < 100_000
    monkeypatch.setattr(uploads, "MAX_UNZIPPED_BYTES", 2**20)
    with pytest.raises(uploads.UploadRejected, match="超过上限"):
        uploads.check([("bomb.zip", bomb)])


def test_a_zip_that_lies_about_its_size_is_measured(monkeypatch):
    content = _zip({"620623100001_2026-10.csv": b"0" * (4 * 2**20)})
    # rewrite the declared sizes to 1 byte: the directory lies, decompression tells
    lying = content.replace((4 * 2**20).to_bytes(4, "little"), (1).to_bytes(4, "little"))
    monkeypatch.setattr(uploads, "MAX_UNZIPPED_BYTES", 2**20)
    with pytest.raises(uploads.UploadRejected, match="损坏或被篡改"):
        uploads.check([("lying.zip", lying)])


def test_too_many_entries_and_oversized_files_are_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_ENTRIES", 3)
    many = _zip({f"62062310000{n}_2026-10.csv": GOOD_CSV for n in range(4)})
    with pytest.raises(uploads.UploadRejected, match="超过上限 3"):
        uploads.check([("many.zip", many)])
    big = b"x" * (uploads.MAX_FILE_BYTES + 1)
    with pytest.raises(uploads.UploadRejected, match="超过单个文件上限"):
        uploads.check([("620623100001_2026-10.csv", big)])


def test_a_town_uploads_only_its_own_units():
    own = {"620623100", "620623100001"}
    uploads.check([("620623100001_安家河村_2026-10.csv", GOOD_CSV)], own)
    with pytest.raises(uploads.UploadRejected, match="只能上传本乡镇"):
        uploads.check([("620623101204_其他村_2026-10.csv", GOOD_CSV)], own)
    with pytest.raises(uploads.UploadRejected, match="只能上传本乡镇"):
        uploads.check([("a.zip", _zip({"620623101204_2026-10.csv": GOOD_CSV}))], own)


# ---------------------------------------------------------------- roles in the app


@pytest.fixture(scope="module")
def site(ranked_store, tmp_path_factory):
    """A published demo store and one account per role: role -> session token."""
    base = tmp_path_factory.mktemp("access")
    store = copy_store(ranked_store, base / "db")
    reports = base / "reports"
    workflow.publish_month(store, MONTH, "李签发", "王审核", reports=reports)
    with environment(
        CIVIC_DB_DIR=str(store), CIVIC_REPORTS_DIR=str(reports),
        CIVIC_ACCOUNTS_DB=str(base / "accounts.sqlite"), CIVIC_INBOX_DIR=str(base / "inbox"),
    ):  # fmt: skip
        tokens = {}
        for role in accounts.ROLES:
            user = accounts.add_user(role, f"{role}-name", role, "password-123",
                                     TOWN if role == "town" else None)  # fmt: skip
            tokens[role] = accounts.start_session(user)
        yield store, base, tokens


TITLES = {
    "overview": "总览", "rankings": "考评指数排名", "map": "地图", "trends": "趋势",
    "points": "道德积分", "brands": "品牌项目", "submissions": "数据报送",
    "publishing": "考评指数发布", "admin": "账号与审计", "matters": "民事直说",
    "standards": "阵地达标", "households": "星级户",
}  # fmt: skip


def _run(token: str | None, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if token:
        at.session_state["_session_token"] = token
    at.session_state["month"] = "2026-10"
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", list(TITLES))
def test_nobody_without_an_account_sees_anything(site, page):
    # (the server's gate sends such a browser to its login form first: tests/test_sessions.py)
    at = _run(None, page)
    assert [t.value for t in at.title] == ["新时代文明实践数据看板"]
    assert "请重新登录" in at.warning[0].value
    link = at.get("link_button")[0].proto
    assert link.label == "重新登录" and link.url.startswith("/login?next=")
    assert not at.dataframe and not at.metric and not at.sidebar.selectbox


@pytest.mark.parametrize("role", list(accounts.ROLES))
@pytest.mark.parametrize("page", list(TITLES))
def test_each_role_sees_exactly_its_pages(site, role, page):
    _, _, tokens = site
    at = _run(tokens[role], page)
    title = at.title[0].value
    if role in access.PAGES[page]:
        assert title.endswith(TITLES[page]), title
    else:  # a page the role may not see: its address says so (no English "Page not found")
        assert "无权查看此页" in at.error[0].value
        assert not at.dataframe and not at.metric


@pytest.mark.parametrize("role", list(accounts.ROLES))
def test_what_each_role_may_do_on_the_rankings_and_publishing_pages(site, role):
    _, _, tokens = site
    may_act = role in ("admin", "reviewer")
    if role in access.PAGES["rankings"]:
        at = _run(tokens[role], "rankings")
        labels = [b.label for b in at.button]
        assert ("保存并重新计算" in labels) == may_act
    if role in access.PAGES["publishing"]:
        at = _run(tokens[role], "publishing")
        downloads = at.get("download_button")
        assert len(downloads) == 10  # the 9 files of the edition and its manifest
        assert any(e.label == "发布修订版（数据更正或补报后）" for e in at.expander) == may_act


def _town_names(store: Path) -> set[str]:
    with db_store.reading(store) as con:
        rows = con.sql(
            "select u.name from ref_unit_all u where u.code = $t or u.code in "
            "(select member_code from int_unit_scope where unit_code = $t)",
            params={"t": TOWN},
        ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize(
    "page",
    ["overview", "map", "trends", "points", "brands", "submissions", "matters", "standards",
     "households"],
)  # fmt: skip
def test_a_town_account_sees_only_its_town_on_every_page(site, page):
    store, _, tokens = site
    at = _run(tokens["town"], page)
    own = _town_names(store)
    for frame in (d.value for d in at.dataframe):
        for column in ("单位", "实践站", "实践所", "所属实践所", "乡镇"):
            if column in frame.columns:  # 乡镇 too: the town's own name
                names = set(frame[column].dropna()) - {"", "—"}  # — : none
                assert names <= own, (page, column, names - own)
    assert page == "submissions" or at.title[0].value.startswith("华藏寺镇")
    assert at.selectbox(key="area").options == ["华藏寺镇新时代文明实践所"]


def test_town_scoping_is_enforced_on_the_data_returned(site):
    store, _, _ = site
    town = accounts.User("t", "乡镇", "town", TOWN)
    with db_store.reading(store) as con:
        scope = set(metrics.members(con, TOWN))
        other = metrics.members(con, "620623-PQ2")
        county = queries.headline(con, [MONTH])[MONTH]
        own = queries.headline(con, [MONTH], sorted(scope))[MONTH]
    # asking for the county, or for another district, returns the town's own rows
    for asked in (None, other):
        units = data.fetch(town, metrics.map_units, MONTH, asked)
        assert set(units["unit_code"]) <= scope and units.height > 0
        got = data.fetch(town, queries.headline, [MONTH], asked)[MONTH]
        assert got["activities"] == own["activities"] != county["activities"]
    board = data.fetch(town, metrics.good_deeds_board, MONTH, None)
    with db_store.reading(store) as con:
        stations = {
            r[0] for r in con.sql(
                "select name from ref_unit where kind = 'station' and parent_code = $t",
                params={"t": TOWN},
            ).fetchall()
        }  # fmt: skip
    assert set(board["station"]) <= stations
    quarantine = data.fetch(town, metrics.quarantine, None, None)
    assert set(quarantine["unit_code"].drop_nulls()) <= scope
    # what has no area to limit is refused outright
    for fn, args in ((metrics.ranking, (MONTH, "institute")), (metrics.red_black_lists, (MONTH,)),
                     (metrics.audit_log, ()), (workflow.editions, (MONTH,))):  # fmt: skip
        with pytest.raises(access.Forbidden):
            data.fetch(town, fn, *args)
    # other roles are not limited
    admin = accounts.User("a", "管理员", "admin", None)
    assert data.fetch(admin, metrics.map_units, MONTH, None).height > len(scope)


REFUSED = {
    "another town's file": ("town", "620623101204_其他村_2026-10_活动台账.csv", GOOD_CSV, {},
                            "只能上传本乡镇"),
    "a path out of the zip": ("admin", "x.zip", _zip({"../620623100001_2026-10.csv": GOOD_CSV}),
                              {}, "路径不安全"),
    "an oversized file": ("admin", "620623100001_2026-10.csv", GOOD_CSV * 10,
                          {"MAX_FILE_BYTES": 100}, "超过单个文件上限"),
    "a zip bomb": ("admin", "bomb.zip", _zip({"620623100001_2026-10.csv": b"0" * 2**22}),
                   {"MAX_UNZIPPED_BYTES": 2**20}, "超过上限"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_upload_stores_nothing(site, case, monkeypatch):
    # (a forbidden type never reaches the page: Streamlit's uploader refuses it on the server,
    # and uploads.check refuses it again, tested above)
    store, base, tokens = site
    who, name, content, limits, message = REFUSED[case]
    for limit, value in limits.items():
        monkeypatch.setattr(uploads, limit, value)
    at = _run(tokens[who], "submissions")
    at.file_uploader[0].set_value((name, content, "application/octet-stream"))
    at.run()
    next(b for b in at.button if b.label == "导入").click().run()
    assert any("已拒收，未保存任何文件" in e.value and message in e.value for e in at.error), [
        e.value for e in at.error
    ]
    assert not (base / "inbox").exists() or not any(
        p.is_file() for p in (base / "inbox").rglob("*")
    )
    with db_store.reading(store) as con:
        assert con.sql("select count(*) from import_batch").fetchall() == [(1,)]
    assert (who, "upload_rejected") in [(r[1], r[2]) for r in accounts.auth_log()]


def test_the_admin_sees_logins_work_and_account_changes_in_one_log(site):
    _, _, tokens = site
    with pytest.raises(accounts.LoginError):
        accounts.authenticate("leader", "wrong-password")
    at = _run(tokens["admin"], "admin")
    log = next(d.value for d in at.dataframe if "操作" in d.value.columns)
    actions = set(log["操作"])
    assert {"开设账号", "登录失败", "签发发布", "审核", "生成草稿", "计算排名"} <= actions
    users = next(d.value for d in at.dataframe if "用户名" in d.value.columns)
    assert set(users["用户名"]) == set(accounts.ROLES)
    assert "password_hash" not in users.columns and not pl.DataFrame(users).is_empty()


# ---------------------------------------------------------------- the command line


def test_civic_users_manages_accounts(book):
    from click.testing import CliRunner

    from civic.cli import main

    run = CliRunner().invoke
    added = run(main, ["users", "add", "li", "--name", "李", "--role", "town", "--town", TOWN,
                       "--password-stdin"], input="town-pass-1\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert accounts.authenticate("li", "town-pass-1").town_code == TOWN
    listed = run(main, ["users", "list"])
    assert "li" in listed.output and "乡镇" in listed.output
    assert run(main, ["users", "disable", "li"]).exit_code == 0
    with pytest.raises(accounts.LoginError, match="已停用"):
        accounts.authenticate("li", "town-pass-1")
    assert run(main, ["users", "enable", "li"]).exit_code == 0
    reset = run(main, ["users", "reset", "li", "--password-stdin"], input="town-pass-2\n")
    assert reset.exit_code == 0
    assert accounts.authenticate("li", "town-pass-2").username == "li"
    short = run(main, ["users", "add", "x", "--role", "admin", "--password-stdin"], input="x\n")
    assert short.exit_code != 0 and "密码至少 8 位" in short.output
    actions = [r[2] for r in accounts.auth_log()]
    assert {"user_add", "user_disable", "user_enable", "user_reset"} <= set(actions)


def test_ingest_in_production_without_the_hashing_key_says_so(tmp_path, demo_inbox):
    from click.testing import CliRunner

    from civic.cli import main

    one = sorted((demo_inbox / "2026-10").glob("*.xlsx"))[0]
    registry = str(config.registry_dir())
    command = ["ingest", str(one), "--db", str(tmp_path / "db"), "--registry", registry]
    with environment(CIVIC_MODE="production", CIVIC_SECRET=None, CIVIC_DATA_DIR=str(tmp_path)):
        result = CliRunner().invoke(main, command)
    assert result.exit_code != 0 and "CIVIC_SECRET" in result.output
    assert not (tmp_path / "secret.key").exists()


# ---------------------------------------------------------------- declared queries

ROOT = Path(__file__).resolve().parents[1]
QUERY_MODULES = ("dashboard.metrics", "dashboard.village", "publish.queries")


def _module_queries() -> dict[str, object]:
    """Public functions of the query modules that take the connection first."""
    found = {}
    for name in QUERY_MODULES:
        module = importlib.import_module(name)
        for attr, fn in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != name:
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] == "con":
                found[f"{name}.{attr}"] = fn
    return found


def _imports(tree: ast.AST) -> dict[str, str]:
    """A file's names for modules: `from publish import notice as notices` gives notices."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                names[a.asname or top] = a.name if a.asname else top
    return names


def _dashboard_files() -> list[Path]:
    return sorted((ROOT / "dashboard").rglob("*.py"))


def _called_queries() -> tuple[dict[str, object], list[str]]:
    """Every function the dashboard passes to data.get / data.fetch, and the calls whose
    function cannot be named (a variable): the declaration could not be checked there."""
    found, unnamed = {}, []
    for path in _dashboard_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _imports(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "data"
                and node.func.attr in ("get", "fetch")
            ):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            position = 0 if node.func.attr == "get" else 1
            arg = node.args[position] if len(node.args) > position else None
            if not (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id in names
            ):
                unnamed.append(where)
                continue
            module = importlib.import_module(names[arg.value.id])
            found[f"{module.__name__}.{arg.attr}"] = getattr(module, arg.attr)
    return found, unnamed


CALLED, UNNAMED = _called_queries()
QUERIES = {**_module_queries(), **CALLED}


def test_the_scan_finds_the_pages_queries():
    assert not UNNAMED, f"data.get/fetch with a function that is not module.name: {UNNAMED}"
    assert len(CALLED) >= 50  # (the pages read about sixty queries)
    for name in (
        "dashboard.metrics.ranking",
        "dashboard.village.notice_html",
        "publish.queries.headline",
        "publish.workflow.editions",
        "dashboard.metrics.months",
    ):  # fmt: skip  (state.py's sidebar too)
        assert name in CALLED


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_declares_its_scope(name):
    rule = access.rule_of(QUERIES[name])
    assert rule is not None, f"{name} declares nothing: add @access.query(scope=...) to it"
    if rule.scope == access.AREA:  # the declared parameter exists (checked at import, too)
        assert rule.area in inspect.signature(QUERIES[name]).parameters


def _undeclared(con, members=None):
    return con.sql("select 1 as x").pl()


def _a_query(con, month, members): ...


@pytest.mark.parametrize(
    "declare, message",
    [
        (lambda: access.query("town"), "unknown scope"),
        (lambda: access.query(access.AREA), "names its area"),
        (lambda: access.query(access.COUNTY, area="members", action="rank"), "names its area"),
        (lambda: access.query(access.COUNTY), "names the action"),
        (lambda: access.query(access.FREE, action="rank"), "needs no action"),
        (lambda: access.query(access.AREA, area="members", action="look"), "unknown action"),
        (lambda: access.query(access.AREA, area="member_list")(_a_query), "no parameter"),
        (lambda: access.query(access.FREE)(lambda month: None), "connection `con` first"),
    ],
)
def test_a_wrong_declaration_fails_at_import(declare, message):
    with pytest.raises((ValueError, TypeError), match=message):
        declare()


def test_the_declaration_leaves_the_function_as_it_was(site):
    store, _, _ = site
    with db_store.reading(store) as con:  # (the publisher and the tests call them directly)
        assert metrics.map_units(con, MONTH, None).height > 0
    assert metrics.map_units.__name__ == "map_units" and not hasattr(_undeclared, access.RULE)


def test_fetch_refuses_an_undeclared_query_for_everyone(site):
    for role in accounts.ROLES:
        user = accounts.User("u", "某人", role, TOWN if role == "town" else None)
        with pytest.raises(access.Undeclared, match="_undeclared 没有声明读取范围"):
            data.fetch(user, _undeclared)
    with pytest.raises(access.Forbidden, match="请先登录"):  # and nobody signed in reads anything
        data.fetch(None, metrics.months)


def _codes(store: Path, sql: str, **params) -> set[str]:
    with db_store.reading(store) as con:
        return {r[0] for r in con.sql(sql, params=params).fetchall()}


@pytest.mark.parametrize(
    "fn, args, column",
    [
        (metrics.submission_matrix, (date(2026, 1, 1), MONTH, None), "unit_code"),
        (metrics.quarantine, (None,), "unit_code"),  # the area left to its default
        (village.notice_stations, (None,), "unit_code"),
        (village.clearings, (2026, None), "unit_code"),
        (village.stars_by_unit, (MONTH, "station", None), "unit_code"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_a_town_s_area_query_returns_its_own_rows_only(site, fn, args, column):
    store, _, _ = site
    scope = _codes(store, "select $t union select member_code from int_unit_scope "
                          "where unit_code = $t", t=TOWN)  # fmt: skip
    town = accounts.User("t", "乡镇", "town", TOWN)
    admin = accounts.User("a", "管理员", "admin", None)
    got = data.fetch(town, fn, *args)
    county = data.fetch(admin, fn, *args)
    assert got.height > 0 and set(got[column].drop_nulls()) <= scope
    assert county.height > got.height  # the county's rows were there to leak
    rule = access.rule_of(fn)
    position = list(inspect.signature(fn).parameters).index(rule.area) - 1
    own = (*args[:position], sorted(scope), *args[position + 1 :])
    assert got.equals(data.fetch(admin, fn, *own))  # exactly the town's own query


def test_a_town_asking_across_its_border_gets_the_part_inside(site):
    store, _, _ = site
    town = accounts.User("t", "乡镇", "town", TOWN)
    own_station = min(_codes(store, "select code from ref_unit where parent_code = $t", t=TOWN))
    other = min(_codes(store, "select code from ref_unit where kind = 'station' and "
                              "parent_code <> $t", t=TOWN))  # fmt: skip
    units = data.fetch(town, metrics.map_units, MONTH, [own_station, other])
    assert set(units["unit_code"]) == {own_station}
    alone = data.fetch(town, metrics.map_units, MONTH, [other])  # nothing inside: the whole town
    assert own_station in set(alone["unit_code"]) and other not in set(alone["unit_code"])


COUNTY_QUERIES = sorted(n for n, f in QUERIES.items() if access.rule_of(f).scope == access.COUNTY)


@pytest.mark.parametrize("name", COUNTY_QUERIES)
def test_a_town_is_refused_every_county_query(name):
    town = accounts.User("t", "乡镇", "town", TOWN)
    # (refused before it runs: the arguments are never used)
    with pytest.raises(access.Forbidden, match="没有此项操作的权限|乡镇账号不能读取全县数据"):
        data.fetch(town, QUERIES[name], MONTH)


@pytest.mark.parametrize(
    "role, fn, args, allowed",
    [
        ("leader", metrics.ranking, (MONTH, "institute"), True),
        ("leader", metrics.audit_log, (), False),  # view_audit: the admin's
        ("reviewer", metrics.audit_log, (), False),
        ("admin", metrics.audit_log, (), True),
        ("leader", metrics.good_deeds_board, (MONTH, None), False),  # names: view_households
        ("leader", village.credit_workbook, (2026, None), False),  # export_credit
        ("town", village.points_flags, (MONTH, MONTH, None), False),  # audit_points
        ("town", village.credit_years, (None,), False),  # export_credit, even in its own town
        ("town", village.households_down, (MONTH, None), True),  # view_households, scoped
        ("town", metrics.months, (), True),  # FREE
    ],
)
def test_a_query_s_action_is_required_of_every_role(site, role, fn, args, allowed):
    user = accounts.User("u", "某人", role, TOWN if role == "town" else None)
    if allowed:
        assert data.fetch(user, fn, *args) is not None
    else:
        with pytest.raises(access.Forbidden, match="没有此项操作的权限"):
            data.fetch(user, fn, *args)


# ---------------------------------------------------------------- actions enforced where taken

# the calls in the pages that change something, and the action each needs
WRITES = {
    "uploads.save": {"upload"}, "ingest": {"upload"},
    "index_run.rank_and_store": {"rank"},
    "index_run.adjust": {"adjust"}, "index_run.void_adjustment": {"adjust"},
    "index_run.decide_flags": {"review_flags"},
    "workflow.review": {"review"}, "workflow.draft": {"publish", "review"},
    "workflow.publish": {"publish"},
    "clearing_rules.add": {"clear_points"}, "clearing_rules.void": {"clear_points"},
    "accounts.add_user": {"manage_users"}, "accounts.reset_password": {"manage_users"},
    "accounts.set_active": {"manage_users"},
}  # fmt: skip


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _required(node: ast.AST) -> set[str]:
    """The actions named in `require(user, "<action>")` calls inside node."""
    return {
        n.args[1].value
        for n in ast.walk(node)
        if isinstance(n, ast.Call)
        and _dotted(n.func).split(".")[-1] == "require"
        and len(n.args) == 2
        and isinstance(n.args[1], ast.Constant)
    }


def _is_click(test: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and _dotted(n.func).endswith("button") for n in ast.walk(test)
    )


def _writes_and_their_checks() -> list[tuple[str, str, set[str]]]:
    """(where, write, actions required before it inside its button's branch) for each write."""
    found = []
    for path in sorted((ROOT / "dashboard" / "views").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {
            child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _dotted(node.func) in WRITES):
                continue
            checked: set[str] = set()
            child, parent = node, parents.get(node)
            while parent is not None:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    block = getattr(parent, field, None)
                    if isinstance(block, list) and child in block:
                        for earlier in block[: block.index(child)]:
                            checked |= _required(earlier)
                if isinstance(parent, ast.If) and _is_click(parent.test):
                    break  # the button that triggers the write: its branch is the handler
                child, parent = parent, parents.get(parent)
            found.append((f"{path.name}:{node.lineno}", _dotted(node.func), checked))
    return found


WRITE_SITES = _writes_and_their_checks()


def test_every_kind_of_write_is_found_in_the_pages():
    assert {write for _, write, _ in WRITE_SITES} == set(WRITES)


@pytest.mark.parametrize("where, write, checked", WRITE_SITES, ids=[w for w, _, _ in WRITE_SITES])
def test_every_write_in_the_pages_requires_its_action_first(where, write, checked):
    assert checked & WRITES[write], (
        f"{where}: {write} without access.require(user, {WRITES[write]})"
    )


def _enforcement_points() -> dict[str, list[str]]:
    """action → where it is required: a `require(user, "<action>")` in the dashboard, or a
    query the pages read that declares it (dashboard/data.py requires it there)."""
    points: dict[str, list[str]] = {a: [] for a in access.ACTIONS}
    for path in _dashboard_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for action in _required(node) & set(points):
                    points[action].append(f"{path.relative_to(ROOT)}:{node.lineno}")
    for name, fn in CALLED.items():
        rule = access.rule_of(fn)
        if rule and rule.action:
            points[rule.action].append(f"query {name}")
    return points


ENFORCED = _enforcement_points()


@pytest.mark.parametrize("action", list(access.ACTIONS))
def test_every_action_is_enforced_somewhere(action):
    assert ENFORCED[action], f"nothing calls access.require(user, {action!r})"


def _versions(store: Path) -> tuple[str, list[str]]:
    return db_store.current_path(store).name, sorted(p.name for p in store.iterdir())


def _can_show(monkeypatch, *actions: str) -> None:
    """Let the pages offer `actions` to everyone (as if a button were shown by mistake):
    refusing them is left to `access.require` alone."""
    real = access.can
    monkeypatch.setattr(access, "can", lambda user, action: action in actions or real(user, action))


def _refused(at: AppTest) -> bool:
    return any("您的账号没有此项操作的权限" in e.value for e in at.error)


def test_a_leader_cannot_adjust_even_with_the_form_shown(site, monkeypatch):
    store, _, tokens = site
    _can_show(monkeypatch, "adjust")
    before = _versions(store)
    count = "select count(*) from index_adjustment"
    with db_store.reading(store) as con:
        adjustments = con.sql(count).fetchall()  # the demo office's penalty, if any
    at = _run(tokens["leader"], "rankings")
    next(t for t in at.text_input if t.label == "理由").input("获省级表彰")
    next(b for b in at.button if b.label == "保存并重新计算").click().run()
    assert not at.exception and _refused(at), [e.value for e in at.error]
    assert _versions(store) == before
    with db_store.reading(store) as con:
        assert con.sql(count).fetchall() == adjustments


def test_a_leader_cannot_publish_even_with_the_form_shown(site, monkeypatch):
    store, _, tokens = site
    _can_show(monkeypatch, "publish")
    before = _versions(store)
    at = _run(tokens["leader"], "publishing")
    next(t for t in at.text_input if t.label == "修订原因").input("补报后重新计算")
    next(b for b in at.button if b.label == "生成修订版草稿").click().run()
    assert not at.exception and _refused(at), [e.value for e in at.error]
    assert _versions(store) == before
    with db_store.reading(store) as con:
        assert con.sql("select count(*) from edition").fetchall() == [(1,)]


def test_a_town_cannot_clear_points_even_with_the_form_shown(site, monkeypatch):
    store, _, tokens = site
    _can_show(monkeypatch, "clear_points")
    before = _versions(store)
    at = _run(tokens["town"], "points")
    at.text_input(key="pts-clear-household").input("H0001")
    at.text_area(key="pts-clear-reason").input("聚众赌博")
    next(b for b in at.button if b.label == "确认清零").click().run()
    assert not at.exception and _refused(at), [e.value for e in at.error]
    assert _versions(store) == before


def test_a_town_cannot_rank_even_with_the_button_shown(site, monkeypatch):
    store, _, tokens = site
    _can_show(monkeypatch, "rank")
    before = _versions(store)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["_session_token"] = tokens["town"]
    at.session_state["month"] = "2026-10"
    at.session_state["last_ingest"] = {
        "outcomes": pl.DataFrame(
            {"file": ["a.xlsx"], "rows_accepted": [1], "rows_quarantined": [0], "versions": [""]}
        ),
        "batch_id": 1,
        "months": [MONTH],
        "failures": [],
    }  # fmt: skip  (as an upload leaves it)
    at.switch_page("views/submissions.py")
    at.run()
    at.button(key="upload-rank").click().run()
    assert not at.exception and _refused(at), [e.value for e in at.error]
    assert _versions(store) == before


def test_a_town_shown_the_points_audit_by_mistake_gets_no_flags(site, monkeypatch):
    _, _, tokens = site
    _can_show(monkeypatch, "audit_points")  # the page asks; the queries' declaration refuses
    at = _run(tokens["town"], "points")
    assert _refused(at)
    assert not any(m.label == "兑换超过余额" for m in at.metric)


def test_what_a_page_reads_later_names_its_user():
    # A download's callable runs outside the page's run, where the session (and so
    # data.get's user) is unknown: inside a def or lambda a page reads with data.fetch(user, …).
    late = []
    for path in sorted((ROOT / "dashboard" / "views").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.Lambda):
                late += [
                    f"{path.name}:{n.lineno}"
                    for n in ast.walk(fn)
                    if isinstance(n, ast.Call) and _dotted(n.func) == "data.get"
                ]
    assert not late, f"data.get inside a def or lambda: {late}"
