"""Several Pythons lined up (``mpbench matrix``): per subject against a baseline, and headlines.

Each run is one interpreter (3.9 ... 3.13, 3.13t). Against the baseline run (the oldest
Python unless chosen) every other run gets, per subject, the geometric mean speed over its
benchmarks with a 95% interval: exactly :class:`bench_lib.compare.SubjectSummary`, from a
two-run :func:`bench_lib.compare.build` per run (no statistics of its own). Beside that, the
headline figures of each run as measured (median and interval). Pure: reads loaded dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench_lib.compare import pairs as compare
from bench_lib.report import builds_gil as gil_builds
from bench_lib.report.builds_gil import Estimate
from bench_lib.results.records import Benchmark, Machine, Run, RunLog


class BaselineError(ValueError):
    """--baseline names no run, or more than one."""


@dataclass(frozen=True)
class Headline:
    """A figure every reader of a cross-Python table asks for, found by subject/case/params."""

    name: str  # in words, with the size or method: "Queue, 64 B messages"
    subject: str
    case: str
    params: tuple[tuple[str, Any], ...]  # every one must match (others are free)
    figure: str  # the figure's name in the file


HEADLINES = (
    Headline("process start, fork", "spawn", "process_start", (("start", "fork"),), "start+join"),
    Headline("process start, spawn", "spawn", "process_start", (("start", "spawn"),), "start+join"),
    Headline("thread start", "spawn", "thread_start", (), "start+join"),
    Headline(
        "Queue, 64 B messages (two cores)",
        "ipc",
        "stream",
        (("channel", "queue"), ("size", 64), ("placement", "cross_core")),
        "messages",
    ),
    Headline(
        "Pool.apply_async, per task",
        "pool",
        "task_overhead",
        (("api", "apply_async"), ("pool", "process")),
        "per task",
    ),
    Headline("one thread, CPU work per spin step", "gil", "cpu_serial", (), "per spin step"),
)
SPEEDUP_UNIT = "x"


@dataclass(frozen=True)
class MatrixRun:
    path: str
    label: str  # "3.11.7", "3.13.5t": unique within the matrix
    version: tuple[int, ...]  # (3, 11, 7), for "the oldest"
    free_threaded_build: bool
    gil_off: bool
    profile: str
    run_label: str  # the label the run was saved with


@dataclass(frozen=True)
class SubjectCell:
    speed: float | None  # geometric mean speed against the baseline (> 1: faster)
    ci: tuple[float, float] | None  # 95%
    benchmarks: int  # how many benchmarks went into it


@dataclass(frozen=True)
class HeadlineRow:
    name: str
    unit: str  # of the values ("s", "msg/s", or "x" for a speedup)
    values: tuple[Estimate | None, ...]  # per run; None: not measured in that run


@dataclass(frozen=True)
class Matrix:
    runs: tuple[MatrixRun, ...]
    baseline: int  # index into runs
    subjects: tuple[tuple[str, tuple[SubjectCell | None, ...]], ...]  # per subject, per run
    headlines: tuple[HeadlineRow, ...]
    builds: tuple[gil_builds.BuildGil, ...]  # per run, for the GIL chart and sentences
    notes: tuple[str, ...]  # runs that share nothing with the baseline, mixing warnings


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def describe(named: Sequence[tuple[str, dict[str, Any]]]) -> list[MatrixRun]:
    """One :class:`MatrixRun` per file, oldest Python first (a standard build before a
    free-threaded one, else in the order given); equal labels get the saved label and a number."""
    runs = []
    for path, data in named:
        machine, log = Machine.of(data), RunLog.of(data)
        build = gil_builds.of(path, {**data, "benchmarks": []})
        gil_on_anyway = build.free_threaded_build and not build.gil_off
        runs.append(
            MatrixRun(
                path=path,
                label=f"{build.label} (GIL on)" if gil_on_anyway else build.label,
                version=_version(machine.python_version),
                free_threaded_build=build.free_threaded_build,
                gil_off=build.gil_off,
                profile=log.profile,
                run_label=log.label,
            )
        )
    runs.sort(key=_age)
    return _distinct(runs)


def _age(run: MatrixRun) -> tuple[tuple[int, ...], bool]:
    return run.version, run.free_threaded_build


def _distinct(runs: list[MatrixRun]) -> list[MatrixRun]:
    labels = [r.label for r in runs]
    return [
        r if labels.count(r.label) == 1 else _relabel(r, f"{r.label} [{r.run_label} #{i + 1}]")
        for i, r in enumerate(runs)
    ]


def _relabel(run: MatrixRun, label: str) -> MatrixRun:
    return replace(run, label=label)


def pick_baseline(runs: Sequence[MatrixRun], wanted: str | None) -> int:
    """The oldest Python (a standard build before a free-threaded one), or the run ``wanted``
    names: its label, its minor version ("3.11", "3.13t"), its file path or file stem."""
    if wanted is None:
        return min(range(len(runs)), key=lambda i: _age(runs[i]))
    hits = [i for i, r in enumerate(runs) if wanted in _names(r)]
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(r.label for r in runs)
    if not hits:
        raise BaselineError(f"--baseline {wanted!r} names no run; the runs are: {known}")
    raise BaselineError(
        f"--baseline {wanted!r} names {len(hits)} runs ({', '.join(runs[i].label for i in hits)});"
        " give a full label or the file's path"
    )


def _names(run: MatrixRun) -> set[str]:
    minor = ".".join(str(v) for v in run.version[:2]) + ("t" if run.free_threaded_build else "")
    stem = run.path.rsplit("/", 1)[-1].removesuffix(".json")
    return {run.label, minor, run.path, stem}


def _matches(bench: Benchmark, spec: Headline) -> bool:
    return (
        bench.subject == spec.subject
        and bench.case == spec.case
        and all(bench.params.get(k) == v for k, v in spec.params)
    )


def headline_value(data: dict[str, Any], spec: Headline) -> tuple[Estimate | None, str]:
    """The first benchmark matching ``spec``: its figure's median and interval, and the unit."""
    for bench in Run.of(data).benchmarks:
        if not _matches(bench, spec):
            continue
        for fig in bench.figures:
            if fig.name == spec.figure:
                return gil_builds.fig_estimate(fig), fig.unit
    return None, ""


def _headlines(
    datas: Sequence[dict[str, Any]], builds: Sequence[gil_builds.BuildGil]
) -> list[HeadlineRow]:
    rows = []
    for spec in HEADLINES:
        found = [headline_value(d, spec) for d in datas]
        unit = next((u for _, u in found if u), "")
        rows.append(HeadlineRow(spec.name, unit, tuple(v for v, _ in found)))
    cores = next((b.usable_cores for b in builds if b.speedups), 0)
    for mode, words in (("thread", "threads"), ("process", "processes")):
        values = []
        for b in builds:
            point = b.speedup_at(mode, cores)
            values.append(point.speedup if point else None)
        rows.append(HeadlineRow(f"gil: {cores} {words}' speedup", SPEEDUP_UNIT, tuple(values)))
    return [r for r in rows if any(v is not None for v in r.values)]  # no run measured the rest


def build(named: Sequence[tuple[str, dict[str, Any]]], baseline: str | None = None) -> Matrix:
    """Line the runs up. Raises :class:`BaselineError` for a --baseline that names no single
    run and ValueError for fewer than two runs."""
    if len(named) < 2:
        raise ValueError("a matrix needs at least two result files")
    runs = describe(named)
    by_path = {path: (path, data) for path, data in named}
    named = [by_path[r.path] for r in runs]  # in the runs' order
    base = pick_baseline(runs, baseline)
    notes: list[str] = []
    per_run: list[dict[str, compare.SubjectSummary]] = []
    for i, (path, data) in enumerate(named):
        if i == base:
            per_run.append({})
            continue
        try:
            comparison = compare.build([named[base], (path, data)])
        except compare.NothingInCommonError:
            notes.append(
                f"{runs[i].label} shares no benchmark with the baseline {runs[base].label} "
                "(different --only or profile): no subject column for it"
            )
            per_run.append({})
            continue
        per_run.append({s.subject: s for s in comparison.pairs[0].subjects})
        notes += [
            f"{runs[i].label}: {w.replace('(listed below)', '(mpbench compare lists them)')}"
            for w in comparison.warnings
        ]
    measured = (b.subject for b in Run.of(named[base][1]).benchmarks)
    subjects = list(dict.fromkeys([*measured, *(s for table in per_run for s in table)]))
    cells = []
    for subject in subjects:
        row: list[SubjectCell | None] = []
        for i, table in enumerate(per_run):
            s = table.get(subject)
            if i == base:
                row.append(SubjectCell(1.0, (1.0, 1.0), 0))
            else:
                row.append(SubjectCell(s.geomean_speed, s.geomean_ci, s.figures) if s else None)
        cells.append((subject, tuple(row)))
    builds = tuple(gil_builds.of(path, data) for path, data in named)
    return Matrix(
        runs=tuple(runs),
        baseline=base,
        subjects=tuple(cells),
        headlines=tuple(_headlines([d for _, d in named], builds)),
        builds=builds,
        notes=tuple(dict.fromkeys(notes)),
    )
