"""The matrix report folder (``mpbench matrix FILES... -o DIR``)::

    index.html                      runs, both tables, the GIL sentences, the charts (offline)
    summary.md                      the same in Markdown
    charts/matrix_subjects.png      each subject against the baseline, per run
    charts/matrix_headlines.png     the headline figures, per run
    charts/gil_builds.png           threads and processes on every build (report.builds_charts)

The folder appears whole or not at all; every string from a result file is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from bench_lib.charts.guard import guarded
from bench_lib.charts.style import Chart
from bench_lib.pages.folder import replacing
from bench_lib.pages.html import esc, figure_html, list_html, section, table_html, warn_html
from bench_lib.pages.skeleton import page
from bench_lib.report import builds_charts as charts_builds
from bench_lib.report import builds_gil as gil_builds
from bench_lib.report import matrix_charts as charts_matrix
from bench_lib.report import matrix_text
from bench_lib.report.matrix import Matrix


def render_html(matrix: Matrix, sentences: list[str], charts: list[Chart]) -> str:
    by_stem = {c.stem: c for c in charts}
    head = matrix_text.headers(matrix)
    parts = [f'<p class="meta">Baseline: {esc(matrix_text.baseline_words(matrix))}</p><ul>']
    parts += [
        f"<li>{esc(r.label)}: <code>{esc(r.path)}</code> (profile {esc(r.profile)}, "
        f"{'GIL off' if r.gil_off else 'GIL on'})</li>"
        for r in matrix.runs
    ]
    parts.append("</ul>" + section("", "Per subject, against the baseline"))
    parts.append(
        "<p>Geometric mean speed over the subject's benchmarks, with a 95% interval from each "
        "benchmark's blocks (as <code>mpbench compare</code> computes it); above 1 is faster."
        "</p>"
    )
    parts.append(table_html(head, matrix_text.subject_rows(matrix)))
    if "matrix_subjects" in by_stem:
        parts.append(figure_html(by_stem["matrix_subjects"]))
    parts.append(section("", "Headline figures"))
    parts.append(table_html(head, matrix_text.headline_rows(matrix)))
    if "matrix_headlines" in by_stem:
        parts.append(figure_html(by_stem["matrix_headlines"]))
    if sentences or "gil_builds" in by_stem:
        parts += [section("", "The GIL on each build"), list_html(sentences)]
        if "gil_builds" in by_stem:
            parts.append(figure_html(by_stem["gil_builds"]))
    parts.append(warn_html("Notes", matrix.notes))
    parts.append(section("", "Pairwise verdicts") + f"<p>{esc(matrix_text.AB_HINT)}</p>")
    return page("mpbench matrix", "mpbench matrix: several Pythons lined up", parts)


def write_matrix_report(matrix: Matrix, out_dir: Path) -> Path:
    """Write the folder ``out_dir``; returns its index.html. A chart the values cannot draw
    is left out and named in the notes."""
    with replacing(out_dir) as work:
        drawers: list[tuple[str, Callable[[], Chart | None]]] = [
            ("subjects chart", partial(charts_matrix.subjects_chart, matrix, work)),
            ("headlines chart", partial(charts_matrix.headlines_chart, matrix, work)),
            ("GIL chart", partial(charts_builds.cross_build, matrix.builds, work)),
        ]
        charts: list[Chart] = []
        problems: list[str] = []
        for label, draw in drawers:
            chart, problem = guarded(label, draw)
            charts += [chart] if chart else []
            problems += [problem] if problem else []
        matrix = replace(matrix, notes=(*matrix.notes, *problems))
        sentences = gil_builds.sentences(matrix.builds)
        text = matrix_text.markdown(matrix, sentences, [c.png for c in charts])
        (work / "summary.md").write_text(text, encoding="utf-8")
        (work / "index.html").write_text(render_html(matrix, sentences, charts), encoding="utf-8")
    return out_dir / "index.html"
