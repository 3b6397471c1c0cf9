"""The work a pool round does: fixed jobs, their serial answer, and the check of every round.

Work is declared, never calibrated (docs/design.md, principle 14): a task is a fixed number of
:func:`bench_lib.workers.workloads.spin` steps, so two runs, or two machines, do the same work and
their figures compare per unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench_lib.workers import workloads

Job = tuple[int, int]  # (seed, iterations) of workloads.spin
NOMINAL_ITERATIONS_PER_MS = 10_000  # spin steps in a millisecond on the reference 2-core VM
# (CPython 3.11); task sizes are declared in these fixed steps, so every run does the same work


def jobs_for(tasks: int, iterations: int) -> list[Job]:
    """``tasks`` jobs with distinct seeds, so a result swapped between tasks is caught."""
    return [(seed, iterations) for seed in range(1, tasks + 1)]


def serial_results(jobs: Sequence[Job]) -> list[int]:
    return [workloads.spin(s, n) for s, n in jobs]


def iterations_for_ms(task_ms: float) -> int:
    """The fixed spin steps of a task declared as ``task_ms`` nominal milliseconds."""
    if task_ms <= 0:
        raise ValueError(f"task time must be positive, got {task_ms}")
    return max(1, round(task_ms * NOMINAL_ITERATIONS_PER_MS))


@dataclass
class Verifier:
    """Checks each round's results against the expected ones (off the clock, in teardown)."""

    expected: list[int]
    rounds: int = 0
    bad_rounds: int = 0
    last: list[int] = field(default_factory=list)
    first_problem: str = ""

    def run(self, call: Callable[[], list[int]]) -> Callable[[], None]:
        """The measured target: ``call()`` and keep its results for :meth:`verify`."""

        def target() -> None:
            self.last = call()

        return target

    def verify(self, *_: Any) -> None:
        self.rounds += 1
        if self.last != self.expected:
            self.bad_rounds += 1
            if not self.first_problem:
                wrong = sum(1 for a, b in zip(self.last, self.expected) if a != b)
                self.first_problem = (
                    f"{len(self.last)} results for {len(self.expected)} tasks, {wrong} wrong"
                )
        self.last = []

    @property
    def ok(self) -> bool:
        return self.rounds > 0 and self.bad_rounds == 0
