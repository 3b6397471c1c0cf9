"""The build half of a comparison's fingerprint rows: how each run's Python was built.

Two runs of one Python version can differ by build (PGO, LTO, debug, free-threaded, the JIT,
the default start method, the C library): `mpbench compare` lists those beside the machine's
differences, so a change is not put on the code when the interpreter changed under it.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NOT_RECORDED = "not recorded"  # a file written before the field existed
NOT_STATED = "not stated"  # the build's sysconfig does not say (machine/build.py)


@dataclass(frozen=True)
class MachineField:
    name: str  # in words: "usable cores"
    values: tuple[str, ...]  # one per run, formatted
    differs: bool
    group: str = "machine"  # "machine" or "build": the table the row is listed in


BUILD_FIELDS = (  # (words, fingerprint key); shown in this order
    ("Python", "python_version"),
    ("implementation", "python_implementation"),
    ("compiler", "python_compiler"),
    ("configure arguments", "python_configure_args"),
    ("PGO", "python_pgo"),
    ("LTO", "python_lto"),
    ("debug build", "python_debug"),
    ("free-threaded build", "free_threaded_build"),
    ("GIL enabled", "gil_enabled"),
    ("JIT", "python_jit"),
    ("start methods", "start_methods"),
    ("default start method", "default_start_method"),
    ("switch interval", "switch_interval_s"),
    ("C library", "libc"),
)
STATED_OR_NOT = {"python_pgo", "python_lto"}  # None there means the build did not say
CONFIGURE_WORDS_SHOWN = 4  # a table cell stays readable; the result files keep every argument


def _words(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()


def configure_differences(all_args: list[str]) -> tuple[str, ...]:
    """Per run, the configure arguments no other run has (the shared ones say nothing):
    "--with-lto --enable-optimizations", or "(the others' less ...)" where it has none extra."""
    sets = [set(_words(a)) for a in all_args]
    out = []
    for i, own in enumerate(sets):
        others = set().union(*(s for j, s in enumerate(sets) if j != i)) if len(sets) > 1 else set()
        extra = sorted(own - others)
        shown = " ".join(extra[:CONFIGURE_WORDS_SHOWN])
        more = len(extra) - CONFIGURE_WORDS_SHOWN
        out.append(f"{shown} (+{more} more)" if more > 0 else shown or "(no argument of its own)")
    return tuple(out)


def _cell(key: str, present: bool, value: Any, fmt: Any) -> str:
    if not present:
        return NOT_RECORDED
    if value is None and key in STATED_OR_NOT:
        return NOT_STATED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "start_methods" and isinstance(value, list):
        value = sorted(value)  # the same methods listed default first (3.14) are no difference
    return str(fmt(key, value))


def build_fields(blocks: list[Mapping[str, Any]], fmt: Any) -> tuple[MachineField, ...]:
    """One row per build field; ``fmt(key, value)`` formats a value as the machine rows do."""
    out = []
    for words, key in BUILD_FIELDS:
        if key == "python_configure_args":
            args = [str(b.get(key) or "") for b in blocks]
            same = len(set(args)) == 1
            values = (
                tuple(NOT_RECORDED if key not in b else "same" for b in blocks)
                if same
                else configure_differences(args)
            )
            out.append(MachineField(words, values, not same, "build"))
            continue
        values = tuple(_cell(key, key in b, b.get(key), fmt) for b in blocks)
        out.append(MachineField(words, values, len(set(values)) > 1, "build"))
    return tuple(out)
