"""What a benchmark session did, for the result file's top-level ``mpbench`` block.

One :class:`SessionLog` per pytest session, registered as a plugin by :mod:`bench_lib.plugin.hooks`:
passes, failures and skips, the stop signal and the benchmark it stopped, the GIL's state,
other mpbench runs seen at the same time, and the progress display.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import pytest

from bench_lib.engine import progress, turnstile
from bench_lib.engine.twins import TwinBook
from bench_lib.machine import environment, gil_runtime
from bench_lib.supervision import interrupts, run_registry


class SessionLog:
    """What happened in the session, for the result file's top-level ``mpbench`` block."""

    def __init__(self) -> None:
        self.started = datetime.now(UTC)
        self.conditions: environment.RunConditions | None = None  # sampled by take_part()
        self.taking_part = False  # mpbench benchmarks are selected: see take_part()
        self.gil_watch = gil_runtime.GilWatch()
        self.gil_check: gil_runtime.GilCheck | None = None
        self.failures: list[dict[str, str]] = []
        self.skipped: list[dict[str, str]] = []
        self.passed = 0
        self.interrupted = False
        self.main_module_note = ""
        self.display: progress.Display | None = None  # set once the benchmarks are collected
        self.item_t0 = time.monotonic()  # when the running benchmark started
        self.stop_signal = ""  # the signal that stopped the run ("SIGINT", "SIGTERM", ...)
        self.stopped_during = ""  # the benchmark in flight then: interrupted, not failed
        self.current = ""  # the benchmark running now
        self.run_lock: run_registry.RunLock | None = None
        self.concurrent: dict[int, run_registry.OtherRun] = {}
        self.warned: set[int] = set()
        self.stopper: interrupts.StopOnce | None = None
        self.twins = TwinBook()  # points measured beside a sibling, for that sibling

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.item_t0 = time.monotonic()
        if self.display is not None:
            self.display.starting(display_name(nodeid))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.gil_watch.start()  # every benchmark module (and what it imports) is loaded now
        self.twins.pending = {item.nodeid for item in session.items}

    def take_part(self) -> None:
        """Once mpbench benchmarks are selected, before the first one: sample the machine's
        load. A session of the user's own benchmarks never waits for the sample."""
        if not self.taking_part:
            self.taking_part = True
            self.conditions = environment.run_conditions()

    def start_measuring(self) -> None:
        """At the first benchmark (a test session that measures nothing is no run): take over
        stop signals and register, so other runs see this one and this one sees them."""
        if self.stopper is not None:
            return
        self.stopper = interrupts.StopOnce(self.stop)
        self.stopper.install()
        try:
            self.run_lock = run_registry.RunLock(turnstile.partner_tag() + " ".join(sys.argv))
        except OSError as exc:
            print(
                f"mpbench: cannot register this run; other runs go unseen: {exc}", file=sys.stderr
            )
        self.look_for_other_runs()

    def look_for_other_runs(self) -> None:
        """Note every other mpbench run seen so far (their figures and ours are disturbed)."""
        partner = turnstile.partner_tag()
        if self.run_lock is not None:
            for other in self.run_lock.others():
                if not (partner and other.what.startswith(partner)):  # `mpbench ab`'s other side
                    self.concurrent.setdefault(other.pid, other)

    def warn_about_other_runs(self) -> None:
        """Once for each run seen; called outside pytest's capture, which would swallow it."""
        for pid, other in self.concurrent.items():
            if pid not in self.warned:
                self.warned.add(pid)
                print(
                    f"mpbench: WARNING another mpbench run is going on (pid {pid}: "
                    f"{other.what}); both compete for the CPUs, so both runs' figures are "
                    "disturbed: run one at a time",
                    file=sys.stderr,
                    flush=True,
                )

    def stop(self, signal_name: str) -> None:
        # At once, from the signal handler: fixtures then kill leftovers without waiting, and a
        # benchmark whose children died of the same Ctrl-C is not reported as failed.
        self.interrupted = True
        self.stop_signal = signal_name
        self.stopped_during = self.current

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.interrupted = True
        if self.stopper is not None:
            self.stopper.unwound = True  # caught: tear down and save, uninterrupted


def display_name(nodeid: str) -> str:
    """``ipc test_stream[...]`` from ``benchmarks/test_ipc.py::test_stream[...]``."""
    path, _, test = nodeid.partition("::")
    subject = path.rsplit("/", 1)[-1].removeprefix("test_").removesuffix(".py")
    return f"{subject} {test}"
