"""A deadline for each benchmark as a whole, so that no subject can hang the run.

Round deadlines (:func:`bench_lib.engine.deadline.round_deadline`) cover measured rounds only; this
one covers everything in one test item: fixture setup (starting peers and pools), warm-up and
calibration, the rounds, and teardown (stopping and joining them). When the time is up, a
watchdog thread signals the main thread, whose handler raises :class:`BenchmarkHung`: pytest
fails that benchmark with the phase and the limit, tears down (the leak check kills what it
left) and goes on with the next. It is an ordinary ``Exception``: pytest's teardown passes
only those on to the next finalizer (a ``BaseException`` would skip the rest and hand the next
benchmark a used fixture). If a subject swallows it, or a ``finally`` blocks again, it is raised
again every ``REFIRE_S``, but never inside pytest's own wind-up code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

WATCHDOG_SIGNAL = signal.SIGUSR2  # not used by any subject; SIGALRM is the round deadline's
REFIRE_S = 2.0  # after a first expiry, raise again this often until the phase ends
TEARDOWN_LIMIT_S = 30.0  # stopping and joining workers; a hang here is a bug too
MIN_TEARDOWN_S = 8.0  # the leak check alone may take 3 s of grace + 2 x 1 s of killing
MIN_LIMIT_S = 60.0  # setup + measuring; the smallest profile-derived limit
ROUND_TIMEOUTS = 3  # beyond warm-up: setup, the measured rounds' slowest, a calibration pass
BUDGET_FACTOR = 10.0  # measured rounds plan ~budget_s; setup and checks add a few times that


class BenchmarkHung(Exception):
    """A benchmark outlived its watchdog limit in one phase."""


_shielded = 0  # > 0: cleanup that must finish is running (the leak check); expiry waits
# Code that only winds up after the hung benchmark was stopped: raising there again would leave
# pytest's own state half torn down (the next benchmark would get a used fixture).
HARNESS_PATHS = tuple(
    f"{os.sep}{name}{os.sep}" for name in ("_pytest", "pluggy", "pytest_benchmark")
)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Let the block finish even if the watchdog expires in it (it fires again later)."""
    global _shielded
    _shielded += 1
    try:
        yield
    finally:
        _shielded -= 1


def teardown_limit_s(given_s: float | None) -> float:
    """Teardown's own limit: 30 s, or less when a shorter benchmark limit is given."""
    return min(TEARDOWN_LIMIT_S, max(given_s or TEARDOWN_LIMIT_S, MIN_TEARDOWN_S))


def item_limit_s(round_timeout_s: float, warmup_rounds: int, budget_s: float) -> float:
    """The setup + measuring limit of a profile: far above any healthy benchmark's time."""
    derived = round_timeout_s * (warmup_rounds + ROUND_TIMEOUTS) + BUDGET_FACTOR * budget_s
    return max(MIN_LIMIT_S, derived)


class Watchdog:
    """``with Watchdog(limit_s, phase, limit_name):`` raises BenchmarkHung in the block."""

    def __init__(self, limit_s: float, phase: str, limit_name: str) -> None:
        self.limit_s = limit_s
        self.phase = phase  # "setup", "measuring", "teardown"
        self.limit_name = limit_name
        self.fired = False
        self._done = threading.Event()
        self._main = threading.main_thread().ident

    def message(self) -> str:
        return (
            f"benchmark hung: its {self.phase} did not finish within {self.limit_s:.0f} s "
            f"({self.limit_name}); stopped it and went on. A worker probably waits for a peer "
            "that died or never started: check the subject's stop/join paths"
        )

    def _raise(self, signum: int, frame: FrameType | None) -> None:
        if self.fired and not self._done.is_set() and not _shielded and not _in_harness(frame):
            raise BenchmarkHung(self.message())

    def _watch(self) -> None:
        if self._done.wait(self.limit_s):
            return
        while not self._done.is_set():
            self.fired = True
            if self._main is not None:
                signal.pthread_kill(self._main, WATCHDOG_SIGNAL)
            self._done.wait(REFIRE_S)

    def __enter__(self) -> Watchdog:
        self._active = threading.current_thread() is threading.main_thread() and self.limit_s > 0
        if self._active:
            signal.signal(WATCHDOG_SIGNAL, self._raise)
            self._thread = threading.Thread(
                target=self._watch, name="mpbench-watchdog", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._active:
            return
        self._done.set()
        self._thread.join()
        # A signal sent just before the thread saw _done may still be pending; the default
        # action would end the process, so a no-op stays installed.
        signal.signal(WATCHDOG_SIGNAL, _ignore_late)


def _in_harness(frame: FrameType | None) -> bool:
    return frame is not None and any(p in frame.f_code.co_filename for p in HARNESS_PATHS)


def _ignore_late(signum: int, frame: FrameType | None) -> None:
    """A watchdog signal that arrived after its phase ended: nothing to do."""
