"""Per-core CPU timeline, sampled by a separate monitor process (docs/design.md, principle 7).

A sampler thread inside the measured process would compete for its GIL and, on Python
3.12+, make every later ``fork`` warn; so the monitor is its own interpreter, started
with ``subprocess`` (fork+exec in C, no Python-level fork) before the clock starts::

    with Timeline(interval_s=0.1) as tl:
        ...                      # the measured work
    tl.result.as_dict()          # t_s, per_cpu_percent, the monitor's own CPU use

The monitor imports only the standard library and psutil, says ``ready`` once it has
taken its first sample, samples ``psutil.cpu_percent(percpu=True)`` every interval on
CLOCK_MONOTONIC (shared by every process), and stops when its stdin is closed: it then
prints one JSON line with the samples and the CPU seconds it burned while sampling.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_INTERVAL_S = 0.1  # 10 samples/s: fine enough to see a 0.1 s round, cheap to take
READY_TIMEOUT_S = 30.0  # the monitor imports psutil and takes one sample; a busy machine is slow
STOP_TIMEOUT_S = 10.0
OVERHEAD_TARGET = 0.01  # the monitor should burn under 1% of one core while it samples


class MonitorError(RuntimeError):
    pass


@dataclass(frozen=True)
class TimelineResult:
    interval_s: float  # asked-for sampling interval
    t_s: list[float]  # sample times, seconds since the monitor's first sample
    per_cpu_percent: list[list[float]]  # one row per sample, one column per CPU (0..100)
    start_monotonic_s: float  # CLOCK_MONOTONIC of t_s = 0, to line up with other events
    monitor_cpu_s: float  # CPU seconds the monitor used between its first and last sample
    monitor_wall_s: float  # wall seconds between its first and last sample

    @property
    def monitor_cpu_fraction(self) -> float:
        """The monitor's own cost, as a fraction of one core."""
        return self.monitor_cpu_s / self.monitor_wall_s if self.monitor_wall_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "monitor_cpu_fraction": self.monitor_cpu_fraction,
            "monitor_under_target": self.monitor_cpu_fraction < OVERHEAD_TARGET,
        }


def mean_busy_cores(per_cpu_percent: list[list[float]]) -> float:
    """Average number of busy CPUs over the samples (sum of per-CPU percent / 100)."""
    if not per_cpu_percent:
        return 0.0
    return sum(sum(row) for row in per_cpu_percent) / 100.0 / len(per_cpu_percent)


class Timeline:
    """Start the monitor (``__enter__`` returns once it samples); stop it (``__exit__``)."""

    result: TimelineResult

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        if interval_s <= 0:
            raise ValueError(f"sampling interval must be positive, got {interval_s}")
        self.interval_s = interval_s
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Timeline:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench_lib.subjects.gil.timeline", str(self.interval_s)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], READY_TIMEOUT_S)
        line = self._proc.stdout.readline() if ready else ""
        if line.strip() != "ready":
            self._kill()
            raise MonitorError(f"CPU monitor did not start (said {line.strip()!r})")
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        try:
            out, _ = proc.communicate(timeout=STOP_TIMEOUT_S)  # closes stdin: the stop signal
        except subprocess.TimeoutExpired:
            self._kill()
            raise MonitorError("CPU monitor did not stop") from None
        if proc.returncode != 0 or not out.strip():
            raise MonitorError(f"CPU monitor exited with {proc.returncode}")
        self.result = TimelineResult(**json.loads(out), interval_s=self.interval_s)

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()


def monitor(interval_s: float) -> dict[str, Any]:
    """The monitor's main loop (runs in the monitor process)."""
    import psutil

    psutil.cpu_percent(percpu=True)  # primes the counters: the next call covers one interval
    start = time.monotonic()
    cpu0 = time.process_time()
    print("ready", flush=True)
    t_s: list[float] = []
    rows: list[list[float]] = []
    next_tick = start + interval_s
    while True:
        wait = max(0.0, next_tick - time.monotonic())
        stop = False
        if select.select([sys.stdin], [], [], wait)[0]:
            stop = not sys.stdin.read(1)  # EOF: the parent closed our stdin
            if not stop:
                continue
        now = time.monotonic()
        rows.append([float(p) for p in psutil.cpu_percent(percpu=True)])  # last: a part interval
        t_s.append(round(now - start, 4))
        if stop:
            break
        next_tick += interval_s
        if next_tick < now:  # fell behind (machine busy): skip ticks instead of bursting
            next_tick = now + interval_s
    return {
        "t_s": t_s,
        "per_cpu_percent": rows,
        "start_monotonic_s": start,
        "monitor_cpu_s": time.process_time() - cpu0,
        "monitor_wall_s": time.monotonic() - start,
    }


if __name__ == "__main__":
    print(json.dumps(monitor(float(sys.argv[1]))), flush=True)
