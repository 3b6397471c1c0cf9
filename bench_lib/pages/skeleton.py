"""The one page every mpbench HTML file is: ``page.html`` with ``page.css`` and ``sort.js``.

The report, the several-runs page, compare and matrix fill the same template, shipped as
package files beside this module, and so share one head, one style sheet and one table script.

Why a ``string.Template`` and not Jinja2: the pages are headings, lists, tables and figures
built by the few functions of :mod:`bench_lib.pages.html`, each escaping what it is given, so
a template language would add a dependency and a second place that escapes (or forgets to)
for three substitutions. The template's own fields are filled with text that is either
escaped here (the title, the heading) or made by those functions (the body).

The page opens offline and runs only its own script: the Content-Security-Policy allows
images from the page's folder, inline style, and the one script by its hash, so markup that
escaped escaping could not run, fetch or embed anything.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from string import Template

from bench_lib.pages.html import esc


@cache
def _asset(name: str) -> str:
    return resources.files("bench_lib.pages").joinpath(name).read_text(encoding="utf-8")


def policy(script: str) -> str:
    """The page's Content-Security-Policy: its own images and style, and ``script`` (the whole
    text of its one script element) by its hash."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'"
    )


def page(title: str, heading: str, body: Iterable[str]) -> str:
    """A whole HTML page: ``title`` and ``heading`` as text (escaped here), ``body`` the HTML
    fragments in order, each made with :mod:`bench_lib.pages.html` (which escapes)."""
    script = _asset("sort.js")
    return Template(_asset("page.html")).substitute(
        policy=policy(script),
        title=esc(title),
        heading=esc(heading),
        css=_asset("page.css"),
        body="\n".join(body),
        script=script,
    )
