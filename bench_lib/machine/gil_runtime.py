"""The GIL at run time: is it really off on a free-threaded build, and if not, who turned it on.

A free-threaded CPython (3.13t+, PEP 703) starts with the GIL off, but importing an extension
module that does not declare free-threading support (``Py_mod_gil``) switches it back on for
the rest of the process, with only a RuntimeWarning. Thread figures taken after that are
GIL-bound whatever the build says, so a run checks ``sys._is_gil_enabled()`` at its start
(after collection, when the benchmark modules are imported) and at its end, and where the GIL
is on in a free-threaded build, names the extension modules whose import alone turns it on:
each candidate is imported by itself in a fresh interpreter (the warning is per process and
the GIL's state cannot be reset, so only a fresh process can tell which one did it).
Stdlib-only; runs in the pytest process.
"""

from __future__ import annotations

import importlib.machinery
import os
import subprocess
import sys
import sysconfig
from dataclasses import asdict, dataclass, field
from typing import Any

PROBE_TIMEOUT_S = 60.0  # one cold import of a large extension package (numpy, pandas) on a busy VM
PROBE_CODE = (
    "import sys, warnings; warnings.simplefilter('ignore'); import {module}; "
    "print(int(getattr(sys, '_is_gil_enabled', lambda: True)()))"
)


def gil_enabled() -> bool:
    """False only on a free-threaded build running with the GIL off (3.13t+)."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe is not None else True


def free_threaded_build() -> bool:
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_forced() -> str | None:
    """How the user forced the GIL's state (``PYTHON_GIL`` or ``-X gil``), or None."""
    xopt = sys._xoptions.get("gil")
    if xopt is not None:
        return f"-X gil={xopt}"
    env = os.environ.get("PYTHON_GIL")
    return f"PYTHON_GIL={env}" if env else None


def extension_packages(modules: dict[str, Any] | None = None) -> list[str]:
    """Top-level packages outside the standard library with a compiled module loaded."""
    modules = dict(sys.modules if modules is None else modules)
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found = set()
    for name, module in modules.items():
        path = getattr(module, "__file__", None) or ""
        top = name.partition(".")[0]
        if path.endswith(suffixes) and top not in stdlib and not top.startswith("_"):
            found.add(top)
    return sorted(found)


def enables_gil(module: str, python: str = sys.executable) -> bool | None:
    """Does importing ``module`` alone turn the GIL on in a fresh ``python``? None: unknown."""
    try:
        out = subprocess.run(
            [python, "-c", PROBE_CODE.format(module=module)],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = out.stdout.strip().splitlines()[-1:] if out.returncode == 0 else []
    return answer == ["1"] if answer in (["0"], ["1"]) else None


@dataclass(frozen=True)
class GilCheck:
    """The GIL's state over one run, stored in the result file's run block as ``gil``."""

    free_threaded_build: bool
    enabled_at_start: bool  # after collection: every benchmark module imported
    enabled_at_end: bool  # after the last benchmark, before the result is written
    forced: str | None  # "PYTHON_GIL=0" / "-X gil=1" where the user set it; None otherwise
    enabled_by: list[str] = field(default_factory=list)  # modules whose import turns it on
    unexplained: bool = False  # on in a free-threaded build, but no loaded module does it alone

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def warning(self) -> str | None:
        """Why the thread figures of this run are GIL-bound on a free-threaded build, or None."""
        if not self.free_threaded_build or not (self.enabled_at_start or self.enabled_at_end):
            return None
        when = "for the whole run" if self.enabled_at_start else "during the run"
        if self.forced:
            cause = f"it was forced on with {self.forced}"
        elif self.enabled_by:
            cause = (
                f"importing {', '.join(self.enabled_by)} switched it on (an extension module "
                "that does not declare free-threading support); install a release with "
                "free-threaded (cp313t) wheels, or run with PYTHON_GIL=0 at your own risk"
            )
        else:
            cause = (
                "no single loaded extension module turns it on by itself "
                "(see docs/freethreaded.md for how to find the cause)"
            )
        return (
            f"free-threaded build, but the GIL was on {when}: {cause}. "
            "Thread figures in this run are GIL-bound."
        )


class GilWatch:
    """Call :meth:`start` once everything is imported and :meth:`finish` at the end."""

    def __init__(self) -> None:
        self.at_start: bool | None = None

    def start(self) -> None:
        if self.at_start is None:
            self.at_start = gil_enabled()

    def finish(self) -> GilCheck:
        at_end = gil_enabled()
        at_start = at_end if self.at_start is None else self.at_start
        forced = gil_forced()
        ft = free_threaded_build()
        enabled_by: list[str] = []
        if ft and (at_start or at_end) and forced is None:
            enabled_by = [m for m in extension_packages() if enables_gil(m)]
        return GilCheck(
            free_threaded_build=ft,
            enabled_at_start=at_start,
            enabled_at_end=at_end,
            forced=forced,
            enabled_by=enabled_by,
            unexplained=ft and (at_start or at_end) and forced is None and not enabled_by,
        )
