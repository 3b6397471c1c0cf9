"""The one page skeleton: template, style sheet and table script from package files; the one
table renderer escapes every cell and sorts numbers by value."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from bench_lib.pages.html import Cell, table_html
from bench_lib.pages.skeleton import page

HOSTILE = '<script>alert(1)</script>"\u202e'


def test_the_page_files_ship_with_the_package() -> None:
    folder = resources.files("bench_lib.pages")
    for name in ("page.html", "page.css", "sort.js"):
        assert folder.joinpath(name).read_text().strip(), name


def test_a_page_allows_exactly_its_own_script_by_hash() -> None:
    html = page(HOSTILE, HOSTILE, ["<p>body</p>"])
    script = resources.files("bench_lib.pages").joinpath("sort.js").read_text()
    policy = re.search(r'Content-Security-Policy" content="([^"]*)"', html)
    assert policy is not None
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1)
    assert html.count("<script") == 1 and f"<script>{script}</script>" in html
    assert "<title>&lt;script&gt;" in html and "<h1>&lt;script&gt;" in html
    assert "\u202e" not in html


def test_every_cell_and_header_is_escaped_and_numbers_sort_by_value() -> None:
    html = table_html(
        (HOSTILE, "median"),
        [(HOSTILE, Cell("1.2 ms", 0.0012, "num")), (Cell(HOSTILE, None, HOSTILE), "285 us")],
        [HOSTILE, ""],
    )
    assert "<script>" not in html and html.count("&lt;script&gt;") == 5  # every place it went
    assert '<td class="num" data-sort="0.0012">1.2 ms</td>' in html
    assert '<table class="sortable"><thead><tr>' in html and "</tbody></table>" in html
