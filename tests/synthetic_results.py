"""Synthetic result files for tests that drive charts and sentences without measuring anything.

Each benchmark gets the fields tidy, charts and recommend read; figures have intervals (the
standard profile's shape) unless ``ci`` is False. Numbers are chosen by the tests, so the
sentences they produce can be read for their direction and values.
"""

from __future__ import annotations

from typing import Any

RATE_UNITS = ("msg/s", "B/s", "acq/s", "req/s", "op/s", "tasks/s")


def bench(
    subject: str,
    case: str,
    median: float,
    unit: str = "s",
    *,
    figure: str = "round",
    floor: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
    derived: dict[str, Any] | None = None,
    flags: tuple[str, ...] = (),
    ci: bool = True,
    effective_cores: float | None = None,
    **params: Any,
) -> dict[str, Any]:
    kind = "rate" if unit in RATE_UNITS else "time"
    fig: dict[str, Any] = {
        "name": figure,
        "unit": unit,
        "kind": kind,
        "per_round": 1.0,
        "median": median,
        "ci_low": median * 0.95 if ci else None,
        "ci_high": median * 1.05 if ci else None,
        "n": 30 if ci else 1,
        "higher_is_better": kind == "rate",
    }
    block: dict[str, Any] = {
        "subject": subject,
        "case": case,
        "params": params,
        "figures": [fig],
        "rounds": fig["n"],
        "metrics": {k: {"value": v, "unit": ""} for k, v in (metrics or {}).items()},
        "checks": {},
        "info": {},
        "noise": {"flags": [{"code": c, "message": c} for c in flags]},
    }
    if floor is not None:
        block["floor"] = floor
    if derived is not None:
        block["derived"] = derived
    if effective_cores is not None:
        block["cpu"] = {
            "wall_s": 1.0,
            "tree_cpu_s": effective_cores,
            "effective_cores": effective_cores,
        }
    ids = "-".join(f"{k}={v}" for k, v in params.items())
    name = f"test_{case}[{ids}]" if ids else f"test_{case}"
    round_s = median if kind == "time" else (1.0 / median if median else 1.0)
    data = [round_s] * fig["n"]
    return {"name": name, "stats": {"data": data}, "extra_info": {"mpbench": block}}


def run(*benchmarks: dict[str, Any], cores: int = 2, profile: str = "standard") -> dict[str, Any]:
    machine = {
        "machine_id": "synthetic",
        "hostname": "synthetic",
        "cpu_model": "Test CPU",
        "usable_cores": cores,
        "logical_cores": cores,
        "memory_bytes": 8 * 2**30,
        "os_release": "Linux",
        "kernel": "6.0",
        "virtualisation": "none",
        "python_implementation": "CPython",
        "python_version": "3.11.7",
        "gil_enabled": True,
        "start_methods": ["fork", "forkserver", "spawn"],
        "default_start_method": "fork",
    }
    return {
        "mpbench": {
            "load_average_1m": 0.1,
            "busy_cores": 0.0,
            "profile": profile,
            "label": "synthetic",
            "started_utc": "2026-01-02T03:04:05Z",
            "partial": False,
            "failures": [],
            "skipped": [],
        },
        "machine_info": {"mpbench": machine},
        "benchmarks": list(benchmarks),
        "datetime": "2026-01-02T03:04:05Z",
        "version": "5.1.0",
    }
