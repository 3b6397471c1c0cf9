"""Run pytest under supervision: stream it, and on Ctrl-C or SIGTERM stop it cleanly.

On an interrupt pytest gets SIGINT (from the terminal, or forwarded here after a
SIGTERM), stops the benchmark in flight and saves what finished. If it has not
exited within the grace period it is killed; either way no process it started
outlives the run.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import psutil

from bench_lib.cpu import kill_tree

INTERRUPT_GRACE_S = 4.0  # pytest's time to save after an interrupt; the whole stop stays < 5 s


@dataclass(frozen=True)
class Outcome:
    exit_code: int  # pytest's exit code (negative: killed by that signal)
    interrupted: bool  # Ctrl-C or SIGTERM stopped the run
    orphans_killed: int  # processes left behind by pytest that we killed


class _Terminated(Exception):
    """SIGTERM arrived: treated like Ctrl-C, but pytest must be told."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def _descendants(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.NoSuchProcess):
        return psutil.Process(pid).children(recursive=True)
    return []


def _stop(proc: subprocess.Popen[bytes], forward_sigint: bool) -> tuple[int, int]:
    tree = _descendants(proc.pid)  # remembered now: once pytest dies they are orphans
    if forward_sigint:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=INTERRUPT_GRACE_S)
    except subprocess.TimeoutExpired:
        tree += _descendants(proc.pid)
        proc.kill()
        code = proc.wait()
    alive = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    kill_tree(alive, grace_s=0.5)
    return code, len(alive)


def _listen_to_sigint() -> None:
    """In the child: a shell starts background jobs with SIGINT ignored, and Python then never
    raises KeyboardInterrupt; pytest must hear the SIGINT we forward."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_supervised(command: list[str], cwd: Path) -> Outcome:
    proc = subprocess.Popen(command, cwd=cwd, preexec_fn=_listen_to_sigint)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return Outcome(proc.wait(), interrupted=False, orphans_killed=0)
    except KeyboardInterrupt:  # the terminal sent SIGINT to pytest too
        code, killed = _stop(proc, forward_sigint=False)
        return Outcome(code, interrupted=True, orphans_killed=killed)
    except _Terminated:
        code, killed = _stop(proc, forward_sigint=True)
        return Outcome(code, interrupted=True, orphans_killed=killed)
    finally:
        signal.signal(signal.SIGTERM, previous)
