"""Ctrl-C, SIGINT, SIGTERM and SIGKILL during `mpbench run`: prompt stop, no orphans, the
finished benchmarks saved (by this run, or by the next one after a SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import session_processes

from bench_lib.cli import workdir
from bench_lib.results import files as results
from bench_lib.supervision import run_registry

STOP_DEADLINE_S = 10.0  # the guarantee is 5 s; the margin absorbs a loaded CI machine


def start_run(tmp_path: Path, ignore_sigint: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
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
        env={**os.environ, run_registry.RUNS_DIR_ENV: str(tmp_path / "runs")},
        # a shell's background job starts with SIGINT ignored; mpbench must still stop pytest
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if ignore_sigint
        else None,
    )


def wait_for_finished(proc: subprocess.Popen[str], count: int) -> None:
    assert proc.stdout is not None
    finished = 0
    for line in proc.stdout:
        finished += line.rstrip().endswith(" ok")
        if finished >= count:
            return


@pytest.mark.parametrize(
    "how",
    ["ctrl-c", "sigint-to-mpbench-alone", "sigterm", "sighup", "sigterm-to-background-job"],
)
def test_interrupted_run_stops_saves_partial_and_leaves_nothing(tmp_path: Path, how: str) -> None:
    earlier = tmp_path / "results" / "earlier.json"
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"untouched": true}')
    proc = start_run(tmp_path, ignore_sigint=how == "sigterm-to-background-job")
    wait_for_finished(proc, 2)
    if how == "ctrl-c":  # the terminal signals the whole foreground group
        os.killpg(proc.pid, signal.SIGINT)
    elif how == "sigint-to-mpbench-alone":  # `kill -INT <pid>`, Popen.send_signal
        proc.send_signal(signal.SIGINT)
    elif how == "sighup":  # the terminal closed
        proc.send_signal(signal.SIGHUP)
    else:  # a supervisor signals the command only
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=STOP_DEADLINE_S)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.stdout is not None
    output = proc.stdout.read()
    assert code == 130, output
    assert session_processes(proc.pid) == []
    assert earlier.read_text() == '{"untouched": true}'
    saved = list((tmp_path / "results").glob("*/*_run.json"))
    assert len(saved) == 1, output
    data = results.load(saved[0])
    assert data["mpbench"]["partial"] is True
    assert len(data["benchmarks"]) >= 2
    assert "as a partial result" in output
    assert data["mpbench"]["failures"] == [], output  # a stop is no benchmark's failure
    assert data["mpbench"]["stopped_by"] in ("SIGINT", "SIGTERM"), data["mpbench"]
    assert not list((tmp_path / "results").rglob("*.tmp"))
    assert list((tmp_path / "runs").iterdir()) == []


def test_after_sigkill_of_mpbench_pytest_stops_and_the_next_run_saves_its_work(
    tmp_path: Path,
) -> None:
    proc = start_run(tmp_path)
    wait_for_finished(proc, 2)
    proc.kill()  # mpbench has no chance to do anything
    proc.wait()
    deadline = time.monotonic() + STOP_DEADLINE_S
    while session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert session_processes(proc.pid) == []  # pytest and its workers did not go on
    finally:
        for orphan in session_processes(proc.pid):
            orphan.kill()
    [leftover] = workdir.clean_up_killed_runs(tmp_path / "runs")
    assert leftover.pid == proc.pid and leftover.saved is not None, leftover.message()
    data = results.load(leftover.saved)
    assert data["mpbench"]["partial"] is True and len(data["benchmarks"]) >= 2
