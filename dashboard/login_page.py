"""The plain HTML pages the gate serves before Streamlit: the login form and "page not found".

Pure functions from text to HTML; every value is escaped. The pages wear the
dashboard's theme (presentation.theme) and load nothing from anywhere.
"""

from __future__ import annotations

from html import escape

from presentation import theme

TITLE = "新时代文明实践数据看板"

_STYLE = f"""
body {{ margin: 0; background: #F6F7F9; color: {theme.INK}; font-family: {theme.FONT_CSS}; }}
main {{ max-width: 380px; margin: 12vh auto 0; background: #fff; padding: 32px 36px 28px;
        border-top: 4px solid {theme.ACCENT}; border-radius: 6px;
        box-shadow: 0 1px 4px rgba(0,0,0,.08); }}
h1 {{ font-size: 22px; margin: 0 0 20px; color: {theme.ACCENT}; }}
label {{ display: block; margin: 14px 0 6px; font-size: 14px; }}
input {{ width: 100%; box-sizing: border-box; padding: 9px 10px; font-size: 15px;
         border: 1px solid {theme.RULE}; border-radius: 4px; font-family: inherit; }}
button {{ margin-top: 22px; width: 100%; padding: 10px; font-size: 16px; color: #fff;
          background: {theme.ACCENT}; border: 0; border-radius: 4px; cursor: pointer;
          font-family: inherit; }}
.error, .notice {{ padding: 10px 12px; border-radius: 4px; font-size: 14px; margin-bottom: 8px; }}
.error {{ background: #FDECEA; color: #8A1C1C; }}
.notice {{ background: #FFF6E0; color: #7A5300; }}
p.hint {{ color: {theme.MUTED}; font-size: 13px; margin: 18px 0 0; }}
a {{ color: {theme.ACCENT}; }}
"""


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{head}'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def login(next_path: str = "/", error: str = "", notice: str = "", username: str = "") -> str:
    """The login form; it posts to /login and comes back to next_path once signed in."""
    parts = [f"<h1>{escape(TITLE)}</h1>"]
    if notice:
        parts.append(f'<div class="notice" role="status">{escape(notice)}</div>')
    if error:
        parts.append(f'<div class="error" role="alert">{escape(error)}</div>')
    parts.append(
        '<form method="post" action="/login">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<label for="username">用户名</label>'
        f'<input id="username" name="username" autocomplete="username" required autofocus '
        f'value="{escape(username)}">'
        '<label for="password">密码</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        '<button type="submit">登录</button></form>'
        '<p class="hint">账号由县中心管理员开设。忘记密码请联系管理员重置。</p>'
    )
    return _page(f"登录 · {TITLE}", "".join(parts))


def not_found() -> str:
    """An address that is no page of the dashboard."""
    return _page(
        f"页面不存在 · {TITLE}",
        f'<h1>{escape(TITLE)}</h1><p>没有这个页面。</p><p><a href="/">返回总览</a></p>',
    )


def reload_here() -> str:
    """A page that opens its own address again, from this site: a link followed from another
    site does not carry the SameSite=Strict cookie, the reload it triggers does."""
    return _page(
        TITLE,
        f"<h1>{escape(TITLE)}</h1><p>正在打开……</p>",
        head='<meta http-equiv="refresh" content="0">',
    )
