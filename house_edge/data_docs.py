"""Make a Great Expectations Data Docs site self-contained (it opens offline, styled).

GX's page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and friends from
CDNs (and the logo from S3); offline the site renders unstyled, without its icons and tables.
GX has no option to serve them locally, so after ``build_data_docs`` every CDN URL is rewritten
to a copy of the same file shipped in ``house_edge/data_docs_assets/`` (from the npm packages of
the same versions; licences in ``licenses/``), copied once into the site's ``static/vendor/``.
Vega (only for profiling charts, which the gate does not render) is dropped from pages that
never call ``vegaEmbed``; a page that does keeps its URL, and ``cdn_urls`` reports it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).with_name("data_docs_assets")

# CDN URL -> file in ASSETS (same library, same version; bootstrap-table-filter-control's CSS
# is 1.19.1's, the JS beside it is 1.19.1 too).
VENDORED = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper-1.12.9.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap-4.3.1.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap-4.3.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control-1.19.1.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker-1.9.0.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker-1.9.0.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-prefers-dark-1.1.0.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome/css/all.min.css",
}
_VEGA_TAG = re.compile(r'<script src="https://cdn\.jsdelivr\.net/npm/vega(-lite|-embed)?@\d+">'
                       r'</script>\s*')
# The logos GX loads from S3: the site's own static/images/logo-long.png (also for the dark one).
_S3_LOGO = re.compile(r'https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/'
                      r'(?:logo-long|full_logo_dark)\.png(?:\?d=[0-9TZ.]+)?')
# GX's newsletter call to action (a link to a sign-up form), dropped.
_NEWSLETTER = re.compile(r'<p>Stay current on everything GX with our newsletter .*?</p>', re.S)
_CSS_URL = re.compile(r"url\(['\"]?(https?://[^'\")]+)")
_LOADED_URL = re.compile(r'(?:src|href)="(https?://[^"]+)"')
_LINK_TAG = re.compile(r'<link [^>]*href="https?://[^"]+"[^>]*>')


def make_offline(site: Path) -> None:
    """Rewrite every page of ``site`` to load its CSS, JS, fonts and images from the site."""
    site = Path(site)
    shutil.copytree(ASSETS, site / "static" / "vendor", dirs_exist_ok=True)
    for page in site.rglob("*.html"):
        text = page.read_text()
        static = os.path.relpath(site / "static", page.parent)
        for url, local in VENDORED.items():
            text = text.replace(url, f"{static}/vendor/{local}")
        if "vegaEmbed(" not in text:
            text = _VEGA_TAG.sub("", text)
        text = _S3_LOGO.sub(f"{static}/images/logo-long.png", text)
        text = _NEWSLETTER.sub("", text)
        page.write_text(text)


def cdn_urls(site: Path) -> dict[str, list[str]]:
    """URLs a page of ``site`` would load from the network (script/img src, link href, CSS
    url(); plain links to web pages are not loads), by page; empty when self-contained."""
    found: dict[str, list[str]] = {}
    for page in Path(site).rglob("*.html"):
        text = page.read_text()
        urls = [u for tag in re.findall(r'<(?:script|img)[^>]*>', text)
                for u in _LOADED_URL.findall(tag)]
        urls += [u for tag in _LINK_TAG.findall(text) for u in _LOADED_URL.findall(tag)]
        urls += _CSS_URL.findall(text)
        if urls:
            found[str(page.relative_to(site))] = sorted(set(urls))
    return found
