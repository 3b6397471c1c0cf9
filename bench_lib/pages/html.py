"""The pieces every mpbench page shares: its style sheet, escaping, figures and tables.

Every string that comes from a result file goes through :func:`esc`.
"""

from __future__ import annotations

import html
from typing import Any

from bench_lib.charts.style import Chart
from bench_lib.printable import printable

CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} .meta{color:#555;font-size:.9em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1.5em}
th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.flag{color:#c00;font-weight:bold} .warn{background:#fff3cd;padding:.6em 1em;border-radius:4px}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#444;font-size:.9em} nav a{margin-right:1em}
"""


def esc(value: Any) -> str:
    """A string from a result file as HTML text: markup escaped, and control or bidi
    characters (U+202E would reverse the text around it) shown as escapes."""
    return html.escape(printable(str(value)), quote=True)


def figure_html(chart: Chart) -> str:
    return (
        f'<figure><a href="{esc(chart.svg)}"><img src="{esc(chart.png)}" '
        f'alt="{esc(chart.title)}"></a><figcaption>{esc(chart.caption)}</figcaption></figure>'
    )


def table_html(
    headers: tuple[str, ...], rows: list[tuple[str, ...]], row_classes: list[str] | None = None
) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"
