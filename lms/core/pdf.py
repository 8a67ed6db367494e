"""PDF rendering with WeasyPrint: plain values into Jinja HTML, our fonts, nothing fetched.

The URL fetcher serves only files under static/ (and in-memory assets handed to one render,
such as an uploaded signature); file://, http(s)://, data: and everything else are refused.
One FontConfiguration and the parsed stylesheets are reused per process: that keeps a render
fast and resident memory flat (a fresh configuration per call grows without bound;
docs/benchmarks.md).
WeasyPrint is imported lazily so that `flask --help` stays fast.
"""

from __future__ import annotations

import atexit
import mimetypes
import threading
from pathlib import Path

from flask import render_template

STATIC_DIR = (Path(__file__).resolve().parents[2] / "static").resolve()
# A name that never resolves: relative URLs in templates and CSS join onto it, and the fetcher
# maps it to static/ without any network access.
BASE_URL = "https://lms-static.invalid/static/"
ASSET_PREFIX = "https://lms-asset.invalid/"

_lock = threading.Lock()
_font_config = None
_stylesheets: dict[str, object] = {}


class RefusedURL(ValueError):
    """A resource outside the allowed set; WeasyPrint skips it."""


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self, assets: dict[str, tuple[bytes, str]] | None = None):
            super().__init__(allowed_protocols=("https",), allow_redirects=False)
            self.assets = assets or {}

        def fetch(self, url, headers=None):
            if url.startswith(ASSET_PREFIX):
                asset = self.assets.get(url.removeprefix(ASSET_PREFIX))
                if asset is None:
                    raise RefusedURL(f"unknown asset {url!r}")
                body, mime = asset
                return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
            if not url.startswith(BASE_URL):
                raise RefusedURL(f"refused {url[:80]!r}")
            relative = url.removeprefix(BASE_URL).split("?", 1)[0].split("#", 1)[0]
            path = (STATIC_DIR / relative).resolve()
            if not path.is_relative_to(STATIC_DIR) or not path.is_file():
                raise RefusedURL(f"refused {url[:80]!r}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

    return StaticOnlyFetcher


def fetcher(assets: dict[str, tuple[bytes, str]] | None = None):
    """The only URL fetcher given to WeasyPrint."""
    return _fetcher_class()(assets)


def _shared():
    """The process-wide FontConfiguration (created once, under a lock)."""
    global _font_config
    with _lock:
        if _font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            _font_config = FontConfiguration()
        return _font_config


@atexit.register
def _drop_font_config() -> None:
    # Free it while the interpreter still works (its __del__ fails during shutdown).
    global _font_config
    _font_config = None
    _stylesheets.clear()


def stylesheet(name: str):
    """A parsed stylesheet from static/css, cached per process."""
    from weasyprint import CSS

    font_config = _shared()
    with _lock:
        css = _stylesheets.get(name)
        if css is None:
            css = CSS(url=BASE_URL + "css/" + name, url_fetcher=fetcher(), font_config=font_config)
            _stylesheets[name] = css
        return css


def html_to_pdf(html: str, *, stylesheets: tuple[str, ...] = ("pdf.css",), assets=None) -> bytes:
    """Render an HTML string to PDF bytes with the shared fonts and cached stylesheets."""
    from weasyprint import HTML

    font_config = _shared()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher(assets))
    return document.write_pdf(
        stylesheets=[stylesheet(name) for name in stylesheets], font_config=font_config
    )


def render_pdf(
    template: str, *, stylesheets: tuple[str, ...] = ("pdf.css",), assets=None, **context
) -> bytes:
    """Render a Jinja template (given plain values only) to PDF bytes."""
    return html_to_pdf(render_template(template, **context), stylesheets=stylesheets, assets=assets)


def asset_url(name: str) -> str:
    """The URL under which a template refers to an in-memory asset passed to render_pdf."""
    return ASSET_PREFIX + name
