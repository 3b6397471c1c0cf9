"""Crashing, leaking and noisy benchmarks: each is failed or flagged, named, and the suite goes on.

Each case is a small benchmark file run by pytest in a subprocess, as `mpbench run` would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from conftest import REPO, run_benchmark_source

from bench_lib.results import summary
from bench_lib.supervision import leaks, run_registry

HANG_SUITE_BOUND_S = 120.0  # 5 benchmarks that would each hang 600 s, cut at ~2 s each

CRASHING = textwrap.dedent("""
    import multiprocessing, os, signal, time
    from multiprocessing import shared_memory

    def _run(target, *args):
        proc = multiprocessing.get_context("fork").Process(target=target, args=args)
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"worker exited with {proc.exitcode}")

    def _raise():
        raise ValueError("boom")

    def _kill_self():
        os.kill(os.getpid(), signal.SIGKILL)

    def test_killed_by_signal(mpbench):
        mpbench.measure(lambda: _run(_kill_self))

    def test_exits_nonzero(mpbench):
        mpbench.measure(lambda: _run(os._exit, 3))

    def test_raises(mpbench):
        mpbench.measure(lambda: _run(_raise))

    def test_leaves_a_child(mpbench):
        child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(600,))
        child.start()
        open("child.pid", "w").write(str(child.pid))
        mpbench.measure(lambda: None)

    def test_leaves_shared_memory(mpbench):
        segment = shared_memory.SharedMemory(create=True, size=4096)
        open("segment.name", "w").write(segment.name)
        segment.close()
        mpbench.measure(lambda: None)

    def test_fine(mpbench):
        mpbench.measure(lambda: None)
""")


def test_crashes_and_leaks_fail_with_their_reason_and_the_suite_goes_on(tmp_path: Path) -> None:
    code, data = run_benchmark_source(tmp_path, CRASHING, "--mpbench-profile=smoke")
    assert code == 1
    reasons = {f["test"].split("::")[-1]: f["reason"] for f in data["mpbench"]["failures"]}
    assert "exited with -9" in reasons["test_killed_by_signal"]
    assert "exited with 3" in reasons["test_exits_nonzero"]
    assert "exited with 1" in reasons["test_raises"]
    assert "1 child process(es)" in reasons["test_leaves_a_child"]
    segment = (tmp_path / "segment.name").read_text().lstrip("/")
    assert segment in reasons["test_leaves_shared_memory"]
    assert segment not in leaks.shm_names()
    assert not psutil.pid_exists(int((tmp_path / "child.pid").read_text()))
    # the leaking benchmarks measured fine before their leak was found; the rest went on
    assert "test_fine" in [b["name"] for b in data["benchmarks"]]
    assert data["mpbench"]["partial"] is True


NOISY = textwrap.dedent("""
    import time

    def test_sleepy(mpbench):
        mpbench.measure(lambda: time.sleep(0.1), rounds=8)
""")


def test_a_cpu_hog_beside_a_benchmark_is_flagged(tmp_path: Path) -> None:
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        code, data = run_benchmark_source(tmp_path, NOISY, "--mpbench-profile=quick")
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert code == 0
    noise = data["benchmarks"][0]["extra_info"]["mpbench"]["noise"]
    flags = {f["code"]: f["message"] for f in noise["flags"]}
    assert "busy-machine" in flags, noise
    assert "other processes used" in flags["busy-machine"] and "taskset" in flags["busy-machine"]


OTHER_PROGRAM = (
    "import multiprocessing, sys\n"
    "lock = multiprocessing.get_context('spawn').Lock()\n"
    "print(lock._semlock.name, flush=True)\n"
    "sys.stdin.read()\n"
)


def test_another_programs_live_semaphore_is_never_removed() -> None:
    # glibc maps a new semaphore through a temporary file, so /proc never shows its holder:
    # only a name this run made may be removed. The other program is not our child (--fork),
    # else collect() would kill it as a leaked child and its resource tracker unlink the name.
    before = leaks.shm_names()
    other = subprocess.Popen(
        ["setsid", "--fork", sys.executable, "-c", OTHER_PROGRAM],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        name = "sem." + other.stdout.readline().strip().lstrip("/")  # type: ignore[union-attr]
        assert (leaks.SHM_DIR / name).exists()
        leaks.claim_semaphore_prefix()
        found = leaks.collect(before, grace_s=0.0)
        assert name not in found.shm
        assert (leaks.SHM_DIR / name).exists()
    finally:
        other.communicate("")


KEEPS_A_SEGMENT = (
    "from multiprocessing import resource_tracker, shared_memory\n"
    "segment = shared_memory.SharedMemory(create=True, size=4096)\n"
    "segment.buf[0] = 42\n"
    "segment.close()  # kept by name on purpose, for its next use; nobody maps it now\n"
    "resource_tracker.unregister(segment._name, 'shared_memory')\n"
    "print(segment.name.lstrip('/'), flush=True)\n"
)


def test_another_programs_segment_is_never_removed_even_when_nobody_holds_it() -> None:
    # It appears during "the benchmark" and no process has it open: still not ours to remove.
    before = leaks.shm_names()
    other = subprocess.run(
        ["setsid", sys.executable, "-c", KEEPS_A_SEGMENT], capture_output=True, text=True
    )
    name = other.stdout.strip()
    try:
        assert name and (leaks.SHM_DIR / name).exists(), other.stderr
        leaks.claim_segment_prefix()
        found = leaks.collect(before, grace_s=0.0)
        assert name not in found.shm
        assert (leaks.SHM_DIR / name).exists()
    finally:
        (leaks.SHM_DIR / name).unlink(missing_ok=True)


def test_a_segment_this_run_made_carries_its_prefix_and_a_leak_of_it_is_removed() -> None:
    from multiprocessing import shared_memory

    before = leaks.shm_names()
    leaks.claim_segment_prefix()
    segment = shared_memory.SharedMemory(create=True, size=4096)
    segment.close()
    name = segment.name.lstrip("/")
    assert name.startswith(f"{leaks.SEGMENT_PREFIX}{os.getpid()}_")
    found = leaks.collect(before, grace_s=0.0)
    assert found.shm == [name]
    assert not (leaks.SHM_DIR / name).exists()


ANOTHER_RUN = (
    "import sys\n"
    "from bench_lib.supervision.run_registry import RunLock\n"
    "lock = RunLock('pytest benchmarks/test_spawn.py')\n"
    "print('registered', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_second_run_at_the_same_time_is_detected_and_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(run_registry.RUNS_DIR_ENV, str(tmp_path / "runs"))
    killed = subprocess.Popen(
        [sys.executable, "-c", ANOTHER_RUN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO
    )
    assert killed.stdout is not None and killed.stdout.readline()
    killed.kill()  # a run killed by SIGKILL: its entry is stale, not a concurrent run
    killed.wait()
    other = subprocess.Popen(
        [sys.executable, "-c", ANOTHER_RUN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO
    )
    try:
        assert other.stdout is not None and other.stdout.readline()
        code, data = run_benchmark_source(tmp_path, NOISY, "--mpbench-profile=smoke")
    finally:
        other.communicate(b"")
    assert code == 0
    assert data["mpbench"]["concurrent_runs"] == [
        {"pid": other.pid, "what": "pytest benchmarks/test_spawn.py"}
    ]
    assert any("DISTURBED" in line and str(other.pid) in line for line in summary.problems(data))
    # the killed run's stale entry was removed; the benchmark run released its own
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [f"run-{other.pid}.lock"]


HANGING = textwrap.dedent("""
    import multiprocessing, time
    import pytest

    def _never_answers(conn):
        time.sleep(600)

    @pytest.fixture
    def peer_that_never_starts():
        reader, writer = multiprocessing.Pipe(duplex=False)
        proc = multiprocessing.get_context("fork").Process(target=_never_answers, args=(writer,))
        proc.start()
        reader.recv()  # waits for a "ready" that never comes
        yield

    @pytest.fixture
    def peer_that_never_stops():
        proc = multiprocessing.get_context("fork").Process(target=_never_answers, args=(None,))
        proc.start()
        yield
        proc.join()  # the peer never exits

    def test_hangs_in_setup(mpbench, peer_that_never_starts):
        mpbench.measure(lambda: None)

    def test_hangs_before_measuring(mpbench):
        time.sleep(600)  # e.g. a calibration waiting on a worker that died
        mpbench.measure(lambda: None)

    def test_swallows_the_first_expiry(mpbench):
        try:
            time.sleep(600)
        except BaseException:
            time.sleep(600)  # a cleanup that blocks again

    def test_hangs_in_teardown(mpbench, peer_that_never_stops):
        mpbench.measure(lambda: None)

    def test_fine(mpbench):
        mpbench.measure(lambda: None)
""")


def test_a_hang_anywhere_in_a_benchmark_fails_it_with_the_phase_and_the_suite_goes_on(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    code, data = run_benchmark_source(
        tmp_path, HANGING, "--mpbench-profile=smoke", "--mpbench-benchmark-timeout=2"
    )
    elapsed = time.monotonic() - started
    assert elapsed < HANG_SUITE_BOUND_S  # 5 hangs of 600 s each were cut short
    assert code == 1
    reasons: dict[str, str] = {}
    for f in data["mpbench"]["failures"]:  # a benchmark may fail in setup and in teardown
        name = f["test"].split("::")[-1]
        reasons[name] = reasons.get(name, "") + f["reason"]
    assert "benchmark hung: its setup did not finish within" in reasons["test_hangs_in_setup"]
    assert "its measuring did not" in reasons["test_hangs_before_measuring"]
    assert "its measuring did not" in reasons["test_swallows_the_first_expiry"]
    assert "its teardown did not" in reasons["test_hangs_in_teardown"]
    assert "test_fine" in [b["name"] for b in data["benchmarks"]]
    assert "test_fine" not in reasons


TWO_TEARDOWN_ERRORS = textwrap.dedent("""
    import pytest

    @pytest.fixture
    def stops_badly():
        yield
        raise RuntimeError("peer did not acknowledge stop")

    @pytest.fixture
    def joins_badly():
        yield
        raise ValueError("worker exit code 3")

    def test_two_errors(mpbench, stops_badly, joins_badly):
        mpbench.measure(lambda: None)
""")


def test_a_failure_reason_is_the_exceptions_message_even_for_a_group(tmp_path: Path) -> None:
    code, data = run_benchmark_source(tmp_path, TWO_TEARDOWN_ERRORS, "--mpbench-profile=smoke")
    assert code == 1
    [failure] = data["mpbench"]["failures"]
    assert "RuntimeError: peer did not acknowledge stop" in failure["reason"]
    assert "ValueError: worker exit code 3" in failure["reason"]
