"""The shape of a result file that readers rely on, declared once and checked in one place.

A spec is a type (or tuple of types), a ``{key: spec}`` mapping of required keys, a
one-item list ``[spec]`` for lists, :class:`Opt` for what may be missing or null, or
:class:`OneOf` for a fixed set of values. docs/RESULTS.md explains each field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUMBER = (int, float)
SCALAR = (str, int, float, bool)


@dataclass(frozen=True)
class Opt:
    spec: Any


@dataclass(frozen=True)
class OneOf:
    values: tuple[Any, ...]


FLAG = {"code": str, "message": str}
FIGURE = {
    "name": str,
    "unit": str,
    "kind": OneOf(("time", "rate")),
    "median": NUMBER,
    "ci_low": Opt(NUMBER),
    "ci_high": Opt(NUMBER),
    "n": Opt(int),
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
        {"case": str, "params": {}, "median": Opt(NUMBER), "ratio": Opt(NUMBER), "unit": Opt(str)}
    ),
    "noise": Opt({"flags": [FLAG]}),
}
BENCHMARK = {"name": str, "stats": {"data": [NUMBER]}, "extra_info": {"mpbench": BENCH_BLOCK}}
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
    if isinstance(spec, OneOf):
        return "one of " + ", ".join(map(repr, spec.values))
    if spec == NUMBER:
        return "a number"
    return TYPE_NAMES.get(spec, getattr(spec, "__name__", str(spec)))


def problem(value: Any, spec: Any, where: str) -> str | None:
    """The first mismatch between ``value`` and ``spec``, as 'where: what'; None if it fits."""
    if isinstance(spec, Opt):
        return None if value is None else problem(value, spec.spec, where)
    if isinstance(spec, OneOf):
        return None if value in spec.values else f"{where} is {value!r}, not {_type_name(spec)}"
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
        for i, item in enumerate(value):
            found = problem(item, spec[0], f"{where}[{i}]")
            if found:
                return found
        return None
    kinds = spec if isinstance(spec, tuple) else (spec,)
    if isinstance(value, bool) and bool not in kinds:
        return f"{where} is not {_type_name(spec)}"
    return None if isinstance(value, kinds) else f"{where} is not {_type_name(spec)}"
