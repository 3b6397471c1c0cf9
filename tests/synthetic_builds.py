"""Tiny result files of the gil subject (and a few headline figures) for a build or a Python.

Each is a real result file (``results.validate`` accepts it): a serial batch, thread and
process speedups at N = 1 and 2 on 2 cores, the side-step factor, and the GIL state recorded
the way ``mpbench run`` records it (fingerprint and run-time checks).
"""

from __future__ import annotations

from typing import Any

from test_compare import bench, noisy_rounds, result

CORES = 2


def _split(mode: str, n: int, speedup: float, side_step: float | None) -> dict[str, Any]:
    b = bench(
        "cpu_split",
        noisy_rounds(0.2 / speedup, seed=n + (10 if mode == "process" else 0)),
        {"mode": mode, "n": n},
        subject="gil",
        figures=[{"name": "batch", "unit": "s", "kind": "time", "per_round": 1}],
    )
    derived: dict[str, Any] = {
        "speedup": speedup,
        "speedup_ci_low": speedup * 0.95,
        "speedup_ci_high": speedup * 1.05,
        "effective_cores": min(n, CORES) * 0.97,
    }
    if side_step is not None:
        derived.update(
            side_step_factor=side_step,
            side_step_ci_low=side_step * 0.9,
            side_step_ci_high=side_step * 1.1,
        )
    b["extra_info"]["mpbench"]["derived"] = derived
    return b


def interpreter_points(speedup_2: float) -> list[dict[str, Any]]:
    """cpu_split at mode=interpreter, N = 1 and 2 (a 3.14+ run's subinterpreters)."""
    return [_split("interpreter", 1, 0.96, None), _split("interpreter", 2, speedup_2, None)]


def gil_run(
    python: str,
    free_threaded: bool,
    threads_2: float,
    processes_2: float,
    serial_s: float,
    label: str = "run",
    enabled_by: list[str] | None = None,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A run whose GIL is off iff ``free_threaded`` and nothing turned it on (``enabled_by``)."""
    step = {"unit": "s", "kind": "time", "ci_low": serial_s * 0.97, "ci_high": serial_s * 1.03}
    serial = bench(
        "cpu_serial",
        noisy_rounds(serial_s, seed=3),
        subject="gil",
        figures=[
            {"name": "batch", "per_round": 1, **step},
            {"name": "per spin step", "per_round": 1_000_000, **step},
        ],
    )
    batch, per_step = serial["extra_info"]["mpbench"]["figures"]
    batch["median"] = serial_s
    per_step.update(median=serial_s / 1e6, ci_low=serial_s * 0.97e-6, ci_high=serial_s * 1.03e-6)
    benches = [
        serial,
        _split("thread", 1, 0.98, None),
        _split("thread", 2, threads_2, None),
        _split("process", 1, 0.97, 0.97 / 0.98),
        _split("process", 2, processes_2, processes_2 / threads_2),
        *(extra or []),
    ]
    data = result(benches, label=label, python=python, cores=CORES)
    gil_on = not free_threaded or bool(enabled_by)
    data["machine_info"]["mpbench"].update(gil_enabled=gil_on, free_threaded_build=free_threaded)
    data["mpbench"]["gil"] = {
        "free_threaded_build": free_threaded,
        "enabled_at_start": gil_on,
        "enabled_at_end": gil_on,
        "enabled_by": enabled_by or [],
    }
    return data


def process_start(fork_s: float) -> dict[str, Any]:
    """spawn's process_start at start=fork: a headline figure of the matrix."""
    return bench(
        "process_start",
        noisy_rounds(fork_s, seed=7),
        {"start": "fork"},
        subject="spawn",
        figures=[{"name": "start+join", "unit": "s", "kind": "time", "per_round": 1}],
    )
