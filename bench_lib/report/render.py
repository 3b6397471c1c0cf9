"""``mpbench report``: one self-contained folder per run: index.html, summary.md, charts/.

The page opens offline (no scripts, no network), and every string that comes from
a result file is escaped. Subjects the run did not measure are said, not broken. A chart
that the file's values cannot draw (an axis past the float range) is named on the page
instead. The folder appears whole or not at all (:mod:`bench_lib.report_folder`).
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
from bench_lib.pages.html import CSS, esc, figure_html
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


def _table_html(rows: list[summary.Row]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in summary.HEADERS)
    body = []
    for row in rows:
        cells = summary.cells(row)
        tds = [f"<td>{esc(c)}</td>" for c in cells[:3]]
        tds += [f'<td class="num">{esc(c)}</td>' for c in cells[3:6]]
        tds += [f"<td>{esc(cells[6])}</td>", f'<td class="flag">{esc(cells[7])}</td>']
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


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
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>mpbench report: {esc(ctx.machine)}</title><style>{CSS}</style></head><body>",
        "<h1>mpbench report</h1>",
        '<div class="meta">',
    ]
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
            f'<a href="#{s.name}">{esc(s.title.split(":")[0])}</a>' for s in registry.subjects()
        )
        + "</nav>"
    )
    if advice:
        parts.append("<h2>What this run says</h2><ul>")
        parts += [f"<li>{esc(line)}</li>" for line in advice]
        parts.append("</ul>")
    for declared in registry.subjects():
        subject, title = declared.name, declared.title
        parts.append(f'<h2 id="{subject}">{esc(title)}</h2>')
        subject_rows = [r for r in rows if r.subject == subject]
        if not subject_rows:
            parts.append(
                f"<p>Not measured in this run (run <code>mpbench run --only {subject}"
                "</code> to add it).</p>"
            )
            continue
        parts += [figure_html(c) for c in drawn.get(subject, [])]
        parts.append(_table_html(subject_rows))
    problems = summary.problems(data) + (not_drawn or [])
    if problems:
        parts.append("<h2>Failures, skips and noise</h2><ul>")
        parts += [f"<li>{esc(p)}</li>" for p in problems]
        parts.append("</ul>")
    parts.append(
        "<h2>How to read this</h2><p>Each figure is the median of its measured rounds "
        "with a 95% interval from its blocks (Student's t over the blocks' log medians; "
        "the blocks are passes over the suite, spread over the run; one block: no "
        "interval). <i>vs floor</i> compares a figure with the "
        "cheapest thing it must do, measured in the same run. A red ring or a flag "
        "marks a noisy figure; the list above says why and what to do.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


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
