"""No leaks (DESIGN.md, principle 10): after a benchmark no child process, shared-memory
segment or named semaphore of ours is left. What leaked is cleaned up and named."""

from __future__ import annotations

import contextlib
import gc
import re
import time
from dataclasses import dataclass
from pathlib import Path

from bench_lib import cpu

SHM_DIR = Path("/dev/shm")
# shared_memory.SharedMemory names start psm_; multiprocessing semaphores sem.mp-
OUR_SHM = re.compile(r"^(psm_|sem\.mp-)")
CHILD_GRACE_S = 3.0  # children get this long to exit after a benchmark before they count as leaked


def shm_names() -> set[str]:
    try:
        return {p.name for p in SHM_DIR.iterdir() if OUR_SHM.match(p.name)}
    except OSError:  # no /dev/shm (macOS): nothing to check
        return set()


@dataclass(frozen=True)
class Leaks:
    processes: list[str]  # "pid 123 (python)" of each child killed
    shm: list[str]  # /dev/shm names removed

    def __bool__(self) -> bool:
        return bool(self.processes or self.shm)

    def message(self) -> str:
        parts = []
        if self.processes:
            parts.append(f"{len(self.processes)} child process(es) ({', '.join(self.processes)})")
        if self.shm:
            parts.append(
                f"{len(self.shm)} shared-memory segment(s)/semaphore(s) "
                f"({', '.join(sorted(self.shm))})"
            )
        return f"benchmark left {' and '.join(parts)} behind; cleaned them up"


def collect(shm_before: set[str], grace_s: float = CHILD_GRACE_S) -> Leaks:
    """Wait briefly for children to exit, then kill and unlink whatever is left."""
    deadline = time.monotonic() + grace_s
    while (children := cpu.live_children()) and time.monotonic() < deadline:
        time.sleep(0.05)
    names = []
    for child in children:
        with contextlib.suppress(Exception):
            names.append(f"pid {child.pid} ({child.name()})")
    cpu.kill_tree(children)
    gc.collect()  # objects in reference cycles unlink their segments when collected
    shm = sorted(shm_names() - shm_before)
    for name in shm:
        with contextlib.suppress(OSError):
            (SHM_DIR / name).unlink()
    return Leaks(names, shm)
