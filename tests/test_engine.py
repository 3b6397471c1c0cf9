"""The engine's guarantees: hung rounds end within the timeout and leave no process behind."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from bench_lib.engine import Figure, describe_figure

HANGING_BENCHMARK = textwrap.dedent("""
    import multiprocessing, time
    from pathlib import Path

    def test_hang(mpbench):
        ctx = multiprocessing.get_context("fork")
        child = ctx.Process(target=time.sleep, args=(3600,))
        child.start()
        Path("child.pid").write_text(str(child.pid))
        mpbench.measure(child.join, timeout_s=1.0)

    def test_fine(mpbench):
        mpbench.measure(lambda: None)
""")


def test_a_hung_round_fails_its_benchmark_kills_the_child_and_the_suite_goes_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_hang.py").write_text(HANGING_BENCHMARK)
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "test_hang.py",
            "--benchmark-only",
            "--mpbench-profile=quick",
            f"--benchmark-json={out}",
            "-p",
            "no:cacheprovider",
            "-o",
            "testpaths=.",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    failures = data["mpbench"]["failures"]
    assert any("took longer than 1 s" in f["reason"] for f in failures), failures
    assert data["mpbench"]["partial"] is True
    assert [b["name"] for b in data["benchmarks"]] == ["test_fine"]  # the suite went on
    assert not psutil.pid_exists(int((tmp_path / "child.pid").read_text()))


def test_figures_turn_round_times_into_their_units() -> None:
    rate = Figure("messages", "msg/s", "rate", per_round=1000)
    per_op = Figure("per message", "s", "time", per_round=1000)
    assert rate.of(0.5) == 2000 and per_op.of(0.5) == 0.0005
    assert rate.higher_is_better and not per_op.higher_is_better
    described = describe_figure(rate, [0.5, 0.5, 0.5])
    assert described["median"] == 2000 and described["ci_low"] == 2000 and described["n"] == 3
