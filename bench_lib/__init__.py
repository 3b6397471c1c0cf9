"""mpbench: what parallel Python really costs on this machine.

Public names are imported lazily: spawn and forkserver children import
``bench_lib.workers.workloads``, which must not drag the rest (pandas, matplotlib,
psutil) into every child (docs/design.md, principle 1).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Bench": "bench_lib.engine.bench",
    "Figure": "bench_lib.engine.bench",
    "FloorRef": "bench_lib.engine.bench",
    "Fingerprint": "bench_lib.machine.environment",
    "fingerprint": "bench_lib.machine.environment",
    "usable_cores": "bench_lib.machine.environment",
    "Profile": "bench_lib.engine.profiles",
    "get_profile": "bench_lib.engine.profiles",
    "grid": "bench_lib.engine.profiles",
    "load": "bench_lib.results.files",
    "ResultFileError": "bench_lib.results.files",
    "summarize": "bench_lib.stats.descriptive",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bench_lib' has no attribute {name!r}")
