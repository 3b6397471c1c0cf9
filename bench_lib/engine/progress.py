"""What a run shows while it runs: done/total, the subject and benchmark, elapsed, time left.

``live`` rewrites one terminal line (failures stay above it as lines of their own), ``plain``
prints one line per finished benchmark (CI logs, pipes), ``quiet`` prints only failures.
``auto`` is ``live`` on a terminal and ``plain`` elsewhere. Nothing here measures.
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

MODES = ("auto", "live", "plain", "quiet", "none")
# Until this many benchmarks have finished, time left comes from the profile's expected time
# per benchmark; after, from the pace so far (subjects differ by 10x, so a few points mislead).
PACE_AFTER = 5


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


@dataclass
class Progress:
    total: int  # benchmarks the run will attempt
    prior_s: float  # expected seconds per benchmark before any has finished
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    failed: int = 0
    skipped: int = 0

    def left_s(self, now: float | None = None) -> float:
        remaining = max(0, self.total - self.done)
        if self.done < PACE_AFTER:
            return remaining * self.prior_s
        elapsed = (now if now is not None else time.monotonic()) - self.started
        return remaining * elapsed / self.done

    def line(self, current: str, now: float | None = None) -> str:
        now = now if now is not None else time.monotonic()
        width = len(str(self.total))
        counts = f"[{self.done:>{width}}/{self.total}]"
        extra = "".join(
            f", {n} {word}" for n, word in ((self.failed, "failed"), (self.skipped, "skipped")) if n
        )
        times = f"{clock(now - self.started)} elapsed, ~{clock(self.left_s(now))} left"
        return f"{counts} {current}  ({times}{extra})"


class Display:
    """Writes progress to a stream in one of :data:`MODES`."""

    def __init__(self, mode: str, progress: Progress, stream: TextIO = sys.stdout) -> None:
        if mode == "auto":
            mode = "live" if stream.isatty() else "plain"
        self.mode, self.progress, self.stream = mode, progress, stream
        self._live_shown = False

    def _width(self) -> int:
        return shutil.get_terminal_size((100, 20)).columns - 1

    def _clear(self) -> None:
        if self._live_shown:
            self.stream.write("\r\x1b[K")
            self._live_shown = False

    def starting(self, name: str) -> None:
        if self.mode == "live":
            self._clear()
            self.stream.write(self.progress.line(name)[: self._width()])
            self._live_shown = True
            self.stream.flush()

    def finished(self, name: str, status: str, seconds: float) -> None:
        """``status``: "ok", "skip <reason>" or "FAIL <reason>"."""
        p = self.progress
        p.done += 1
        p.failed += status.startswith("FAIL")
        p.skipped += status.startswith("skip")
        if self.mode == "plain":
            self.stream.write(f"{p.line(name)}  {seconds:.1f} s  {status}\n")
        elif self.mode in ("live", "quiet") and status.startswith("FAIL"):
            self._clear()
            self.stream.write(f"FAIL {name}: {status[5:]}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.mode == "live":
            self._clear()
            self.stream.flush()
