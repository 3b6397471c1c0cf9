"""Worker targets: tiny, picklable, and lean on imports.

spawn and forkserver children import the module that defines their target, so
this module imports only the standard library (DESIGN.md, principle 1); a test
checks that importing it loads no pytest, psutil, pandas or matplotlib.
"""

from __future__ import annotations

import time
from typing import Any

if hasattr(time, "clock_gettime_ns"):

    def shared_clock_ns() -> int:
        """CLOCK_MONOTONIC: one clock for every process on the machine (POSIX)."""
        return time.clock_gettime_ns(time.CLOCK_MONOTONIC)

else:  # pragma: no cover - Windows: perf_counter is QueryPerformanceCounter, also system-wide

    def shared_clock_ns() -> int:
        return time.perf_counter_ns()


# --- process start ---------------------------------------------------------------------------


def noop() -> None:
    """The child's whole job: nothing, so start+join is all that is timed."""


def stamp_first_run(conn: Any) -> None:
    """Send the shared-clock time at which the child's target began, then exit."""
    conn.send_bytes(shared_clock_ns().to_bytes(8, "little"))
    conn.close()
