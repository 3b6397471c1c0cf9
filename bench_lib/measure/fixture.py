"""The ``mpbench_measure`` pytest fixture: the same measurement inside the user's own tests.

::

    def test_crunch(mpbench_measure):
        summary = mpbench_measure(crunch, [(200_000,)] * 8, budget_s=20)
        assert summary.recommendation == "processes"

It measures exactly what ``mpbench measure`` does (:func:`bench_lib.measure.session.measure`)
and leaves one pytest-benchmark entry: its ``stats`` are seconds per call of the serial rounds
(the function's own cost, comparable run to run), its ``group`` is ``mpbench_measure``, and
``extra_info["mpbench_measure"]`` holds the whole summary, every way's speedup and interval and
the recommendation, as ``--json`` writes it. Under ``--benchmark-disable`` the function runs
once serially (its results are still checked) and nothing is timed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import pytest

from bench_lib.engine.bench import Figure, record_rounds
from bench_lib.measure import session
from bench_lib.measure.records import Summary
from bench_lib.measure.target import Target, TargetError, UserCodeError, checked_args

MEASURE_KEY = "mpbench_measure"  # the extra_info key of the fixture's entries
GROUP = "mpbench_measure"


class Measure(Protocol):
    def __call__(
        self,
        fn: Callable[..., Any],
        args: Sequence[tuple[Any, ...]],
        *,
        budget_s: float = ...,
        start_methods: Sequence[str] | None = ...,
        workers: Sequence[int] | None = ...,
        chunksize: int | None = ...,
    ) -> Summary: ...


def _serial_per_call_s(summary: Summary) -> list[float]:
    """Every serial round's time per call; the probe's when no way was measured."""
    rounds = [t for w in summary.ways for block in w.serial_rounds_s for t in block]
    if not rounds:
        return [summary.serial_per_call_s]
    return [t / summary.calls for t in rounds]


@pytest.fixture
def mpbench_measure(benchmark: Any) -> Measure:
    """Measure a function over argument tuples every way; returns the :class:`Summary`."""

    def run(
        fn: Callable[..., Any],
        args: Sequence[tuple[Any, ...]],
        *,
        budget_s: float = session.DEFAULT_BUDGET_S,
        start_methods: Sequence[str] | None = None,
        workers: Sequence[int] | None = None,
        chunksize: int | None = None,
    ) -> Summary:
        name = f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"
        try:
            target = Target(fn, checked_args(list(args), "the arguments"), name, "the arguments")
            budget = 0.0 if benchmark.disabled else budget_s
            summary = session.measure(target, budget, start_methods, workers, chunksize)
        except TargetError as exc:
            pytest.fail(f"mpbench_measure: {exc}", pytrace=False)
        except UserCodeError as exc:
            pytest.fail(exc.text, pytrace=False)
        # per call already: one call is the operation, and the group goes in with the rounds
        per_call = Figure("call", "s", "time", 1.0)
        record_rounds(benchmark, _serial_per_call_s(summary), per_call, benchmark.group or GROUP)
        benchmark.extra_info[MEASURE_KEY] = summary.as_dict()
        if summary.failed:
            wrong = [f"{w.way.id}: {w.detail}" for w in summary.ways if w.status != "ok"]
            pytest.fail("\n".join([*summary.tracebacks, *wrong]), pytrace=False)
        return summary

    return run
