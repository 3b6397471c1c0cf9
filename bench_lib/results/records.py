"""The reading model: typed records of a validated result file, read once.

:func:`bench_lib.results.files.load` checks a file against the schema; these records are what
readers then use instead of reaching into its dicts: :class:`Run` (its benchmarks),
:class:`Benchmark` (who it is and its ``extra_info.mpbench`` block), :class:`Machine`
(``machine_info.mpbench``), :class:`RunLog` (the top-level ``mpbench`` block: how the run
went), and :func:`benchmark_key`, the one identity of a benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from bench_lib.results import per_op
from bench_lib.results.files import SCHEMA_KEY

T = TypeVar("T")

ParamsText = tuple[tuple[str, str], ...]  # (name, value as text), in the benchmark's order
BenchmarkKey = tuple[str, str, ParamsText]  # subject, case, params sorted by name


class ByIdentity:
    """What was made from a loaded result file, kept for that same object (``is``, not ==):
    a report reads one file in a dozen places, and each place then gets what the first made.
    Holds the few latest files (and so keeps their ids from being reused)."""

    KEEP = 8  # a compare or a matrix reads a handful of files at once

    def __init__(self) -> None:
        self._made: list[tuple[object, Any]] = []

    def get(self, data: object, make: Callable[[], T]) -> T:
        for held, value in self._made:
            if held is data:
                return value  # type: ignore[no-any-return]
        value = make()
        self._made = [(data, value), *self._made[: self.KEEP - 1]]
        return value


_RUNS = ByIdentity()


def params_text(params: Mapping[str, Any]) -> ParamsText:
    """A benchmark's parameters as text, in its order: strings as they are, the rest as JSON."""
    return tuple((str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in params.items())


def params_words(params: Mapping[str, Any]) -> str:
    """``channel=pipe size=64``: a benchmark's parameters as words, in its order."""
    return " ".join(f"{k}={v}" for k, v in params.items())


def benchmark_key(subject: str, case: str, params: Mapping[str, Any]) -> BenchmarkKey:
    """The identity of a benchmark across a run and across runs: the one key every reader uses
    (floors find their figure by it, scaling its N=1 point, a comparison its pairs)."""
    return subject, case, tuple(sorted(params_text(params)))


@dataclass(frozen=True)
class Machine:
    """``machine_info.mpbench``: what a run was measured on (docs/RESULTS.md has every field)."""

    machine_id: str  # "vm-2c-4df4a7d9": the results folder's name
    usable_cores: int  # affinity mask and cgroup quota, not os.cpu_count()
    python_implementation: str  # "CPython"
    python_version: str  # "3.11.7"
    gil_enabled: bool  # False on a free-threaded build running with the GIL off
    start_methods: tuple[str, ...]  # the multiprocessing start methods this Python has
    fields: Mapping[str, Any]  # the whole block, read-only, for the fields few readers want

    @classmethod  # a hand-made block (tests) may lack the Python fields: "?" then
    def of(cls, data: Mapping[str, Any]) -> Machine:
        m = data["machine_info"][SCHEMA_KEY]
        return cls(
            machine_id=str(m["machine_id"]),
            usable_cores=int(m["usable_cores"]),
            python_implementation=str(m.get("python_implementation", "?")),
            python_version=str(m.get("python_version", "?")),
            gil_enabled=bool(m.get("gil_enabled", True)),
            start_methods=tuple(m.get("start_methods") or ()),
            fields=MappingProxyType(m),
        )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class RunLog:
    """The top-level ``mpbench`` block: how the run went (docs/RESULTS.md has every field)."""

    profile: str  # "quick", "standard", ...
    label: str  # the --label the run was given
    started_utc: str  # ISO 8601
    partial: bool  # interrupted, or with failures: the figures present are still valid
    failures: tuple[Mapping[str, Any], ...]  # {"test", "reason"}
    skipped: tuple[Mapping[str, Any], ...]  # {"test", "reason"}
    concurrent_runs: tuple[Mapping[str, Any], ...]  # other mpbench runs seen: {"pid", "what"}
    load_average_1m: float | None  # as the run started
    busy_cores: float | None  # sampled as the run started; None in files from before it was
    gil: Mapping[str, Any] | None  # the GIL checks; unchecked by the schema (older files lack it)
    fields: Mapping[str, Any]  # the whole block, read-only, for the fields few readers want

    @classmethod  # a hand-made block (tests) may lack fields: the defaults below then
    def of(cls, data: Mapping[str, Any]) -> RunLog:
        m = data[SCHEMA_KEY]
        gil = m.get("gil")
        return cls(
            profile=str(m.get("profile", "?")),
            label=str(m.get("label", "run")),
            started_utc=str(m.get("started_utc", "?")),
            partial=bool(m.get("partial")),
            failures=tuple(m.get("failures") or ()),
            skipped=tuple(m.get("skipped") or ()),
            concurrent_runs=tuple(m.get("concurrent_runs") or ()),
            load_average_1m=_number(m.get("load_average_1m")),
            busy_cores=_number(m.get("busy_cores")),
            gil=MappingProxyType(gil) if isinstance(gil, dict) else None,
            fields=MappingProxyType(m),
        )


@dataclass(frozen=True)
class FigureRecord:
    """One saved figure of a benchmark: its median and 95% interval (docs/RESULTS.md)."""

    name: str  # "round", "per message", ...
    unit: str  # "s", "msg/s", ...
    kind: str  # "time" (lower is better) or "rate" (higher is better)
    median: float
    ci_low: float | None  # None when too few rounds for an interval
    ci_high: float | None
    n: int | None  # the rounds behind it; None when the file does not say
    per_round: float | None  # the work one round did, which the figure divides by; as saved
    fields: Mapping[str, Any]  # the whole figure, read-only

    @classmethod
    def of(cls, figure: Mapping[str, Any]) -> FigureRecord:
        n = figure.get("n")
        return cls(
            name=str(figure["name"]),
            unit=str(figure.get("unit", "")),
            kind=str(figure.get("kind", "time")),
            median=float(figure["median"]),
            ci_low=_number(figure.get("ci_low")),
            ci_high=_number(figure.get("ci_high")),
            n=n if isinstance(n, int) and not isinstance(n, bool) else None,
            per_round=_number(figure.get("per_round")),
            fields=MappingProxyType(figure),
        )

    @property
    def work(self) -> float:
        """What one round's time is divided by: ``per_round``, or 1 (the whole round)."""
        return self.per_round or 1.0


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of a run: who it is and its ``extra_info.mpbench`` block, as written."""

    name: str  # pytest's id: "test_stream[channel=pipe-size=64]"
    subject: str
    case: str
    params: Mapping[str, Any]  # in the benchmark's order
    key: BenchmarkKey  # benchmark_key(subject, case, params)
    block: Mapping[str, Any]  # figures, metrics, floor, cpu, noise, info (docs/RESULTS.md)
    round_times_s: tuple[float, ...] = ()  # every measured round's seconds, in order (per_op)
    figures: tuple[FigureRecord, ...] = ()  # the headline first

    @property
    def flags(self) -> tuple[Mapping[str, Any], ...]:
        """The noise flags the run raised on this benchmark (code and message)."""
        return tuple((self.block.get("noise") or {}).get("flags") or ())

    @property
    def noise_flags(self) -> tuple[str, ...]:
        """The codes of the noise flags the run raised on this benchmark."""
        return tuple(f["code"] for f in self.flags)

    def flagged(self, code: str) -> bool:
        """The run raised the noise flag ``code`` on this benchmark ("impossible", ...)."""
        return code in self.noise_flags

    @property
    def label(self) -> str:
        """``ipc stream channel=pipe size=64``: how a sentence names the benchmark."""
        return f"{self.subject} {self.case} {params_words(self.params)}".strip()


@dataclass(frozen=True)
class Run:
    """A result file's benchmarks, read once (the file is validated first; its machine:
    :meth:`Machine.of`)."""

    benchmarks: tuple[Benchmark, ...]  # every benchmark, in the file's order

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Run:
        """The records of ``data``, parsed the first time this object is read."""
        return _RUNS.get(data, lambda: cls._parse(data))

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> Run:
        benchmarks = []
        for bench in data["benchmarks"]:
            m = bench["extra_info"][SCHEMA_KEY]
            key = benchmark_key(m["subject"], m["case"], m["params"])
            rounds = tuple(per_op.round_times_s(bench))  # whole rounds, from per-op stats
            figures = tuple(map(FigureRecord.of, m.get("figures") or ()))
            benchmarks.append(
                Benchmark(
                    bench["name"], m["subject"], m["case"], m["params"], key, m, rounds, figures
                )
            )
        return cls(tuple(benchmarks))

    def first(self) -> tuple[Benchmark, ...]:
        """Each benchmark once: a later one with the same key (an edited file) is skipped."""
        seen: set[BenchmarkKey] = set()
        out = []
        for b in self.benchmarks:
            if b.key not in seen:
                seen.add(b.key)
                out.append(b)
        return tuple(out)
