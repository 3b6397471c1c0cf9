"""A result file as a pyperf benchmark suite, built with pyperf's own classes.

pyperf's model (pyperf/_bench.py): a ``Benchmark`` is named and holds ``Run``s, each the
values one fresh worker process measured, in seconds per loop iteration, with metadata. An
mpbench figure maps onto it one to one: a block is a fresh set of processes, so each block
becomes a run; its rounds, divided by the work a round did, are the values. A round is one
outer loop (``loops`` 1) of ``per_round`` operations (``inner_loops``, where that is a whole
number). The machine and Python come from the result file, never from the machine exporting it
(``collect_metadata=False``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bench_lib.printable import printable
from bench_lib.results import records
from bench_lib.results.rounds import FigureRounds, figure_rounds


class PyperfMissing(Exception):
    """pyperf is not installed."""


class NothingToExport(Exception):
    """No figure of the file can be a pyperf benchmark."""


def _text(value: Any) -> str | None:
    """A metadata string pyperf accepts: one line, not empty (control characters escaped)."""
    text = printable(str(value)).strip()
    return text or None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _date(started_utc: str) -> str | None:
    """pyperf's date format (``datetime.isoformat(' ')``, local naive), here in UTC."""
    try:
        when = datetime.fromisoformat(started_utc)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat(" ", "seconds")


def run_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """What every benchmark of the file shares: the machine, the Python, the run."""
    machine = records.Machine.of(data)
    log = records.RunLog.of(data)
    m = machine.fields
    found: dict[str, Any] = {
        "hostname": _text(m.get("hostname", "")),
        "cpu_model_name": _text(m.get("cpu_model", "")),
        "cpu_count": _number(m.get("logical_cores")),
        "platform": _text(f"{m.get('os_release', '')} (kernel {m.get('kernel', '?')})"),
        "python_implementation": _text(machine.python_implementation.lower()),
        "python_version": _text(machine.python_version),
        "python_executable": _text(m.get("python_executable", "")),
        "load_avg_1min": log.load_average_1m,
        "date": _date(log.started_utc),
        "mpbench_machine_id": _text(machine.machine_id),
        "mpbench_usable_cores": machine.usable_cores,
        "mpbench_gil_enabled": "yes" if machine.gil_enabled else "no",
        "mpbench_profile": _text(log.profile),
        "mpbench_label": _text(log.label),
        "mpbench_partial": "yes" if log.partial else "no",
    }
    return {k: v for k, v in found.items() if v is not None}


def figure_metadata(fr: FigureRounds) -> dict[str, Any]:
    """Which figure a pyperf benchmark is, and how its values relate to the figure."""
    work = fr.work
    found: dict[str, Any] = {
        "name": _text(fr.name),
        "unit": "second",  # of the values: seconds per operation, whatever the figure's unit
        "loops": 1,  # a value is one measured round ...
        "inner_loops": int(work) if float(work).is_integer() and work >= 1 else None,
        "mpbench_per_round": work,  # ... of this many operations
        "mpbench_subject": _text(fr.bench.subject),
        "mpbench_case": _text(fr.bench.case),
        "mpbench_params": _text(json.dumps(dict(fr.bench.params), default=str)),
        "mpbench_figure": _text(fr.figure.name),
        "mpbench_figure_unit": _text(fr.figure.unit),
        "mpbench_figure_kind": _text(fr.figure.kind),
        "mpbench_figure_median": fr.figure.median,
        "mpbench_noise_flags": _text(",".join(fr.bench.noise_flags)),
    }
    return {k: v for k, v in found.items() if v is not None}


def _left_out_because(fr: FigureRounds, taken: set[str]) -> str | None:
    if not fr.rounds:
        return "it has no measured rounds"
    if min(min(block) for block in fr.blocks_s) <= 0:
        return "a round took 0 s, and pyperf holds only values > 0 (the csv export keeps it)"
    if fr.name in taken:
        return "another benchmark of the file has this name (an edited file?); the first is kept"
    return None


def benchmark(pyperf: Any, fr: FigureRounds, shared: dict[str, Any]) -> Any:
    """One pyperf benchmark: one run per block."""
    metadata = {**shared, **figure_metadata(fr)}
    runs = [
        pyperf.Run(
            [fr.per_op_s(t) for t in block],
            metadata={**metadata, "duration": sum(block), "mpbench_block": number},
            collect_metadata=False,
        )
        for number, block in enumerate(fr.blocks_s, 1)
    ]
    return pyperf.Benchmark(runs)


def suite(data: dict[str, Any]) -> tuple[Any, list[str]]:
    """The file's figures as a ``pyperf.BenchmarkSuite``, and the figures left out, with why."""
    try:
        import pyperf
    except ImportError:
        raise PyperfMissing() from None
    shared = run_metadata(data)
    benchmarks, left_out = [], []
    taken: set[str] = set()
    for fr in figure_rounds(data):
        reason = _left_out_because(fr, taken)
        if reason is None:
            benchmarks.append(benchmark(pyperf, fr, shared))
            taken.add(fr.name)
        else:
            left_out.append(f"{printable(fr.name)}: {reason}")
    if not benchmarks:
        raise NothingToExport("the result file holds no figure with measured rounds to export")
    return pyperf.BenchmarkSuite(benchmarks), left_out
