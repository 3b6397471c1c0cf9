"""The supervisor in-process: pytest's stand-in is a small Python child. Its exit code comes
back; a stop signal to us becomes one SIGINT to it; a child that ignores it is killed after the
grace period; what it leaves behind is killed too. Deadlines are checked by elapsed time
against a generous bound, never what is measured."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from bench_lib.supervision import runner

GENEROUS_S = 20.0  # a stop bounded by a few seconds that takes 20 is broken, not slow


def _signal_us_soon(signum: int = signal.SIGTERM, after_s: float = 0.5) -> threading.Timer:
    timer = threading.Timer(after_s, os.kill, (os.getpid(), signum))
    timer.start()
    return timer


def test_the_exit_code_comes_back(tmp_path: Path) -> None:
    out = runner.run_supervised([sys.executable, "-c", "raise SystemExit(3)"], tmp_path)
    assert out == runner.Outcome(3, interrupted=False, orphans_killed=0)


def test_a_stop_signal_becomes_one_sigint_to_the_child(tmp_path: Path) -> None:
    script = (
        "import signal, sys, time\n"
        "def stop(*a):\n"
        "    open('got', 'a').write('INT\\n'); sys.exit(5)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        "open('ready', 'w').close()\n"
        "time.sleep(60)\n"
    )
    before = signal.getsignal(signal.SIGTERM)  # SIG_DFL, or coverage's own under coverage
    began = time.monotonic()
    _signal_us_soon(signal.SIGTERM, after_s=1.0)
    out = runner.run_supervised([sys.executable, "-c", script], tmp_path)
    assert out.interrupted and out.exit_code == 5 and out.orphans_killed == 0
    assert (tmp_path / "got").read_text() == "INT\n"  # once
    assert time.monotonic() - began < GENEROUS_S
    assert signal.getsignal(signal.SIGTERM) == before  # the handlers are put back


def test_a_child_that_ignores_the_stop_is_killed_with_what_it_started(tmp_path: Path) -> None:
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "open('grandchild', 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    began = time.monotonic()
    timer = _signal_us_soon(signal.SIGHUP, after_s=2.0)
    out = runner.run_supervised([sys.executable, "-c", script], tmp_path)
    timer.join()
    elapsed = time.monotonic() - began
    assert out.interrupted and out.exit_code == -signal.SIGKILL
    assert runner.INTERRUPT_GRACE_S <= elapsed < runner.INTERRUPT_GRACE_S + GENEROUS_S
    grandchild = int((tmp_path / "grandchild").read_text())
    assert out.orphans_killed == 1
    assert not psutil.pid_exists(grandchild) or (
        psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE
    )


def test_deferred_stop_signals_act_after_the_block() -> None:
    seen: list[str] = []
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), runner.stop_signals_interrupt():
        with runner.stop_signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            seen.append("saved")  # the signal waited for this
        seen.append("not reached")
    assert seen == ["saved"]
    assert signal.getsignal(signal.SIGTERM) == before


def _exit_code_of_child(body: Callable[[], int]) -> int:
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            code = body()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_the_child_hears_stop_signals_again_and_dies_with_its_parent() -> None:
    """What runs in pytest's process before pytest: default handlers and an unblocked mask
    (a shell's background job starts with SIGINT ignored), and the parent-death signal."""

    def child() -> int:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
        runner._in_child(os.getppid())
        defaults = all(signal.getsignal(s) is signal.SIG_DFL for s in runner.SIGNALS)
        unblocked = not set(runner.SIGNALS) & signal.pthread_sigmask(signal.SIG_BLOCK, [])
        return 0 if defaults and unblocked else 3

    assert _exit_code_of_child(child) == 0


def test_a_child_whose_parent_is_already_gone_exits() -> None:
    assert _exit_code_of_child(lambda: runner._in_child(-1) or 0) == 1
