"""``mpbench report``: one self-contained folder per run: index.html, summary.md, charts/.

The page (:mod:`bench_lib.pages.skeleton`) opens offline, runs only its own table-sorting
script, and every string that comes from a result file is escaped. Subjects the run did not
measure are said, not broken. A chart that the file's values cannot draw (an axis past the
float range) is named on the page instead. The folder appears whole or not at all
(:mod:`bench_lib.pages.folder`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from bench_lib import registry
from bench_lib.charts.guard import guarded
from bench_lib.charts.style import Chart, RunContext
from bench_lib.pages.folder import replacing
from bench_lib.pages.html import Cell, CellLike, esc, figure_html, list_html, section, table_html
from bench_lib.pages.skeleton import page
from bench_lib.report import recommend
from bench_lib.results import summary, tidy
from bench_lib.results.records import Machine, RunLog


def _libc(m: Mapping[str, Any]) -> str:
    return f", {m['libc']}" if m.get("libc") else ""  # absent in files before the build fields


def _jit(m: Mapping[str, Any]) -> str:
    return f", JIT {m['python_jit']}" if m.get("python_jit") not in (None, "none") else ""


def machine_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    machine, log = Machine.of(data), RunLog.of(data)
    m = machine.fields
    return [
        ("machine", f"{machine.machine_id} (host {m['hostname']})"),
        (
            "CPU",
            f"{m['cpu_model']}: {machine.usable_cores} usable of {m['logical_cores']} logical "
            f"cores, {m['memory_bytes'] / 2**30:.1f} GiB",
        ),
        ("OS", f"{m['os_release']}, kernel {m['kernel']}, {m['virtualisation']}{_libc(m)}"),
        (
            "Python",
            f"{machine.python_implementation} {machine.python_version}, GIL "
            f"{'on' if machine.gil_enabled else 'off'}, start methods "
            f"{', '.join(machine.start_methods)} (default {m['default_start_method']})"
            f"{_jit(m)}",
        ),
        (
            "run",
            f"profile {log.profile}, label {log.label}, "
            f"started {log.started_utc}, load {log.fields['load_average_1m']:.2f}",
        ),
    ]


def _figures_table(rows: list[summary.Row]) -> str:
    """The run's figures in the one table (:func:`bench_lib.pages.html.table_html`): median
    and interval sort by value, not by their text."""
    cells: list[tuple[CellLike, ...]] = []
    for row in rows:
        text = summary.cells(row)
        cells.append(
            (
                *text[:3],
                Cell(text[3], row.median, "num"),
                Cell(text[4], row.ci_low, "num"),
                Cell(text[5], row.rounds, "num"),
                text[6],
                Cell(text[7], None, "flag"),
            )
        )
    return table_html(summary.HEADERS, cells)


def draw_charts(
    data: dict[str, Any], out_dir: Path, frame: pd.DataFrame | None = None
) -> tuple[dict[str, list[Chart]], list[str]]:
    """Every chart the run supports, by subject, and a line for each one its values could not
    draw (the rest of the report does not depend on it). ``frame``: tidy.figures, if made."""
    frame = tidy.figures(data) if frame is None else frame
    if frame.empty:
        return {}, []
    ctx = RunContext.of(data)
    present = set(frame["subject"])
    drawn: dict[str, list[Chart]] = {}
    failed = []
    for declared in registry.subjects():
        subject = declared.name
        if subject not in present:
            continue
        drawn[subject] = []
        for fn in registry.charts(declared):
            label = f"{subject} chart {fn.__name__}"
            chart, problem = guarded(label, partial(fn, data, frame, out_dir, ctx))
            if chart is not None:
                drawn[subject].append(chart)
            if problem:
                failed.append(problem)
    return drawn, failed


def render_html(
    data: dict[str, Any],
    drawn: dict[str, list[Chart]],
    advice: list[str],
    not_drawn: list[str] | None = None,
) -> str:
    rows = summary.rows(data)
    ctx = RunContext.of(data)
    parts = ['<div class="meta">']
    parts += [f"<div><b>{esc(k)}</b>: {esc(v)}</div>" for k, v in machine_lines(data)]
    parts.append("</div>")
    if RunLog.of(data).partial:
        parts.append(
            '<p class="warn">Partial run: it was interrupted or some benchmarks failed. '
            "The figures shown are valid; the missing ones are listed below.</p>"
        )
    parts.append(
        "<nav>"
        + "".join(
            f'<a href="#{esc(s.name)}">{esc(s.title.split(":")[0])}</a>'
            for s in registry.subjects()
        )
        + "</nav>"
    )
    if advice:
        parts += [section("", "What this run says"), list_html(advice)]
    for declared in registry.subjects():
        parts.append(section(declared.name, declared.title))
        subject_rows = [r for r in rows if r.subject == declared.name]
        if not subject_rows:
            parts.append(
                f"<p>Not measured in this run (run <code>mpbench run --only "
                f"{esc(declared.name)}</code> to add it).</p>"
            )
            continue
        parts += [figure_html(c) for c in drawn.get(declared.name, [])]
        parts.append(_figures_table(subject_rows))
    problems = summary.problems(data) + (not_drawn or [])
    if problems:
        parts += [section("", "Failures, skips and noise"), list_html(problems)]
    parts.append(
        section("", "How to read this") + "<p>Each figure is the geometric mean of its blocks' "
        "medians, with a 95% interval from the blocks (Student's t over their log medians; the "
        "blocks are passes over the suite, spread over the run; with fewer than 3 blocks a "
        "figure has no interval and is flagged <i>few-blocks</i>). <i>vs floor</i> compares "
        "a figure with the cheapest thing it must do, measured in the same run. A ringed point "
        "in a chart is flagged for more than a wide interval (erratic rounds, a busy machine, "
        "stolen time, a changing clock); the flags column and the list above say which, and "
        "what to do. Click a column's header to sort its table.</p>"
    )
    return page(f"mpbench report: {ctx.machine}", "mpbench report", parts)


def render_markdown(
    data: dict[str, Any], advice: list[str], not_drawn: list[str] | None = None
) -> str:
    lines = ["# mpbench report", ""]
    lines += [f"- **{k}**: {summary.md_escape(v)}" for k, v in machine_lines(data)]
    if advice:
        lines += ["", "## What this run says", ""] + [f"- {summary.md_escape(a)}" for a in advice]
    lines += ["", "## Figures", "", summary.markdown_table(summary.rows(data))]
    problems = summary.problems(data) + (not_drawn or [])
    if problems:
        lines += ["", "## Failures, skips and noise", ""]
        lines += [f"- {summary.md_escape(p)}" for p in problems]
    return "\n".join(lines) + "\n"


def write_report(data: dict[str, Any], out_dir: Path) -> Path:
    """Write index.html, summary.md and charts/ as the folder ``out_dir``; returns index.html.

    Everything is written into a temporary sibling first and renamed into place at the end,
    so a failure leaves no half-written folder (an earlier report there stays as it was).
    """
    with replacing(out_dir) as work:
        frame = tidy.figures(data)  # once: the charts and the advice read the same table
        drawn, not_drawn = draw_charts(data, work, frame)
        advice, problem = guarded(
            "the advice (What this run says)", partial(recommend.recommendations, data, frame)
        )
        not_drawn += [problem] if problem else []
        advice = advice or []
        markdown = render_markdown(data, advice, not_drawn)
        (work / "summary.md").write_text(markdown, encoding="utf-8")
        page = render_html(data, drawn, advice, not_drawn)
        (work / "index.html").write_text(page, encoding="utf-8")
    return out_dir / "index.html"


def default_dir(result_path: Path, reports_root: Path) -> Path:
    """reports/<machine-id>/<result file stem>/"""
    return reports_root / result_path.parent.name / result_path.stem
