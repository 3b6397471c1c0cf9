"""mpbench: what parallel Python really costs on this machine.

Public names are imported lazily: spawn and forkserver children import
``bench_lib.workloads``, which must not drag the rest (pandas, matplotlib,
psutil) into every child (DESIGN.md, principle 1).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Bench": "bench_lib.engine",
    "Figure": "bench_lib.engine",
    "FloorRef": "bench_lib.engine",
    "Fingerprint": "bench_lib.environment",
    "fingerprint": "bench_lib.environment",
    "usable_cores": "bench_lib.environment",
    "Profile": "bench_lib.profiles",
    "get_profile": "bench_lib.profiles",
    "grid": "bench_lib.profiles",
    "load": "bench_lib.results",
    "ResultFileError": "bench_lib.results",
    "summarize": "bench_lib.stats",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bench_lib' has no attribute {name!r}")
