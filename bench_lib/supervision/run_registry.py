"""Other mpbench runs on this machine: every live run holds a lock file, so a second one is seen.

A run (the pytest process that measures) creates ``RUNS_DIR/run-<pid>.lock``, holds an
exclusive ``flock`` on it for its whole life and writes what it runs into it. The kernel drops
the lock however the process ends, SIGKILL included, so a file whose lock can be taken belongs
to a run that is gone; it is removed when seen. The directory is machine-wide (mode 1777, like
/tmp) because another user's run disturbs the figures as much as one's own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

RUNS_DIR_ENV = "MPBENCH_RUNS_DIR"  # tests point it at a private folder
DEFAULT_RUNS_DIR = Path(tempfile.gettempdir()) / "mpbench-runs"
LOCK_SUFFIX = ".lock"


def runs_dir() -> Path:
    path = Path(os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            path.chmod(0o1777)  # every user's runs meet here; each removes only its own files
    return path


@dataclass(frozen=True)
class OtherRun:
    pid: int
    what: str  # the other run's description: its command line

    def as_dict(self) -> dict[str, object]:
        return {"pid": self.pid, "what": self.what}


def hold(path: Path, what: str) -> int:
    """Create ``path`` locked (exclusive ``flock``) with ``what`` inside; return the open fd.

    The file is locked before it gets its name, so a scan never sees it unlocked and calls it stale.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, what.encode(errors="replace"))
        os.fchmod(fd, 0o644)
        os.rename(tmp, path)
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd


def release(fd: int, path: Path) -> None:
    with contextlib.suppress(OSError):
        if os.fstat(fd).st_ino == path.stat().st_ino:
            path.unlink()
    os.close(fd)


def is_held(path: Path) -> bool | None:
    """True: a live process holds ``path``'s lock; False: nobody does (stale); None: it is gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def remove_if_stale(path: Path) -> bool:
    """Remove ``path`` if no process holds its lock (a killed run's); True if it was removed."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_ino != path.stat().st_ino:
            return False  # replaced since we opened it: not the file we judged
        path.unlink()
        return True
    except OSError:  # held (BlockingIOError), or another user's file in the sticky folder
        return False
    finally:
        os.close(fd)


class RunLock:
    """This run's entry in the registry, held from :meth:`acquire` to :meth:`release`."""

    def __init__(self, what: str, folder: Path | None = None) -> None:
        self.folder = folder or runs_dir()
        self.path = self.folder / f"run-{os.getpid()}{LOCK_SUFFIX}"
        self.fd = hold(self.path, what)

    def others(self) -> list[OtherRun]:
        """The other runs live now; stale entries of killed runs are removed on the way."""
        found = []
        for path in sorted(self.folder.glob(f"run-*{LOCK_SUFFIX}")):
            if path == self.path:
                continue
            held = is_held(path)
            if held:
                pid = path.name.removeprefix("run-").removesuffix(LOCK_SUFFIX)
                with contextlib.suppress(OSError, ValueError):
                    found.append(OtherRun(int(pid), path.read_text(errors="replace")[:300]))
            elif held is False:
                remove_if_stale(path)
        return found

    def release(self) -> None:
        release(self.fd, self.path)
