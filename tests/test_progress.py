"""Progress while running: counts, time left from the budget then the pace, three modes."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from bench_lib.engine import progress


def test_clock_reads_minutes_and_hours() -> None:
    assert progress.clock(0) == "0:00"
    assert progress.clock(65.4) == "1:05"
    assert progress.clock(3725) == "1:02:05"


def test_time_left_comes_from_the_budget_until_the_pace_is_known() -> None:
    p = progress.Progress(total=100, prior_s=1.5, started=0.0)
    assert p.left_s(now=0.0) == 150.0
    p.done = progress.PACE_AFTER - 1
    assert p.left_s(now=40.0) == (100 - p.done) * 1.5  # still the budget
    p.done = 20
    assert p.left_s(now=40.0) == 80 * 2.0  # 2 s per benchmark so far
    p.done = 100
    assert p.left_s(now=40.0) == 0


def test_the_line_shows_counts_current_benchmark_elapsed_left_and_failures() -> None:
    p = progress.Progress(total=215, prior_s=1.0, started=0.0, done=12, failed=1)
    line = p.line("ipc test_stream[size=64]", now=65.0)
    assert line.startswith("[ 12/215] ipc test_stream[size=64]")
    assert "1:05 elapsed" in line and "~18:20 left" in line  # 203 left at 65 s / 12
    assert "1 failed" in line


def _display(mode: str, tty: bool) -> tuple[progress.Display, io.StringIO]:
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    return progress.Display(mode, progress.Progress(3, 1.0), stream), stream


def test_auto_is_live_on_a_terminal_and_plain_elsewhere() -> None:
    assert _display("auto", tty=True)[0].mode == "live"
    assert _display("auto", tty=False)[0].mode == "plain"


def test_plain_writes_one_line_per_benchmark_and_no_control_characters() -> None:
    display, stream = _display("plain", tty=False)
    for name, status in (("spawn a", "ok"), ("spawn b", "FAIL boom"), ("ipc c", "skip no")):
        display.starting(name)
        display.finished(name, status, 0.5)
    display.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[1].startswith("[2/3] spawn b") and "FAIL boom" in lines[1]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_live_rewrites_one_line_and_keeps_failures_above_it() -> None:
    display, stream = _display("live", tty=True)
    display.starting("spawn a")
    display.finished("spawn a", "ok", 0.5)
    display.starting("spawn b")
    display.finished("spawn b", "FAIL it hung", 0.5)
    display.close()
    out = stream.getvalue()
    assert "\r\x1b[K" in out and "[0/3] spawn a" in out and "[1/3] spawn b" in out
    assert "FAIL spawn b: it hung\n" in out
    assert out.endswith("FAIL spawn b: it hung\n")  # no live line left behind


def test_quiet_prints_only_failures() -> None:
    display, stream = _display("quiet", tty=True)
    display.starting("a")
    display.finished("a", "ok", 0.1)
    display.finished("b", "FAIL x", 0.1)
    assert stream.getvalue() == "FAIL b: x\n"


def _run_in(tmp_path: Path, tty: bool) -> str:
    """A two-benchmark smoke run of `mpbench run`, its stdout a pseudo-terminal or a pipe."""
    cmd = [sys.executable, "-m", "bench_lib.cli", "run", "--profile", "smoke", "--only", "spawn"]
    cmd += ["-k", "raw_fork or thread_start", "--no-report", "--output", str(tmp_path)]
    if not tty:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    main, child = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child side closed
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=300)
    os.close(main)
    return out.decode(errors="replace")


def test_a_terminal_gets_the_live_line_and_the_end_summary(tmp_path: Path) -> None:
    out = _run_in(tmp_path, tty=True)
    assert "\r\x1b[K" in out and "[0/2] spawn test_" in out  # the live line, rewritten
    assert "What this run says:" in out and "Noise: " in out and "result: " in out


def test_a_pipe_gets_plain_lines_and_the_same_end(tmp_path: Path) -> None:
    out = _run_in(tmp_path, tty=False)
    assert "\x1b" not in out and "\r" not in out
    assert out.count(" ok\n") == 2 and "What this run says:" in out


def test_plain_pytest_prints_mpbench_figures_in_their_units() -> None:
    cmd = [sys.executable, "-m", "pytest", "benchmarks/test_spawn.py", "--benchmark-only"]
    cmd += ["--mpbench-profile=smoke", "-k", "raw_fork", "-p", "no:cacheprovider"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    assert "OPS" in out  # pytest-benchmark's own table is still there
    table = out.split("mpbench figures")[1]
    assert "raw_fork" in table and "start+join" in table and "mpbench report FILE" in table
