"""Four ways past the GIL on one chart: threads, processes, subinterpreters, free-threaded threads.

Each way is taken from the build where it is itself: threads with the GIL, processes and
subinterpreters from a GIL build (one that has subinterpreter points first: 3.14+), threads
with the GIL off from a free-threaded build. One run can hold three ways (3.14: threads,
processes, subinterpreters; 3.14t: free-threaded threads, processes, subinterpreters), two runs
all four (``mpbench report`` of a 3.14 and a 3.13t result). Each line keeps its own run's
interval and effective cores, and names its build; the speedups are each run's own (the same
work against one serial run on that build), so they compare across builds; times do not.
Pure: reads :class:`BuildGil` records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench_lib.report.builds_gil import BuildGil, Speedup, drawable

THREADS, PROCESSES, INTERPRETERS, FREE_THREADED = (
    "threads",
    "processes",
    "subinterpreters",
    "free-threaded threads",
)
WAYS = (THREADS, PROCESSES, INTERPRETERS, FREE_THREADED)  # in legend order
MODE_OF = {THREADS: "thread", PROCESSES: "process", INTERPRETERS: "interpreter"}
MIN_WAYS = 3  # fewer than this is the two-way chart the build page already has


@dataclass(frozen=True)
class Way:
    """One line of the four-way chart: a kind of worker on one build."""

    name: str  # one of WAYS
    build: BuildGil  # the run it comes from (its label and GIL state name the line)
    points: tuple[Speedup, ...]  # by worker count, impossible ones left out

    @property
    def label(self) -> str:
        return f"{self.name}, {self.build.title}"

    def at(self, n: int) -> Speedup | None:
        return next((p for p in self.points if p.n == n), None)


def _points(build: BuildGil, mode: str) -> tuple[Speedup, ...]:
    return tuple(p for p in build.speedups if p.mode == mode and not p.impossible)


def _has(build: BuildGil, mode: str) -> bool:
    return any(p.mode == mode for p in build.speedups)


def four_ways(builds: Sequence[BuildGil]) -> list[Way]:
    """The ways these runs show, each from the build it belongs to (see the module doc)."""
    shown = drawable(builds)
    gil_on = [b for b in shown if not b.gil_off]
    gil_off = [b for b in shown if b.gil_off]
    first_gil = [b for b in gil_on if _has(b, "interpreter")] + gil_on  # 3.14+ first
    picks: dict[str, BuildGil | None] = {
        THREADS: next(iter(first_gil), None),
        PROCESSES: next(iter(first_gil + gil_off), None),
        INTERPRETERS: next((b for b in first_gil + gil_off if _has(b, "interpreter")), None),
        FREE_THREADED: next(iter(gil_off), None),
    }
    ways = []
    for name in WAYS:
        build = picks[name]
        if build is None:
            continue
        points = _points(build, MODE_OF.get(name, "thread"))
        if points:
            ways.append(Way(name, build, points))
    return ways


def _text(way: Way, n: int) -> str:
    point = way.at(n)
    if point is None:
        return f"{way.name} not measured at {n}"
    busy = f", {point.effective_cores:.2f} cores busy" if point.effective_cores is not None else ""
    return f"{way.name} {point.speedup.text()}{busy} on {way.build.label}"


def sentences(builds: Sequence[BuildGil]) -> list[str]:
    """One line: every way at N = usable cores, with its interval, cores busy and build."""
    ways = four_ways(builds)
    if len(ways) < MIN_WAYS:
        return []
    cores = ways[0].build.usable_cores
    line = f"{len(ways)} ways past the GIL at {cores} workers, each against one serial run of "
    line += "the same work on its own build: " + "; ".join(_text(w, cores) for w in ways) + "."
    return [line]
