"""A headless Chromium that turns HTML into PNG and PDF, and plotly figures into PNG.

One browser serves a whole edition (starting one costs about a second).
Every request a page makes to the network is refused: an edition is built
from what is on this machine, and a page that needed the network would show
it as a missing picture here rather than at the reader's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from core import config

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserMissing(RuntimeError):
    """No Chromium to render images and PDFs with."""


def executable() -> str:
    """CIVIC_CHROMIUM, else the first Chromium on PATH."""
    path = config.chromium() or next((p for p in map(shutil.which, CANDIDATES) if p), None)
    if not path or not os.path.exists(path):
        raise BrowserMissing(
            "生成图片和 PDF 需要 Chromium 浏览器：请安装（Debian：apt-get install chromium "
            "fonts-noto-cjk），或用环境变量 CIVIC_CHROMIUM 指定其路径"
        )
    return path


class Browser:
    def __init__(self, playwright):
        self._browser = playwright.chromium.launch(executable_path=executable(), args=ARGS)
        self._context = self._browser.new_context(device_scale_factor=1)
        self._context.route("**/*", lambda route: route.abort())
        self._page = self._context.new_page()
        self._plot_page = None
        self._figures: dict[str, bytes] = {}  # the same figure is drawn once per session

    def close(self) -> None:
        self._context.close()
        self._browser.close()

    def png(self, html: str, width: int) -> bytes:
        """A full-page screenshot of `html` laid out `width` CSS pixels wide."""
        page = self._page
        page.set_viewport_size({"width": width, "height": 64})  # the page grows to its content
        page.set_content(html, wait_until="load")
        page.evaluate("document.fonts.ready")
        return page.screenshot(full_page=True, type="png")

    def pdf(self, html: str) -> bytes:
        """`html` printed on A4 (its own @page rules set the margins)."""
        page = self._page
        page.set_viewport_size({"width": 794, "height": 1123})
        page.set_content(html, wait_until="load")
        page.evaluate("document.fonts.ready")
        return page.pdf(prefer_css_page_size=True, print_background=True, format="A4")

    def figure_png(self, fig: go.Figure, width: int, height: int, scale: float = 2) -> bytes:
        """A plotly figure as PNG, drawn by plotly.js in the page (no kaleido, no network)."""
        spec = fig.to_json()
        key = hashlib.sha256(f"{spec}|{width}|{height}|{scale}".encode()).hexdigest()
        if key in self._figures:
            return self._figures[key]
        if self._plot_page is None:
            self._plot_page = self._context.new_page()
            self._plot_page.set_content(
                f"<html><body><script>{get_plotlyjs()}</script></body></html>", wait_until="load"
            )
        url = self._plot_page.evaluate(
            """async ([fig, w, h, s]) => {
                await document.fonts.ready;
                return await Plotly.toImage(
                    {data: fig.data, layout: fig.layout, config: {mathjax: false}},
                    {format: 'png', width: w, height: h, scale: s});
            }""",
            [json.loads(spec), width, height, scale],
        )
        self._figures[key] = base64.b64decode(url.split(",", 1)[1])
        return self._figures[key]


_current: ContextVar[Browser | None] = ContextVar("civic_browser", default=None)


@contextmanager
def session() -> Iterator[Browser]:
    """Start a browser for the block; renderers inside it share it (see `use`)."""
    active = _current.get()
    if active is not None:
        yield active
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = Browser(p)
        token = _current.set(b)
        try:
            yield b
        finally:
            _current.reset(token)
            b.close()


use = session  # a renderer says `with browser.use() as b:`: the edition's browser, or its own
