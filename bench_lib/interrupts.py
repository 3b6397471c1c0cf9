"""How the measuring pytest process stops: once, promptly, whoever sends the signal.

SIGINT may arrive twice (from the terminal to the whole group, and forwarded by ``mpbench``),
SIGTERM from a supervisor, and SIGTERM again from the kernel when ``mpbench`` dies
(``PR_SET_PDEATHSIG``, set by the runner). The first becomes one ``KeyboardInterrupt``: pytest
stops the benchmark in flight, tears down (killing what it started) and saves what finished.
Later signals are noted and ignored, so they cannot break that save. If the stop itself hangs,
a timer kills our children and exits after ``STOP_DEADLINE_S``: nothing outlives the run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from bench_lib import cpu

STOP_DEADLINE_S = 3.0  # worst bounded stop; the runner waits longer (runner.INTERRUPT_GRACE_S)
EXIT_STOP_DEADLINE = 130  # the shell's "stopped by Ctrl-C"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopOnce:
    """The signal handler of the pytest process; see the module docstring."""

    def __init__(self, on_stop: Callable[[str], None]) -> None:
        self.on_stop = on_stop  # told the signal's name, at once, before anything unwinds
        self.stopping = False
        self.saving = False  # the final save is running: record the signal, do not interrupt it
        self.pid = os.getpid()  # forked benchmark children inherit the handler, not the role

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                signal.signal(signum, self.handle)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid:  # a forked worker: die of the signal, as without us
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if self.stopping:
            return
        self.stopping = True
        self.on_stop(signal.Signals(signum).name)
        threading.Thread(target=_stop_or_exit, name="mpbench-stop-deadline", daemon=True).start()
        if not self.saving:
            raise KeyboardInterrupt


def _stop_or_exit() -> None:
    """Kill our children and exit if the orderly stop outlives its deadline."""
    time.sleep(STOP_DEADLINE_S)
    cpu.kill_tree(cpu.live_children(), grace_s=0.2)
    os._exit(EXIT_STOP_DEADLINE)
