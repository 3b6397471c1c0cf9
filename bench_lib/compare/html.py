"""The compare report's ``index.html``: the same content as ``summary.md``, with the charts.

Opens offline and runs only its own table-sorting script (:mod:`bench_lib.pages.skeleton`);
every string from a result file is escaped.
"""

from __future__ import annotations

from bench_lib.charts.style import Chart
from bench_lib.compare.pairs import Comparison, FigureComparison
from bench_lib.compare.text import (
    HEADERS,
    cells,
    legend,
    machine_headers,
    machine_rows,
    pair_title,
    subject_lines,
)
from bench_lib.pages.html import (
    Cell,
    CellLike,
    esc,
    figure_html,
    list_html,
    section,
    table_html,
    warn_html,
)
from bench_lib.pages.skeleton import page

VERDICT_CLASS = {"faster": "good", "slower": "flag", "same": "", "inconclusive": "dim"}


def render_compare_html(
    comparison: Comparison, ratio_charts: tuple[Chart, ...], scaling_charts: tuple[Chart, ...]
) -> str:
    parts = [
        f'<p class="meta">{esc(comparison.describe_runs)}</p>',
        section("", "Runs"),
        list_html([f"{r.title}: {r.path}" for r in comparison.runs], ordered=True),
        section("", "What differs"),
    ]
    diffs = machine_rows(comparison, only_differences=True)
    parts.append(
        table_html(machine_headers(comparison), diffs)
        if diffs
        else "<p>Nothing in the fingerprint.</p>"
    )
    parts.append(warn_html("Warnings", comparison.warnings))
    for i, pair in enumerate(comparison.pairs):
        parts += [section("", pair_title(comparison, pair)), list_html(subject_lines(pair))]
        if i < len(ratio_charts):
            parts.append(figure_html(ratio_charts[i]))
        parts.append(
            table_html(
                HEADERS,
                [_cells(f) for f in pair.figures],
                [VERDICT_CLASS.get(f.verdict, "") for f in pair.figures],
            )
        )
        missing = [f"baseline only: {x}" for x in pair.only_in_baseline]
        missing += [f"candidate only: {x}" for x in pair.only_in_candidate]
        if missing:
            parts += ["<p>Not compared:</p>", list_html(missing)]
    if scaling_charts:
        parts.append(section("", "Scaling curves, run by run"))
        parts += [figure_html(c) for c in scaling_charts]
    parts.append(section("", "How to read this") + f"<p>{esc(legend(comparison))}</p>")
    return page("mpbench compare", "mpbench compare", parts)


def _cells(f: FigureComparison) -> tuple[CellLike, ...]:
    """A figure's row: the two medians and the ratio sort by value, not by their text."""
    text = cells(f)
    return (
        *text[:3],
        Cell(text[3], f.baseline, "num"),
        Cell(text[4], f.candidate, "num"),
        Cell(text[5], f.ratio, "num"),
        *text[6:],
    )
