"""The engine's guarantees: hung rounds end within the timeout and leave no process behind."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psutil
from conftest import run_benchmark_source

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
    code, data = run_benchmark_source(tmp_path, HANGING_BENCHMARK, "--mpbench-profile=quick")
    assert code == 1
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
    described = describe_figure(rate, [0.5] * 6)
    assert described["median"] == 2000 and described["ci_low"] == 2000 and described["n"] == 6
    assert describe_figure(rate, [0.5] * 5)["ci_low"] is None  # no 95% interval from 5 rounds


BLOCKS = textwrap.dedent("""
    import multiprocessing, os

    def test_fresh_worker_per_block(mpbench):
        ctx = multiprocessing.get_context("fork")
        reader, writer = ctx.Pipe(duplex=False)
        worker = ctx.Process(target=lambda: writer.send(os.getpid()))
        worker.start()
        pid = reader.recv()
        worker.join()
        with open("pids", "a") as f:
            f.write(f"{pid}\\n")
        mpbench.metric_samples("block_pid", [float(pid)], "pid")
        mpbench.measure(lambda: None)
""")


def test_each_block_runs_the_body_afresh_and_every_round_is_kept(tmp_path: Path) -> None:
    code, data = run_benchmark_source(tmp_path, BLOCKS, "--mpbench-profile=standard")
    assert code == 0
    pids = (tmp_path / "pids").read_text().split()
    bench = data["benchmarks"][0]
    m = bench["extra_info"]["mpbench"]
    assert len(pids) == len(set(pids)) == 3  # the standard profile's three blocks
    assert len(m["info"]["block_rounds"]) == 3
    assert sum(m["info"]["block_rounds"]) == bench["stats"]["rounds"] == m["figures"][0]["n"]
    assert m["metrics"]["block_pid"]["n"] == 3  # per-block samples add up, not overwrite
