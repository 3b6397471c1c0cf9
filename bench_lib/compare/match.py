"""What a comparison matches and describes: figures of a run, the runs, their machines.

A figure is keyed by subject + case + parameters + (source, figure name). Round figures are
recomputed per round from ``stats.data`` with the figure's kind and ``per_round`` (exactly as
:meth:`bench_lib.engine.figures.Figure.of`), so every comparison starts from the raw rounds. Metrics
(``extra_info.mpbench.metrics``, and ``derived`` where a subject stores one) come along with
their per-round ``samples`` when they have them, else as one stored value.

A figure with more than MAX_ROUNDS_COMPARED rounds is compared on a seeded random subsample of
that many (the same file always gives the same subsample); the comparison says so.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from bench_lib.compare.fields import MachineField as MachineField  # re-exported for pairs
from bench_lib.compare.fields import build_fields
from bench_lib.results.records import (
    Benchmark,
    BenchmarkKey,
    FigureRecord,
    Machine,
    Run,
    RunLog,
    benchmark_key,
    params_text,
)
from bench_lib.stats.descriptive import median
from bench_lib.stats.replicates import blocks_of
from bench_lib.units import format_value

BUSY_LOAD_PER_CORE = 0.5  # load average above half a task per usable core when a run started:
# other work competed with the benchmarks, so that run's figures are suspect (files without
# a sampled busy_cores; the load average lags a minute behind an earlier run that just ended)
BUSY_CORES_AT_START = 0.3  # other processes kept a third of a core busy as the run started
MAX_ROUNDS_COMPARED = 2000  # twice the full profile's most rounds (1000): real runs never hit
# it. A hostile file of 300k rounds would make every median and chart sort them all; the
# blocks (their medians and round pairs) are still taken from every round
SUBSAMPLE_SEED = 20240229  # pragma: no mutate (any seed: only its being fixed matters)
METRIC_BLOCKS = ("metrics", "derived")  # extra_info.mpbench blocks holding {name: {value, unit}}

Key = tuple[BenchmarkKey, str, str]  # the benchmark, round or metric, the figure's name


@dataclass(frozen=True)
class Entry:
    """One comparable figure of one run."""

    subject: str
    case: str
    params: tuple[tuple[str, str], ...]  # (name, value as text), in the benchmark's order
    figure: str
    unit: str
    source: str  # "round", "metric samples" or "metric"
    higher_is_better: bool | None
    samples: list[float]  # per-round values; empty for a single stored value
    value: float | None  # the stored value (metrics without samples), else None
    noisy: bool  # the benchmark carries a noise flag
    work: tuple[float, ...] = ()  # per_round of each figure of the benchmark: the work in a round
    per_round: float = 1.0  # this figure's: 1 = the whole round's time, else normalised per op
    rounds_total: int = 0  # rounds in the file; more than len(samples) when subsampled
    block_medians: tuple[float, ...] = ()  # the median of each block (independent replicate)
    block_values: tuple[tuple[float, ...], ...] = ()  # each block's values, in round order
    block_runs: tuple[int, ...] = ()  # the run of `mpbench ab` each block came from; () unknown
    flags: str = ""  # the noise flag codes, joined by commas (what a chart's ring marks)

    @property
    def key(self) -> Key:
        kind = "round" if self.source == "round" else "metric"
        return benchmark_key(self.subject, self.case, dict(self.params)), kind, self.figure

    @property
    def label(self) -> str:
        params = " ".join(f"{k}={v}" for k, v in self.params)
        return (
            f"{self.subject} {self.case} {params}".replace("  ", " ").strip() + f": {self.figure}"
        )


def figure_values(figure: FigureRecord, round_times_s: list[float]) -> list[float]:
    """Per-round values of a figure, as :meth:`bench_lib.engine.figures.Figure.of` computes them."""
    per_round = figure.work
    if figure.kind == "rate":
        return [per_round / t if t > 0 else math.inf for t in round_times_s]
    return [t / per_round for t in round_times_s]


def metric_direction(metric: dict[str, Any]) -> bool | None:
    """Higher is better? Explicit ``higher_is_better`` wins; else a time is lower-better and a
    rate higher-better; anything else (cores, counts, bytes) has no known direction."""
    explicit = metric.get("higher_is_better")
    if isinstance(explicit, bool):
        return explicit
    unit = str(metric.get("unit", ""))
    if unit == "s":
        return False
    if unit.endswith("/s"):
        return True
    return None


def capped(samples: list[float], cap: int = MAX_ROUNDS_COMPARED) -> list[float]:
    """At most ``cap`` samples: a seeded random subsample (in round order) when there are more."""
    if len(samples) <= cap:
        return samples
    keep = sorted(random.Random(SUBSAMPLE_SEED).sample(range(len(samples)), cap))
    return [samples[i] for i in keep]


def _finite(values: Any) -> list[float]:
    if not isinstance(values, list):
        return []
    out = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return out if len(out) == len(values) and all(math.isfinite(v) for v in out) else []


def _blocked(values: list[float], sizes: object) -> dict[str, Any]:
    blocks = blocks_of(values, sizes)
    return {
        "block_medians": tuple(median(b) for b in blocks),
        "block_values": tuple(tuple(b) for b in blocks),
    }


def _block_runs(info: dict[str, Any], sizes: object) -> tuple[int, ...]:
    runs = info.get("block_runs")
    if not isinstance(runs, list) or not isinstance(sizes, list) or len(runs) != len(sizes):
        return ()
    return tuple(r for r in runs if isinstance(r, int) and not isinstance(r, bool))


def _bench_entries(bench: Benchmark) -> list[Entry]:
    m = bench.block
    sizes = (m.get("info") or {}).get("block_rounds")
    common: dict[str, Any] = {
        "subject": bench.subject,
        "case": bench.case,
        "params": params_text(bench.params),
        "noisy": bool(bench.flags),
        "flags": ",".join(bench.noise_flags),
        "work": tuple(f.work for f in bench.figures),
        "block_runs": _block_runs(m.get("info") or {}, sizes),
    }
    rounds = list(bench.round_times_s)
    out = []
    for fig in bench.figures:
        values = [v for v in figure_values(fig, rounds) if math.isfinite(v)]
        out.append(
            Entry(
                figure=fig.name,
                unit=fig.unit,
                source="round",
                per_round=fig.work,
                higher_is_better=fig.kind == "rate",
                samples=capped(values),
                value=None,
                rounds_total=len(values),
                **_blocked(values, sizes),
                **common,
            )
        )
    for block in METRIC_BLOCKS:
        for name, metric in (m.get(block) or {}).items():
            if not isinstance(metric, dict):
                continue
            value = metric.get("value")
            samples = _finite(metric.get("samples"))
            if not samples and not _finite([value]):
                continue  # no number to compare (a metric recorded as missing, or not finite)
            out.append(
                Entry(
                    figure=str(name),
                    unit=str(metric.get("unit", "")),
                    source="metric samples" if samples else "metric",
                    higher_is_better=metric_direction(metric),
                    samples=capped(samples),
                    value=None if samples else float(value),  # type: ignore[arg-type]
                    rounds_total=len(samples),
                    **_blocked(samples, metric.get("block_samples", sizes)),
                    **common,
                )
            )
    return out


def entries(data: dict[str, Any]) -> dict[Key, Entry]:
    """Every comparable figure of a loaded result file, by key (the first wins on duplicates)."""
    table: dict[Key, Entry] = {}
    for bench in Run.of(data).benchmarks:
        for entry in _bench_entries(bench):
            table.setdefault(entry.key, entry)
    return table


@dataclass(frozen=True)
class RunInfo:
    """One result file, as the comparison names it."""

    path: str
    label: str
    machine_id: str
    cpu_model: str
    usable_cores: int
    python: str  # "CPython 3.11.7"
    gil_enabled: bool
    profile: str
    started_utc: str
    partial: bool
    load_average_1m: float | None
    busy_cores: float | None  # sampled at the start; None in files from before it was recorded

    @property
    def title(self) -> str:
        gil = "" if self.gil_enabled else ", no GIL"
        return f"{self.label} ({self.machine_id}, {self.python}{gil})"

    @classmethod
    def of(cls, path: str, data: dict[str, Any]) -> RunInfo:
        log = RunLog.of(data)
        fp = Machine.of(data).fields
        return cls(
            path=path,
            label=log.label,
            machine_id=str(fp.get("machine_id", "unknown")),
            cpu_model=str(fp.get("cpu_model", "unknown")),
            usable_cores=int(fp.get("usable_cores") or 0),
            python=f"{fp.get('python_implementation', 'Python')} {fp.get('python_version', '?')}",
            gil_enabled=bool(fp.get("gil_enabled", True)),
            profile=log.profile,
            started_utc=log.started_utc,
            partial=log.partial,
            load_average_1m=log.load_average_1m,
            busy_cores=log.busy_cores,
        )


_FIELDS = (  # (words, fingerprint key); shown in this order
    ("CPU", "cpu_model"),
    ("usable cores", "usable_cores"),
    ("logical cores", "logical_cores"),
    ("physical cores", "physical_cores"),
    ("cgroup quota (cores)", "cgroup_quota_cores"),
    ("memory", "memory_bytes"),
    ("OS", "os_release"),
    ("kernel", "kernel"),
    ("virtualisation", "virtualisation"),
    ("host", "hostname"),
)  # the Python build's rows: compare/fields.py


def _text(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "memory_bytes" and isinstance(value, (int, float)):
        return f"{value / 2**30:.1f} GiB"
    if key == "switch_interval_s" and isinstance(value, (int, float)):
        return format_value(float(value), "s")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def machine_fields(
    runs: tuple[RunInfo, ...], datas: list[dict[str, Any]]
) -> tuple[MachineField, ...]:
    out = [
        MachineField("profile", tuple(r.profile for r in runs), len({r.profile for r in runs}) > 1)
    ]
    for words, key in _FIELDS:
        values = tuple(_text(key, Machine.of(d).fields.get(key)) for d in datas)
        out.append(MachineField(words, values, len(set(values)) > 1))
    return (*out, *build_fields([Machine.of(d).fields for d in datas], _text))


def mixing_warnings(runs: tuple[RunInfo, ...], datas: list[dict[str, Any]]) -> list[str]:
    """What makes a difference hard to put on one cause, each with what to do about it."""
    out = []
    base = runs[0]
    for run in runs[1:]:
        if run.profile != base.profile:
            out.append(
                f"profiles differ ({base.profile} vs {run.profile} in {run.label}): rounds and "
                "grids differ; rerun both with the same --profile"
            )
        same_machine = (run.cpu_model, run.usable_cores) == (base.cpu_model, base.usable_cores)
        if run.python != base.python and not same_machine:
            out.append(
                f"{run.label} differs from {base.label} in both machine and Python "
                f"({base.python} vs {run.python}): a difference cannot be put on either; "
                "compare one change at a time"
            )
        if run.gil_enabled != base.gil_enabled:
            out.append(f"the GIL is enabled in one run only ({base.label} vs {run.label})")
        if (run.machine_id, run.started_utc) == (base.machine_id, base.started_utc):
            out.append(f"{run.path} looks like the same run as {base.path}")
    methods = [
        frozenset(Machine.of(d).start_methods) for d in datas
    ]  # 3.14 lists its default first
    if len(set(methods)) > 1:
        out.append("start methods available differ between runs: some figures exist in one only")
    for run in runs:
        if run.partial:
            out.append(f"{run.label} is a partial run (failures or interrupted): {run.path}")
        load = run.load_average_1m
        if run.busy_cores is not None:
            if run.busy_cores > BUSY_CORES_AT_START:
                out.append(
                    f"{run.label} started while other processes kept {run.busy_cores:.2f} of "
                    f"{run.usable_cores} cores busy: its figures are suspect; rerun when idle"
                )
        elif load is not None and load > BUSY_LOAD_PER_CORE * max(1, run.usable_cores):
            out.append(
                f"{run.label} started on a busy machine (load {load:.1f} on "
                f"{run.usable_cores} cores): its figures are suspect; rerun when idle"
            )
    return out
