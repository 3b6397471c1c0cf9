"""No leaks (docs/design.md, principle 10): after a benchmark no child process, shared-memory
segment or named semaphore of ours is left. What leaked is cleaned up and named.

/dev/shm is machine-wide, so only names this run can prove it made are ever touched:
semaphores and shared-memory segments carry a run-specific prefix (:func:`claim_semaphore_prefix`,
:func:`claim_segment_prefix`), and one of ours counts as leaked only if it appeared during the
benchmark and no process has it mapped or open. "Appeared and nobody holds it" alone is no
proof: another program may keep a named segment on purpose between its own uses, and its
semaphores cannot be judged by /proc at all (glibc's ``sem_open`` maps them through a
temporary file, so a holder shows ``sem.XXXXXX (deleted)``), which is why the prefix decides.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_lib.machine import cpu

SHM_DIR = Path("/dev/shm")
SEGMENT_PREFIX = "psm_mpbench"  # + "<pid>_": our SharedMemory segments (stdlib's own: "psm_")
SEGMENT_RANDOM_HEX = 16  # random hex digits after our prefix: stdlib's 8 collide more easily
CHILD_GRACE_S = 3.0  # children get this long to exit after a benchmark before they count as leaked


def in_use(names: set[str]) -> set[str]:
    """Those of ``names`` that some process on the machine has mapped or open.

    A segment or semaphore in use belongs to someone still working (perhaps another program
    running at the same time); a leak is one nobody holds any more.
    """
    if not names:
        return set()
    held = set()
    for proc_dir in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            for line in (proc_dir / "maps").read_text().splitlines():
                if "/dev/shm/" in line:
                    path = line.rsplit("/dev/shm/", 1)[1]  # pragma: no mutate (one such part)
                    held.add(path.split(" ")[0])
        with contextlib.suppress(OSError):
            for fd in (proc_dir / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("/dev/shm/"):
                        held.add(target[len("/dev/shm/") :])
    return names & held


def claim_semaphore_prefix() -> str:
    """Name this process's multiprocessing semaphores ``/mp-mpbench<pid>-...`` (and its children's).

    multiprocessing names a semaphore ``<semprefix>-<random>``; children copy the prefix with
    the rest of the process config, so every semaphore this run makes carries it.
    """
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    if not str(config.get("semprefix", "")).startswith("/mp-mpbench"):
        config["semprefix"] = f"/mp-mpbench{os.getpid()}"
    return str(config["semprefix"])


def our_semaphore(name: str) -> bool:
    """Whether /dev/shm entry ``name`` is a semaphore this run made (see claim_semaphore_prefix)."""
    prefix = multiprocessing.current_process()._config.get("semprefix", "")  # type: ignore[attr-defined]
    return str(prefix).startswith("/mp-mpbench") and name.startswith(f"sem.{prefix[1:]}-")


def claim_segment_prefix() -> str:
    """Name this process's ``SharedMemory`` segments ``psm_mpbench<pid>_<random>`` (Linux).

    ``shared_memory`` names a segment from two module globals at creation time; forked children
    share them. Its 14-character cap exists for macOS, whose limit is 31; Linux allows 255.
    Elsewhere names keep stdlib's form and no segment is ever judged ours.
    """
    from multiprocessing import shared_memory

    prefix = f"/{SEGMENT_PREFIX}{os.getpid()}_"
    if sys.platform.startswith("linux"):
        shared_memory._SHM_NAME_PREFIX = prefix  # type: ignore[attr-defined]
        shared_memory._SHM_SAFE_NAME_LENGTH = len(prefix) + SEGMENT_RANDOM_HEX  # type: ignore[attr-defined]
    return str(shared_memory._SHM_NAME_PREFIX)  # type: ignore[attr-defined]


def our_segment(name: str) -> bool:
    """Whether /dev/shm entry ``name`` is a segment this run made (see claim_segment_prefix)."""
    if "multiprocessing.shared_memory" not in sys.modules:
        return False
    prefix = str(sys.modules["multiprocessing.shared_memory"]._SHM_NAME_PREFIX)
    return prefix.startswith(f"/{SEGMENT_PREFIX}") and name.startswith(prefix[1:])


def shm_names() -> set[str]:
    """Our own segments and semaphores now in /dev/shm (never another program's)."""
    try:
        return {p.name for p in SHM_DIR.iterdir() if our_segment(p.name) or our_semaphore(p.name)}
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


def collect(shm_before: set[str], grace_s: float = CHILD_GRACE_S, spare_kept: bool = True) -> Leaks:
    """Wait briefly for children to exit, then kill and unlink whatever is left (processes
    kept on purpose too, unless ``spare_kept``: a stopping run keeps nothing)."""
    deadline = time.monotonic() + grace_s

    def waiting() -> bool:
        return time.monotonic() < deadline  # pragma: no mutate (< or <=: one instant)

    while (children := cpu.live_children(spare_kept)) and waiting():
        time.sleep(0.01)  # pragma: no mutate (any short poll period: a child just told to
        # stop is usually gone within one)
    names = []
    for child in children:
        with contextlib.suppress(Exception):
            names.append(f"pid {child.pid} ({child.name()})")
    cpu.kill_tree(children)
    new = shm_names() - shm_before
    if new:  # objects in reference cycles unlink their segments when collected; a full
        gc.collect()  # collection of the pytest process costs 60-100 ms: only when it can help
        new = shm_names() - shm_before
    shm = sorted(new - in_use(new))
    for name in shm:
        with contextlib.suppress(OSError):
            (SHM_DIR / name).unlink()
    return Leaks(names, shm)
