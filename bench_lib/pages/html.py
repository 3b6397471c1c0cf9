"""The pieces every mpbench page is made of: escaped text, figures, lists and the one table.

Every string that comes from a result file goes through :func:`esc`; the functions here take
text and escape it, so a page builder passes them text, never markup it made from a file.
Tables are sortable by a click on a header (``sort.js``, see :mod:`bench_lib.pages.skeleton`)
and read the same without the script.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from bench_lib.charts.style import Chart
from bench_lib.printable import printable


def esc(value: Any) -> str:
    """A string from a result file as HTML text: markup escaped, and control or bidi
    characters (U+202E would reverse the text around it) shown as escapes."""
    return html.escape(printable(str(value)), quote=True)


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, the number it sorts by when the text carries a unit, its class."""

    text: str
    sort_key: float | None = None  # "1.2 ms" sorts as 0.0012; None: by its text
    css: str = ""  # "num": right-aligned figures; "flag": noise flags


CellLike = Union[str, Cell]


def _td(cell: CellLike) -> str:
    c = cell if isinstance(cell, Cell) else Cell(cell)
    css = f' class="{esc(c.css)}"' if c.css else ""
    key = f' data-sort="{esc(repr(c.sort_key))}"' if c.sort_key is not None else ""
    return f"<td{css}{key}>{esc(c.text)}</td>"


def table_html(
    headers: Sequence[str],
    rows: Iterable[Sequence[CellLike]],
    row_classes: Sequence[str] | None = None,
) -> str:
    """The one table of every page: a header row, one row per item, sortable by column."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        css = row_classes[i] if row_classes and i < len(row_classes) else ""
        attr = f' class="{esc(css)}"' if css else ""
        body.append(f"<tr{attr}>" + "".join(_td(c) for c in row) + "</tr>")
    return (
        f'<table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def figure_html(chart: Chart) -> str:
    """A chart: its one PNG, the title as the image's text, and how to read it."""
    return (
        f'<figure><img src="{esc(chart.png)}" alt="{esc(chart.title)}">'
        f"<figcaption>{esc(chart.caption)}</figcaption></figure>"
    )


def list_html(items: Iterable[str], ordered: bool = False) -> str:
    """A list of text items (escaped); ``ordered`` numbers them from 0, as runs are."""
    tag = "ol start=0" if ordered else "ul"
    body = "".join(f"<li>{esc(item)}</li>" for item in items)
    return f"<{tag}>{body}</{tag[:2]}>"


def warn_html(heading: str, items: Iterable[str]) -> str:
    """A highlighted box of warnings or notes; nothing when there are none."""
    lines = list(items)
    if not lines:
        return ""
    return f'<div class="warn"><b>{esc(heading)}</b>{list_html(lines)}</div>'


def section(anchor: str, title: str) -> str:
    """A section heading; ``anchor`` (a code name) is what the page's links point at."""
    attr = f' id="{esc(anchor)}"' if anchor else ""
    return f"<h2{attr}>{esc(title)}</h2>"
