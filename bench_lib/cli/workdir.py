"""The folder ``mpbench run`` works in until its result is saved, and what a killed run left.

``RUNS_DIR/cli-<pid>/`` holds pytest's raw result, the path the result is meant for, and a
lock file whose ``flock`` is shared with pytest (the fd is passed on): while either process
lives the folder is in use. A folder nobody holds belongs to a run that was killed (SIGKILL
leaves no chance to clean up): the next run saves the benchmarks it finished, if pytest
managed to write them, and removes the folder, saying so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from bench_lib.results import files as results
from bench_lib.supervision import run_registry

PREFIX = "cli-"
RAW = "pytest-benchmark.json"
TARGET = "target"  # the result path the run meant to write
LOCK = "lock"


class WorkDir:
    """This run's folder; :meth:`close` removes it."""

    def __init__(self, target: Path, folder: Path | None = None) -> None:
        self.path = (folder or run_registry.runs_dir()) / f"{PREFIX}{os.getpid()}"
        self.path.mkdir(mode=0o700)
        (self.path / TARGET).write_text(str(target))
        self.lock_fd = run_registry.hold(self.path / LOCK, str(target))
        self.raw = self.path / RAW
        self.keep = False  # the result could not be saved: leave it for the next run

    def close(self) -> None:
        os.close(self.lock_fd)
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


@dataclass(frozen=True)
class Leftover:
    pid: int  # the killed run's mpbench process
    saved: Path | None  # where its finished benchmarks are now, if any could be read
    problem: str  # why nothing was saved ("" when saved)

    def message(self) -> str:
        what = f"an earlier mpbench run (pid {self.pid}) ended before its result was saved"
        if self.saved is not None:
            return f"{what}; saved its finished benchmarks now: {self.saved}"
        return f"{what}; {self.problem}"


def _recover(folder: Path) -> tuple[Path | None, str, bool]:
    """Save a killed run's raw result: (where, why not, whether to keep the folder)."""
    raw = folder / RAW
    if not raw.exists():
        return None, "pytest had saved nothing", False
    try:
        data = results.load(raw)
    except results.ResultFileError as exc:
        return None, f"its raw result is damaged ({exc})", False
    target = Path((folder / TARGET).read_text())
    data["mpbench"]["partial"] = True  # whatever it says: nobody saw the run to its end
    try:
        return results.write_new(target, data), "", False
    except OSError as exc:
        return None, f"its result could not be saved as {target} ({exc}); kept in {folder}", True


def clean_up_killed_runs(folder: Path | None = None) -> list[Leftover]:
    """Save and remove the work folders of this user's killed runs; leave live ones alone."""
    found = []
    for path in sorted((folder or run_registry.runs_dir()).glob(f"{PREFIX}*")):
        with contextlib.suppress(OSError, ValueError):
            if path.stat().st_uid != os.getuid():
                continue  # another user's run: not ours to judge
            if run_registry.is_held(path / LOCK) is not False:
                continue  # live (held), or being created right now (no lock file yet)
            pid = int(path.name.removeprefix(PREFIX))
            saved, problem, keep = _recover(path)
            if not keep:
                shutil.rmtree(path, ignore_errors=True)
            found.append(Leftover(pid, saved, problem))
    return found
