"""Ctrl-C and SIGTERM during `mpbench run`: prompt stop, no orphans, partial result saved."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from bench_lib import results

STOP_DEADLINE_S = 10.0  # the guarantee is 5 s; the margin absorbs a loaded CI machine


def session_processes(sid: int) -> list[psutil.Process]:
    out = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getsid(proc.pid) == sid and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
    return out


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigterm-to-background-job"])
def test_interrupted_run_stops_saves_partial_and_leaves_nothing(tmp_path: Path, how: str) -> None:
    earlier = tmp_path / "results" / "earlier.json"
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"untouched": true}')
    proc = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "bench_lib.cli",
            "run",
            "--profile",
            "quick",
            "--only",
            "spawn",
            "--output",
            str(tmp_path / "results"),
            "--reports",
            str(tmp_path / "reports"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # a shell's background job starts with SIGINT ignored; mpbench must still stop pytest
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if how == "sigterm-to-background-job"
        else None,
    )
    assert proc.stdout is not None
    finished = 0
    for line in proc.stdout:
        finished += line.rstrip().endswith(" ok")
        if finished >= 2:
            break
    if how == "ctrl-c":  # the terminal signals the whole foreground group
        os.killpg(proc.pid, signal.SIGINT)
    else:  # a supervisor signals the command only
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=STOP_DEADLINE_S)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    output = proc.stdout.read()
    assert code == 130, output
    assert session_processes(proc.pid) == []
    assert earlier.read_text() == '{"untouched": true}'
    saved = list((tmp_path / "results").glob("*/*_run.json"))
    assert len(saved) == 1, output
    data = results.load(saved[0])
    assert data["mpbench"]["partial"] is True
    assert len(data["benchmarks"]) >= 2
    assert not list((tmp_path / "results").rglob("*.tmp"))
