"""`mpbench` as a user runs it: end to end on the smoke profile, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench_lib.cli import workdir
from bench_lib.results import files as results
from bench_lib.supervision import run_registry


def mpbench(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench_lib.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def test_run_smoke_writes_a_valid_result_and_prints_the_summary(tmp_path: Path) -> None:
    proc = mpbench(
        "run",
        "--profile",
        "smoke",
        "--only",
        "spawn",
        "--label",
        "ci smoke",
        "--output",
        str(tmp_path / "results"),
        "--reports",
        str(tmp_path / "reports"),
    )
    assert proc.returncode == 0, proc.stderr
    files = list(tmp_path.glob("results/*/*_ci-smoke.json"))
    assert len(files) == 1
    data = results.load(files[0])
    assert files[0].parent.name == data["machine_info"]["mpbench"]["machine_id"]
    assert data["mpbench"]["profile"] == "smoke" and data["mpbench"]["label"] == "ci smoke"
    out = proc.stdout
    assert "] spawn test_process_start[start=fork]" in out and out.count(" ok\n") >= 10  # plain
    assert "\x1b" not in out and "\r" not in out  # not a terminal: no live line
    assert "What this run says:" in out and "fork starts a process" in out  # the run's answers
    assert "Noise: " in out and "95% interval" not in out  # one line, not the table (-v)
    assert f"result: {files[0]}" in out
    index = tmp_path / "reports" / files[0].parent.name / files[0].stem / "index.html"
    assert f"report: {index.resolve().as_uri()}" in out and index.exists()

    again = mpbench("report", str(files[0]), "-o", str(tmp_path / "again"))
    assert (
        again.returncode == 0 and (tmp_path / "again" / "charts" / "spawn_start_cost.png").exists()
    )


def test_info_prints_the_fingerprint() -> None:
    proc = mpbench("info")
    assert proc.returncode == 0
    assert "machine_id" in proc.stdout and "usable_cores" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--profile", "fast"], "unknown profile 'fast'; choose one of: smoke, quick"),
        (["run", "--only", "spawn,gpu"], "unknown subject 'gpu'; choose from: "),
        (
            ["run", "--start-methods", "teleport"],
            "unknown start method 'teleport'; choose from: fork",
        ),
        (["run", "--output", "/proc/mpbench-results"], "cannot write to output folder"),
        (["show", "/nonexistent/result.json"], "/nonexistent/result.json: "),
        (["report", "/etc/hostname"], "/etc/hostname: is not valid JSON"),
        (["report", "/etc"], "/etc: is a directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    proc = mpbench(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_as_user(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    proc = mpbench("run", "--output", str(locked / "x"))
    assert proc.returncode == 2 and "cannot write" in proc.stderr


def test_show_filters_subjects_and_writes_markdown(spawn_smoke: dict, tmp_path: Path) -> None:
    path = results.write_atomic(tmp_path / "r.json", spawn_smoke)
    proc = mpbench("show", str(path), "--only", "spawn", "--headline", "--markdown")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("| subject | benchmark |")
    assert sum(line.startswith("| spawn |") for line in lines) == len(spawn_smoke["benchmarks"])
    bad = mpbench("show", str(path), "--only", "gpu")
    assert bad.returncode == 2 and "unknown subject 'gpu'; choose from: spawn" in bad.stderr
    empty = mpbench("show", str(path), "--only", "")  # as `run --only ''` is refused
    assert empty.returncode == 2 and "(none given)" in empty.stderr


def test_an_unwritable_reports_folder_is_refused_before_running(tmp_path: Path) -> None:
    proc = mpbench(
        "run",
        "--profile",
        "smoke",
        "--only",
        "spawn",
        "--output",
        str(tmp_path / "results"),
        "--reports",
        "/proc/mpbench-reports",
    )
    assert proc.returncode == 2 and "cannot write to output folder /proc" in proc.stderr
    assert not list(tmp_path.rglob("*.json"))  # refused before anything ran


TINY = """
import time

def test_first(mpbench):
    mpbench.measure(lambda: time.sleep(0.001), rounds=3)

def test_second(mpbench):
    mpbench.measure(lambda: time.sleep(0.001), rounds=3)
"""

# Runs `mpbench run` on TINY in-process; a stop signal arrives in the middle of the final save.
DRIVER = """
import os, signal, sys
from pathlib import Path
from bench_lib.cli import main as cli
from bench_lib.cli import common as cli_common
from bench_lib.results import files as results

cli_common.BENCHMARKS = Path(sys.argv[1])
fixed = results.result_path
results.result_path = lambda root, machine, label: fixed(
    root, machine, label, results.datetime(2026, 1, 2, 3, 4, 5, tzinfo=results.UTC)
)
signum = getattr(signal, sys.argv[3], None)
if sys.argv[3] == "ENOSPC":

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    results.write_new = full_disk
if signum is not None:
    save = results.write_new if hasattr(results, "write_new") else results.write_atomic

    def interrupted(path, data):
        os.kill(os.getpid(), signum)
        return save(path, data)

    results.write_new = results.write_atomic = interrupted
sys.exit(cli.main(
    ["run", "--only", "tiny", "--profile", "smoke", "--no-report", "--output", sys.argv[2],
     "--label", sys.argv[4]]
))
"""


def tiny_run(
    tmp_path: Path, signal_name: str = "", label: str = "run"
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "benchmarks").mkdir(exist_ok=True)
    (tmp_path / "benchmarks" / "test_tiny.py").write_text(TINY)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            DRIVER,
            str(tmp_path / "benchmarks"),
            str(tmp_path / "results"),
            signal_name,
            label,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, run_registry.RUNS_DIR_ENV: str(tmp_path / "runs")},
    )


def saved_results(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "results").glob("*/*.json"))


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_a_stop_signal_during_the_final_save_waits_for_it(tmp_path: Path, signal_name: str) -> None:
    proc = tiny_run(tmp_path, signal_name)
    assert proc.returncode == 130, proc.stderr
    [saved] = saved_results(tmp_path)
    data = results.load(saved)
    assert len(data["benchmarks"]) == 2 and data["mpbench"]["partial"] is False
    assert f"interrupted after saving the result: {saved}" in proc.stderr
    assert not list((tmp_path / "results").rglob("*.tmp"))  # no half-written temporary
    assert list((tmp_path / "runs").iterdir()) == []  # no work folder, no lock left


def test_two_runs_with_one_label_in_one_second_keep_both_results(tmp_path: Path) -> None:
    first, second = tiny_run(tmp_path), tiny_run(tmp_path)  # the clock is fixed to one second
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    names = [p.name for p in saved_results(tmp_path)]
    assert names == ["20260102T030405Z_run-2.json", "20260102T030405Z_run.json"]
    assert f"result: {saved_results(tmp_path)[0]}" in second.stdout


def test_a_very_long_label_is_kept_whole_and_the_run_saved(tmp_path: Path) -> None:
    label = "nightly " + "x" * 300
    proc = tiny_run(tmp_path, label=label)
    assert proc.returncode == 0, proc.stderr
    [saved] = saved_results(tmp_path)
    assert len(saved.name.encode()) < 255
    assert results.load(saved)["mpbench"]["label"] == label


HOLDS_A_TEMPORARY = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("writing", flush=True)
sys.stdin.read()
"""


def test_a_temporary_left_by_a_killed_save_is_removed_and_one_being_written_is_not(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "machine"
    folder.mkdir()
    stale, live = folder / ".a.json.x1.tmp", folder / ".b.json.x2.tmp"
    killed = subprocess.Popen(
        [sys.executable, "-c", HOLDS_A_TEMPORARY, str(stale)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLDS_A_TEMPORARY, str(live)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert killed.stdout is not None and killed.stdout.readline()
        assert writer.stdout is not None and writer.stdout.readline()
        killed.kill()  # SIGKILL in the middle of a save
        killed.wait()
        assert results.remove_stale_temporaries(folder) == [stale]
        assert live.exists() and not stale.exists()
    finally:
        writer.communicate(b"")


def test_a_killed_runs_finished_benchmarks_are_saved_by_the_next_run(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    first = tiny_run(tmp_path, label="first")
    [raw] = saved_results(tmp_path)
    target = tmp_path / "results" / "m" / "20260101T000000Z_killed.json"
    # what a SIGKILLed mpbench leaves: its work folder with pytest's raw result, nobody holding it
    folder = runs / f"{workdir.PREFIX}999999"
    folder.mkdir()
    (folder / workdir.TARGET).write_text(str(target))
    (folder / workdir.LOCK).write_text(str(target))
    (folder / workdir.RAW).write_bytes(raw.read_bytes())
    assert first.returncode == 0
    [leftover] = workdir.clean_up_killed_runs(runs)
    assert leftover.pid == 999999 and leftover.saved == target
    assert results.load(target)["mpbench"]["partial"] is True  # nobody saw it to its end
    assert list(runs.iterdir()) == []


def test_a_result_that_cannot_be_saved_is_kept_for_the_next_run(tmp_path: Path) -> None:
    proc = tiny_run(tmp_path, "ENOSPC")
    assert proc.returncode == 2 and "No space left on device" in proc.stderr
    assert "the next `mpbench run` saves it" in proc.stderr and "Traceback" not in proc.stderr
    [leftover] = workdir.clean_up_killed_runs(tmp_path / "runs")  # the disk has room again
    assert leftover.saved is not None
    assert len(results.load(leftover.saved)["benchmarks"]) == 2
    assert list((tmp_path / "runs").iterdir()) == []
