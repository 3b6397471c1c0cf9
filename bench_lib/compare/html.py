"""The compare report's ``index.html``: the same content as ``summary.md``, with the charts.

Opens offline, runs no script; every string from a result file is escaped.
"""

from __future__ import annotations

from bench_lib.charts.style import Chart
from bench_lib.compare.pairs import Comparison
from bench_lib.compare.text import (
    HEADERS,
    cells,
    legend,
    machine_headers,
    machine_rows,
    pair_title,
    subject_lines,
)
from bench_lib.pages.html import CSS, esc, figure_html, table_html

VERDICT_CLASS = {"faster": "good", "slower": "flag", "same": "", "inconclusive": "dim"}
COMPARE_CSS = CSS + ".good{color:#080;font-weight:bold} .dim{color:#777}"


def render_compare_html(
    comparison: Comparison, ratio_charts: tuple[Chart, ...], scaling_charts: tuple[Chart, ...]
) -> str:
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>mpbench compare</title><style>{COMPARE_CSS}</style></head><body>",
        "<h1>mpbench compare</h1>",
        f'<p class="meta">{esc(comparison.describe_runs)}</p>',
        "<h2>Runs</h2><ol start=0>",
    ]
    parts += [f"<li>{esc(r.title)}: <code>{esc(r.path)}</code></li>" for r in comparison.runs]
    parts.append("</ol><h2>What differs</h2>")
    diffs = machine_rows(comparison, only_differences=True)
    parts.append(
        table_html(machine_headers(comparison), diffs)
        if diffs
        else "<p>Nothing in the fingerprint.</p>"
    )
    if comparison.warnings:
        parts.append('<div class="warn"><b>Warnings</b><ul>')
        parts += [f"<li>{esc(w)}</li>" for w in comparison.warnings]
        parts.append("</ul></div>")
    for i, pair in enumerate(comparison.pairs):
        parts.append(f"<h2>{esc(pair_title(comparison, pair))}</h2><ul>")
        parts += [f"<li>{esc(line)}</li>" for line in subject_lines(pair)]
        parts.append("</ul>")
        if i < len(ratio_charts):
            parts.append(figure_html(ratio_charts[i]))
        parts.append(
            table_html(
                HEADERS,
                [cells(f) for f in pair.figures],
                [VERDICT_CLASS.get(f.verdict, "") for f in pair.figures],
            )
        )
        missing = [f"baseline only: {x}" for x in pair.only_in_baseline]
        missing += [f"candidate only: {x}" for x in pair.only_in_candidate]
        if missing:
            parts.append("<p>Not compared:</p><ul>")
            parts += [f"<li>{esc(x)}</li>" for x in missing]
            parts.append("</ul>")
    if scaling_charts:
        parts.append("<h2>Scaling curves, run by run</h2>")
        parts += [figure_html(c) for c in scaling_charts]
    parts.append(f"<h2>How to read this</h2><p>{esc(legend(comparison))}</p></body></html>")
    return "\n".join(parts)
