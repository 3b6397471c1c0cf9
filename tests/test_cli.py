"""`mpbench` as a user runs it: end to end on the smoke profile, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench_lib import results


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
    assert "test_process_start[start=fork]" in proc.stdout  # progress line
    assert "raw_fork" in proc.stdout and "95% interval" in proc.stdout  # summary with floors
    assert f"result: {files[0]}" in proc.stdout
    index = tmp_path / "reports" / files[0].parent.name / files[0].stem / "index.html"
    assert f"report: {index}" in proc.stdout and index.exists()

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
