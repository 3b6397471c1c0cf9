"""``mpbench report A.json B.json``: one folder for several runs (e.g. a GIL and a free-threaded
build)::

    index.html              the cross-build page: sentences, the two-build GIL chart, what differs
    summary.md              the same for a terminal or README
    charts/gil_builds.png   threads and processes on every build, and each build's serial cost
    charts/gil_fourway.png  threads, processes, subinterpreters and free-threaded threads, each
                            from its own build (where three ways or more were measured)
    runs/<stem>/            each run's own report, exactly as ``mpbench report`` writes it

The folder appears whole or not at all (:mod:`bench_lib.pages.folder`); every string from a
result file is escaped. Pairwise verdicts are ``mpbench compare``'s and ``mpbench ab``'s job.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from bench_lib.charts.guard import guarded
from bench_lib.charts.style import Chart
from bench_lib.compare.match import RunInfo, machine_fields, mixing_warnings
from bench_lib.pages.folder import replacing
from bench_lib.pages.html import esc, figure_html, list_html, section, warn_html
from bench_lib.pages.skeleton import page
from bench_lib.report import builds_charts as charts_builds
from bench_lib.report import builds_fourway, builds_fourway_chart
from bench_lib.report import builds_gil as gil_builds
from bench_lib.report import render as report
from bench_lib.results.summary import md_escape

FOURWAY_HEADING = "Every way past the GIL"
RUNS = "runs"  # the per-run reports' folder inside the cross-build folder
MAX_STEM_CHARS = 150  # a default folder name of all stems stays well under NAME_MAX (255)


def default_dir(paths: list[Path], reports_root: Path) -> Path:
    """reports/<machine folder of the first>/<stem1>+<stem2>... (or <stem1>+N-more)."""
    stems = [p.stem for p in paths]
    name = "+".join(stems)
    if len(name) > MAX_STEM_CHARS:
        name = f"{stems[0]}+{len(stems) - 1}-more"
    return reports_root / paths[0].parent.name / name


def _run_folders(paths: list[Path]) -> list[str]:
    """A distinct folder name per run: its file's stem, numbered when two stems are equal."""
    names: list[str] = []
    for i, p in enumerate(paths):
        names.append(p.stem if p.stem not in names else f"{p.stem}-{i}")
    return names


def _differences(named: list[tuple[Path, dict[str, Any]]]) -> tuple[list[str], list[str]]:
    """'field: value1 | value2' for each fingerprint field that differs, and the warnings."""
    runs = tuple(RunInfo.of(str(p), d) for p, d in named)
    datas = [d for _, d in named]
    lines = [f"{m.name}: {' | '.join(m.values)}" for m in machine_fields(runs, datas) if m.differs]
    started = [f"{r.label} started {r.started_utc}" for r in runs]
    return [*lines, "; ".join(started)], mixing_warnings(runs, datas)


def render_markdown(
    builds: list[gil_builds.BuildGil],
    folders: list[str],
    chart_png: str | None,
    differences: list[str],
    warnings: list[str],
    fourway_png: str | None = None,
) -> str:
    lines = ["# mpbench: several runs side by side", ""]
    lines += [
        f"- [{md_escape(b.title)}]({RUNS}/{f}/index.html): `{md_escape(b.path)}`"
        for b, f in zip(builds, folders)
    ]
    said = gil_builds.sentences(builds)
    lines += ["", "## Threads and processes on each build", ""]
    lines += [f"- {md_escape(s)}" for s in said] or ["- no run measured the gil subject"]
    if chart_png:
        lines += ["", f"![threads and processes on each build]({chart_png})"]
    ways = builds_fourway.sentences(builds)
    if ways:
        lines += ["", f"## {FOURWAY_HEADING}", ""] + [f"- {md_escape(s)}" for s in ways]
        if fourway_png:
            lines += ["", f"![{FOURWAY_HEADING}]({fourway_png})"]
    lines += ["", "## What differs between the runs", ""]
    lines += [f"- {md_escape(d)}" for d in differences]
    lines += [f"- warning: {md_escape(w)}" for w in warnings]
    return "\n".join(lines) + "\n"


def render_html(
    builds: list[gil_builds.BuildGil],
    folders: list[str],
    chart: Chart | None,
    differences: list[str],
    warnings: list[str],
    fourway: Any = None,
) -> str:
    parts = [section("", "Runs"), "<ul>"]
    parts += [
        f'<li><a href="{RUNS}/{esc(f)}/index.html">{esc(b.title)}</a>: <code>{esc(b.path)}</code>'
        f" ({esc(b.machine_id)}, profile {esc(b.profile)})</li>"
        for b, f in zip(builds, folders)
    ]
    parts += ["</ul>", section("", "Threads and processes on each build")]
    said = gil_builds.sentences(builds)
    if said:
        parts.append(list_html(said))
    else:
        parts.append("<p>No run measured the gil subject (<code>mpbench run --only gil</code>)</p>")
    if chart is not None:
        parts.append(figure_html(chart))
    ways = builds_fourway.sentences(builds)
    if ways:
        parts += [section("", FOURWAY_HEADING), list_html(ways)]
        if fourway is not None:
            parts.append(figure_html(fourway))
    parts += [section("", "What differs between the runs"), list_html(differences)]
    parts.append(warn_html("Warnings", warnings))
    parts.append(
        section("", "How to read this") + "<p>Each speedup is measured within its own run (the "
        "same work on one serial thread, then on N workers), so it compares across builds; the "
        "serial times compare only between runs on one machine in the same minutes. For "
        "verdicts figure by figure use <code>mpbench compare A.json B.json -o DIR</code>; for "
        "two interpreters on one machine, <code>mpbench ab PYTHON_A PYTHON_B</code> runs them "
        "at once, taking turns round by round, so that drift and the machine's speed states hit "
        "both.</p>"
    )
    return page("mpbench: several runs", "mpbench: several runs side by side", parts)


def write_builds_report(named: list[tuple[Path, dict[str, Any]]], out_dir: Path) -> Path:
    """Write the cross-build folder ``out_dir`` (each run's report inside); returns index.html."""
    paths = [p for p, _ in named]
    folders = _run_folders(paths)
    builds = [gil_builds.of(str(p), d) for p, d in named]
    differences, warnings = _differences(named)
    with replacing(out_dir) as work:
        for (_, data), folder in zip(named, folders):
            report.write_report(data, work / RUNS / folder)
        chart, problem = guarded(
            "the cross-build GIL chart", partial(charts_builds.cross_build, builds, work)
        )
        warnings += [problem] if problem else []
        ways, problem = guarded(
            "the four-way GIL chart", partial(builds_fourway_chart.fourway, builds, work)
        )
        warnings += [problem] if problem else []
        png = chart.png if chart else None
        text = render_markdown(
            builds, folders, png, differences, warnings, ways.png if ways else None
        )
        (work / "summary.md").write_text(text, encoding="utf-8")
        page = render_html(builds, folders, chart, differences, warnings, ways)
        (work / "index.html").write_text(page, encoding="utf-8")
    return out_dir / "index.html"
