"""The GIL figures of several runs side by side: one :class:`BuildGil` per result file.

What a cross-build reader needs from each run's ``gil`` subject: the build (standard or
free-threaded) and whether the GIL was really off (from the recorded state, never the file
name), the serial batch time (what one thread costs on that build), the thread and process
speedups by worker count, and the side-step factor at N = usable cores. :func:`sentences`
turns them into the lines README and the cross-build report quote. Pure: reads loaded dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench_lib.results.records import Benchmark, FigureRecord, Machine, Run, RunLog
from bench_lib.results.scaling import IMPOSSIBLE_FLAG

SERIAL_CASE = "cpu_serial"
SPLIT_CASE = "cpu_split"
BATCH_FIGURE = "batch"  # the whole serial batch, s
STEP_FIGURE = "per spin step"  # the batch over its iterations, s: comparable across batch sizes


@dataclass(frozen=True)
class Estimate:
    """A median with its 95% interval (None where the file has none, e.g. a smoke run)."""

    value: float
    ci_low: float | None
    ci_high: float | None

    def text(self, fmt: str = "{:.2f}x") -> str:
        if self.ci_low is None or self.ci_high is None:
            return fmt.format(self.value)
        return f"{fmt.format(self.value)} (95% CI {self.ci_low:.2f}-{self.ci_high:.2f})"


@dataclass(frozen=True)
class Speedup:
    """One point of the scaling curve: N threads or N processes against the serial run."""

    mode: str  # "thread" or "process"
    n: int  # workers
    speedup: Estimate  # T(serial) / T(N workers), same work
    effective_cores: float | None  # CPU s / wall s of the whole process tree
    impossible: bool  # flagged above the usable cores: drawn as a cross, never quoted
    noisy: bool  # a noise flag on the benchmark
    flags: str = ""  # the benchmark's noise flag codes, joined by commas (what a ring marks)


@dataclass(frozen=True)
class BuildGil:
    """The gil subject of one result file, labelled by what the file recorded."""

    path: str
    python_version: str  # "3.13.5"
    free_threaded_build: bool  # Py_GIL_DISABLED: a --disable-gil build
    gil_off: bool  # the GIL was off for the whole run (fingerprint and run-time checks agree)
    gil_note: str  # "" or why the GIL state is not simply on/off (switched on by a module)
    usable_cores: int
    machine_id: str
    profile: str
    started_utc: str
    serial_batch_s: Estimate | None  # one thread, no pool: the single-thread cost of the build
    serial_step_s: Estimate | None  # the same per spin step (per unit of work)
    serial_iterations: float | None  # spin steps in the serial batch (the work in a round)
    speedups: tuple[Speedup, ...]
    side_step: Estimate | None  # process / thread speedup at N = usable cores, if not impossible

    @property
    def label(self) -> str:
        """``3.13.5t`` for a free-threaded build (PEP 703's spelling), else ``3.11.7``."""
        return self.python_version + ("t" if self.free_threaded_build else "")

    @property
    def gil_words(self) -> str:
        if self.gil_off:
            return "free-threaded, GIL off"
        if self.free_threaded_build:
            return "free-threaded build, GIL on" + (f": {self.gil_note}" if self.gil_note else "")
        return "GIL on"

    @property
    def title(self) -> str:
        return f"{self.label} ({self.gil_words})"

    def speedup_at(self, mode: str, n: int) -> Speedup | None:
        for point in self.speedups:
            if point.mode == mode and point.n == n and not point.impossible:
                return point
        return None


def _estimate(value: Any, low: Any, high: Any) -> Estimate | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
    return Estimate(float(value), float(low) if ok else None, float(high) if ok else None)


def _figure(bench: Benchmark, name: str) -> FigureRecord | None:
    return next((f for f in bench.figures if f.name == name), None)


def _gil_state(data: dict[str, Any]) -> tuple[bool, str]:
    """GIL off for the run? From the fingerprint and the run-time checks (issue 17 part 2)."""
    fingerprint_on = Machine.of(data).gil_enabled
    checks = RunLog.of(data).gil or {}
    seen_on = [checks.get(k) for k in ("enabled_at_start", "enabled_at_end")]
    if not fingerprint_on and not any(v is True for v in seen_on):
        return True, ""
    names = [str(n) for n in checks.get("enabled_by") or []]
    note = f"switched on by {', '.join(names)}" if names else ""
    return False, note


def of(path: str, data: dict[str, Any]) -> BuildGil:
    """The gil figures of one loaded result file (empty when it did not run the subject)."""
    machine = Machine.of(data)
    cores = machine.usable_cores
    serial: Benchmark | None = None
    points = []
    side_step = None
    for bench in Run.of(data).benchmarks:
        m = bench.block
        if bench.subject != "gil":
            continue
        if bench.case == SERIAL_CASE and serial is None:
            serial = bench
            continue
        derived = m.get("derived") or {}
        speed = _estimate(
            derived.get("speedup"), derived.get("speedup_ci_low"), derived.get("speedup_ci_high")
        )
        params = bench.params
        if bench.case != SPLIT_CASE or speed is None or not isinstance(params.get("n"), int):
            continue
        cpu = (m.get("cpu") or {}).get("effective_cores", derived.get("effective_cores"))
        point = Speedup(
            mode=str(params.get("mode")),
            n=int(params["n"]),
            speedup=speed,
            effective_cores=float(cpu) if isinstance(cpu, (int, float)) else None,
            impossible=bench.flagged(IMPOSSIBLE_FLAG),
            noisy=bool(bench.flags),
            flags=",".join(bench.noise_flags),
        )
        points.append(point)
        if point.mode == "process" and point.n == cores:
            side_step = _estimate(
                derived.get("side_step_factor"),
                derived.get("side_step_ci_low"),
                derived.get("side_step_ci_high"),
            )
    if any(p.impossible for p in points if p.n == cores):
        side_step = None
    batch = _figure(serial, BATCH_FIGURE) if serial else None
    step = _figure(serial, STEP_FIGURE) if serial else None
    gil_off, note = _gil_state(data)
    log = RunLog.of(data)
    return BuildGil(
        path=path,
        python_version=machine.python_version,
        free_threaded_build=bool(machine.fields.get("free_threaded_build")),
        gil_off=gil_off,
        gil_note=note,
        usable_cores=cores,
        machine_id=machine.machine_id,
        profile=log.profile,
        started_utc=log.started_utc,
        serial_batch_s=fig_estimate(batch),
        serial_step_s=fig_estimate(step),
        serial_iterations=step.per_round if step else None,
        speedups=tuple(sorted(points, key=lambda p: (p.mode, p.n))),
        side_step=side_step,
    )


def fig_estimate(figure: FigureRecord | None) -> Estimate | None:
    if figure is None:
        return None
    return _estimate(figure.median, figure.ci_low, figure.ci_high)


def drawable(builds: Sequence[BuildGil]) -> list[BuildGil]:
    """The builds with a scaling curve (a run without the gil subject has nothing to show)."""
    return [b for b in builds if b.speedups]


def ordered(builds: Sequence[BuildGil]) -> list[BuildGil]:
    """GIL-off builds first (the news), then the others, each in the order given."""
    return [b for b in builds if b.gil_off] + [b for b in builds if not b.gil_off]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms"


def sentences(builds: Sequence[BuildGil]) -> list[str]:
    """README's lines, computed: threads, processes, side-step and single-thread cost per build.

    "On 3.13.5t (free-threaded, GIL off), 2 threads ran the CPU batch 1.96x as fast as one
    serial run; on 3.11.7 (GIL on), 0.86x." Only builds with a curve count; N = the first
    build's usable cores (runs of different machines are said to differ, not hidden).
    """
    shown = ordered(drawable(builds))
    if not shown:
        return []
    cores = shown[0].usable_cores
    out = []
    first, rest = shown[0], shown[1:]
    for mode, words in (("thread", "threads"), ("process", "processes")):

        def figure(b: BuildGil, mode: str = mode) -> str:
            point = b.speedup_at(mode, cores)
            return point.speedup.text() if point else "not measured"

        out.append(
            f"On {first.title}, {cores} {words} ran the CPU batch {figure(first)} as fast as "
            "one serial run" + "".join(f"; on {b.title}, {figure(b)}" for b in rest) + "."
        )
    factors = [f"{b.side_step.text()} on {b.label}" for b in shown if b.side_step]
    if factors:
        out.append(
            f"Side-step factor (process speedup / thread speedup at {cores} workers): "
            + ", ".join(factors)
            + "."
        )
    out += _single_thread(shown)
    machines = {b.machine_id for b in shown} | {str(b.usable_cores) for b in shown}
    if len({b.machine_id for b in shown}) > 1 or len({b.usable_cores for b in shown}) > 1:
        out.append(
            f"The runs come from different machines or core counts ({', '.join(sorted(machines))}"
            "): the speedups are each run's own, the times do not compare."
        )
    return out


def _minor(build: BuildGil) -> str:
    return ".".join(build.python_version.split(".")[:2])


def _single_thread(shown: Sequence[BuildGil]) -> list[str]:
    """The serial batch of each build, and how much slower one thread is without the GIL."""
    timed = [b for b in shown if b.serial_batch_s]
    if not timed:
        return []
    if len({b.serial_iterations for b in timed}) == 1:
        times = [f"{_ms(b.serial_batch_s.value)} on {b.label}" for b in timed if b.serial_batch_s]
        line = "One thread, no pool (the serial batch): " + ", ".join(times)
    else:  # batches of different sizes never compare whole (docs/design.md 14): per spin step
        steps = [(b.serial_step_s, b.label) for b in timed if b.serial_step_s]
        times = [f"{step.value * 1e9:.0f} ns on {label}" for step, label in steps]
        line = "One thread, no pool (the serial batch, per spin step): " + ", ".join(times)
    off = [b for b in timed if b.gil_off and b.serial_step_s]
    on = [b for b in timed if not b.gil_off and b.serial_step_s]
    if off and on:
        a, b = off[0], on[0]
        assert a.serial_step_s and b.serial_step_s
        ratio = a.serial_step_s.value / b.serial_step_s.value
        line += (
            f": per unit of work, one thread on {a.label} took {ratio:.2f}x the time it took on "
            f"{b.label}"
        )
        if _minor(a) == _minor(b):
            line += " (the price of free threading, paid by single-threaded code)"
        else:
            line += (
                f" (free threading's price and the change from {_minor(b)} to {_minor(a)} "
                f"together; a standard {_minor(a)} run separates them)"
            )
    return [line + "."]
