"""The shape of a result file that readers rely on, declared once and checked in one place.

A spec is a type (or tuple of types), a ``{key: spec}`` mapping of required keys, a
one-item list ``[spec]`` for lists, :class:`Opt` for what may be missing or null,
:class:`OneOf` for a fixed set of values, or ``MEASURE`` for a time or a rate. docs/RESULTS.md
explains each field. The same shape, for other tools, is the JSON Schema beside this module
(``result.schema.json``, draft 2020-12; tests/test_result_schema.py keeps the two in step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON_SCHEMA = Path(__file__).with_name("result.schema.json")  # installed with the package

NUMBER = (int, float)


@dataclass(frozen=True)
class Opt:
    spec: Any


@dataclass(frozen=True)
class OneOf:
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Measure:
    """A round time or a figure: a finite number >= 0 (a time or a rate is never negative);
    with ``positive``, > 0 (the work a round does, which figures divide by)."""

    positive: bool = False


MEASURE = Measure()
WORK = Measure(positive=True)


def _is_measure(value: Any, positive: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, NUMBER):
        return False
    return (value > 0 if positive else value >= 0) and math.isfinite(value)


def _all_measures(values: list[Any]) -> bool:
    """Every item a finite number >= 0 (bool excluded), without a Python call per item."""
    if not values:
        return True
    if not set(map(type, values)) <= {int, float}:
        return False
    return min(values) >= 0 and max(values) < math.inf and not any(map(math.isnan, values))


FLAG = {"code": str, "message": str}
FIGURE = {
    "name": str,
    "unit": str,
    "kind": OneOf(("time", "rate")),
    "median": MEASURE,
    "ci_low": Opt(MEASURE),
    "ci_high": Opt(MEASURE),
    "n": Opt(int),
    "blocks": Opt(int),  # the blocks the interval came from (absent in older files)
    "interval": Opt(OneOf(("blocks-t", "blocks-t-linear", "none"))),
    "per_round": Opt(WORK),
    "higher_is_better": Opt(bool),
}
BENCH_BLOCK = {
    "subject": str,
    "case": str,
    "params": {},
    "figures": [FIGURE],
    "rounds": Opt(int),
    "metrics": Opt({}),
    "checks": Opt({}),
    "info": Opt({}),
    "cpu": Opt({}),
    "floor": Opt(
        {
            "case": str,
            "params": {},
            "median": Opt(MEASURE),
            "ratio": Opt(MEASURE),
            "unit": Opt(str),
        }
    ),
    "paired": Opt(
        {
            "role": OneOf(("floor", "baseline")),
            "case": str,
            "params": {},
            "figure": FIGURE,
            "rounds_s": [MEASURE],
        }
    ),
    "noise": Opt({"flags": [FLAG]}),
}
BENCHMARK = {
    "name": str,
    "stats": {"data": [MEASURE], "iterations": Opt(WORK)},  # per operation; x iterations: a round
    "extra_info": {"mpbench": BENCH_BLOCK},
}
MACHINE = {
    "machine_id": str,
    "hostname": str,
    "cpu_model": str,
    "usable_cores": int,
    "logical_cores": int,
    "memory_bytes": int,
    "os_release": str,
    "kernel": str,
    "virtualisation": str,
    "python_implementation": str,
    "python_version": str,
    "gil_enabled": bool,
    "start_methods": [str],
    "default_start_method": str,
}
RUN = {
    "load_average_1m": NUMBER,
    "busy_cores": Opt(NUMBER),
    "profile": str,
    "label": str,
    "started_utc": str,
    "partial": bool,
    "failures": [{"test": str, "reason": str}],
    "skipped": [{"test": str, "reason": str}],
    "concurrent_runs": Opt([{"pid": int, "what": str}]),
    "stopped_by": Opt(str),
    "stopped_during": Opt(str),
}
RESULT = {"mpbench": RUN, "machine_info": {"mpbench": MACHINE}, "benchmarks": [BENCHMARK]}


TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _type_name(spec: Any) -> str:
    if isinstance(spec, dict):
        return "an object"
    if isinstance(spec, list):
        return "a list"
    if isinstance(spec, Measure):
        return "a finite number > 0" if spec.positive else "a finite number >= 0"
    if isinstance(spec, OneOf):
        return "one of " + ", ".join(map(repr, spec.values))
    if spec == NUMBER:
        return "a number"
    return TYPE_NAMES.get(spec, getattr(spec, "__name__", str(spec)))


def shown(value: Any) -> str:
    """A value for an error message: short, one line, no control characters."""
    text = ascii(value)
    return text if len(text) <= 40 else text[:37] + "..."


def problem(value: Any, spec: Any, where: str) -> str | None:
    """The first mismatch between ``value`` and ``spec``, as 'where: what'; None if it fits."""
    if isinstance(spec, Opt):
        return None if value is None else problem(value, spec.spec, where)
    if isinstance(spec, Measure):
        return (
            None
            if _is_measure(value, spec.positive)
            else f"{where} is {shown(value)}, not {_type_name(spec)}"
        )
    if isinstance(spec, OneOf):
        return (
            None if value in spec.values else f"{where} is {shown(value)}, not {_type_name(spec)}"
        )
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return f"{where} is not an object"
        for key, sub in spec.items():
            if key not in value and not isinstance(sub, Opt):
                return f"{where}.{key} is missing"
            found = problem(value.get(key), sub, f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(spec, list):
        if not isinstance(value, list):
            return f"{where} is not a list"
        if spec[0] is MEASURE and _all_measures(value):
            return None  # the common case of many raw rounds, checked in C-speed passes
        for i, item in enumerate(value):
            found = problem(item, spec[0], f"{where}[{i}]")
            if found:
                return found
        return None
    kinds = spec if isinstance(spec, tuple) else (spec,)
    if isinstance(value, bool) and bool not in kinds:
        return f"{where} is not {_type_name(spec)}"
    return None if isinstance(value, kinds) else f"{where} is not {_type_name(spec)}"
