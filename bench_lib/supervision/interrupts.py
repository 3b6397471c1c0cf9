"""How the measuring pytest process stops: once, promptly, whoever sends the signal.

SIGINT may arrive twice (from the terminal to the whole group, and forwarded by ``mpbench``),
SIGTERM from a supervisor, and SIGTERM again from the kernel when ``mpbench`` dies
(``PR_SET_PDEATHSIG``, set by the runner). The first becomes one ``KeyboardInterrupt``: pytest
stops the benchmark in flight, tears down (killing what it started) and saves what finished.
Later signals are noted and ignored, so they cannot break that save. If the stop itself hangs,
a timer kills our children and exits after ``STOP_DEADLINE_S``: nothing outlives the run.
The deadline holds only while pytest stops; once it saves, the save runs to its end.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from bench_lib.machine import cpu

STOP_DEADLINE_S = 2.5  # worst bounded stop; the runner waits longer (runner.INTERRUPT_GRACE_S)
NUDGE_S = 0.3  # until pytest has caught the interrupt, raise it again this often
KILL_GRACE_S = 0.2  # workers of the benchmark in flight get this long after SIGTERM
EXIT_STOP_DEADLINE = 130  # the shell's "stopped by Ctrl-C"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopOnce:
    """The signal handler of the pytest process; see the module docstring."""

    def __init__(self, on_stop: Callable[[str], None]) -> None:
        self.on_stop = on_stop  # told the signal's name, at once, before anything unwinds
        self.stopping = False
        self.unwound = False  # pytest caught the interrupt: from here on it only saves
        self.saving = False  # the final save is running: record the signal, do not interrupt it
        self.pid = os.getpid()  # forked benchmark children inherit the handler, not the role
        self._main = threading.main_thread().ident
        self._nudge = False
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self.handle) for signum in SIGNALS}
            os.register_at_fork(after_in_child=self._forget_in_child)

    def _forget_in_child(self) -> None:
        """A forked worker gets the handlers it had without us: SIGTERM kills it in the kernel,
        with no Python code that a blocked or busy worker would have to reach first."""
        if os.getpid() != self.pid:
            for signum, previous in self._previous.items():
                if previous is not None:
                    signal.signal(signum, previous)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid:  # a forked worker: die of the signal, as without us
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if self.unwound or self.saving or (self.stopping and not self._nudge):
            return  # the save must not be cut; a duplicate (terminal + mpbench) changes nothing
        self._nudge = False
        if not self.stopping:
            self.stopping = True
            self.on_stop(signal.Signals(signum).name)
            threading.Thread(target=self._enforce, name="mpbench-stop", daemon=True).start()
        raise KeyboardInterrupt

    def _enforce(self) -> None:
        """Make the stop happen within STOP_DEADLINE_S whatever the benchmark in flight does.

        Its workers are killed at once (a cleanup that joins them must not wait). Python drops
        an exception raised in an at-fork hook, and a subject may catch ``BaseException``, so
        the interrupt is raised again until pytest has caught it. At the deadline we exit.
        """
        deadline = time.monotonic() + STOP_DEADLINE_S
        cpu.kill_tree(cpu.live_children(), grace_s=KILL_GRACE_S)
        while time.monotonic() + NUDGE_S < deadline and not (self.unwound or self.saving):
            time.sleep(NUDGE_S)
            if not (self.unwound or self.saving) and self._main is not None:
                self._nudge = True
                signal.pthread_kill(self._main, signal.SIGINT)
        time.sleep(max(0.0, deadline - time.monotonic()))
        if self.saving:
            return  # what finished is being written: let it end (the runner's grace bounds it)
        cpu.kill_tree(cpu.live_children(), grace_s=KILL_GRACE_S)
        os._exit(EXIT_STOP_DEADLINE)
