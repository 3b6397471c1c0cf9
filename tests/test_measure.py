"""`mpbench measure`: bad input (exit 2, one line), the user's traceback (exit 1), the right
recommendation for a CPU-bound and a sleeping function, the JSON summary, the fixture's entry.

Behaviour only, no timing thresholds: a sleeping function's thread speedup is large whatever
the load; for CPU-bound work only "not threads" is asserted, and only where the GIL is on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench_lib.machine.gil_runtime import gil_enabled
from bench_lib.measure import plan
from bench_lib.measure.blocks import WrongResults, check, same
from bench_lib.measure.ways import Way, chosen_chunksize, default_chunksize
from bench_lib.stats.choice import Option, choose, family_confidence

REPO = Path(__file__).resolve().parent.parent
TARGETS = REPO / "tests" / "measure_targets.py"
SMOKE = ("--budget", "8", "--start-methods", "fork", "-q")


def measure(*args: str, json_out: Path | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--json", str(json_out)] if json_out else []
    return subprocess.run(
        [sys.executable, "-m", "bench_lib.cli", "measure", *args, *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def target(name: str) -> str:
    return f"{TARGETS}:{name}"


@pytest.mark.parametrize(
    ("fn", "args", "says"),
    [
        ("nowhere_module:f", target("cpu_jobs"), "cannot import nowhere_module"),
        (target("missing"), target("cpu_jobs"), "has no 'missing'"),
        (target("local"), target("small_jobs"), "define it at module level"),
        (target("crunch"), target("not_tuples"), "item 0 is a int"),
        (target("crunch"), target("not_a_list"), "not a dict"),
        ("/no/such/file.py:f", target("cpu_jobs"), "no file /no/such/file.py"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(fn: str, args: str, says: str) -> None:
    proc = measure(fn, "--args", args, *SMOKE)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in proc.stderr
    assert lines[0].startswith("mpbench measure: error: ")


def test_a_raising_function_shows_the_users_traceback_once() -> None:
    proc = measure(target("fails"), "--args", target("small_jobs"), *SMOKE)
    assert proc.returncode == 1
    assert proc.stderr.count("Traceback") == 1
    assert "the user's own error for n=2" in proc.stderr
    assert 'raise ValueError(f"the user' in proc.stderr  # the user's own line is shown
    assert "bench_lib" not in proc.stderr  # none of mpbench's frames


def test_a_way_that_returns_other_results_fails_loudly(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    proc = measure(
        target("which_process"), "--args", target("small_jobs"), *SMOKE, "--workers", "2",
        json_out=out,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "wrong results" in proc.stdout and "results differ from serial" in proc.stdout
    summary = json.loads(out.read_text())
    statuses = {w["way"]["kind"]: w["status"] for w in summary["ways"]}
    assert statuses["threads"] == "ok" and statuses["processes"] == "wrong results"
    assert summary["failed"] is True


@pytest.mark.skipif(not gil_enabled(), reason="free-threaded with the GIL off: threads may win")
def test_cpu_bound_is_not_threads(tmp_path: Path) -> None:
    out = tmp_path / "cpu.json"
    proc = measure(target("crunch"), "--args", target("cpu_jobs"), *SMOKE, json_out=out)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(out.read_text())
    assert summary["recommendation"] in ("serial", "processes", "interpreters")
    assert "recommendation: " in proc.stdout


def test_sleeping_is_parallel_and_the_summary_has_its_fields(tmp_path: Path) -> None:
    out = tmp_path / "nap.json"
    proc = measure(target("nap"), "--args", target("nap_jobs"), *SMOKE, json_out=out)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(out.read_text())
    assert summary["recommendation"] in ("threads", "processes", "interpreters")
    assert summary["schema"] == "mpbench-measure/1" and summary["calls"] == 8
    ways = {w["id"]: w for w in summary["ways"]}
    assert summary["recommended"] in ways
    threads = [w for w in summary["ways"] if w["way"]["kind"] == "threads" and w["status"] == "ok"]
    assert threads and all(w["speedup"] > 0 for w in threads)
    for w in summary["ways"]:
        assert {"speedup", "ci_low", "ci_high", "per_call_s", "startup_s", "blocks"} <= set(w)
        if w["ci_low"] is not None:
            assert w["ci_low"] <= w["speedup"] <= w["ci_high"]
    assert summary["pickling"]["args_bytes_per_call"] > 0
    assert not {"pandas", "matplotlib"} & set(summary["heavy_modules"])
    assert summary["leftover"] is None
    assert "interpreters" in " ".join(summary["skipped"]) or sys.version_info >= (3, 14)


def test_the_budget_cuts_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "cut.json"  # and a target named module:function works as PATH.py does
    fn, args = "tests.measure_targets:nap", "tests.measure_targets:nap_jobs"
    proc = measure(fn, "--args", args, *SMOKE, json_out=out)
    summary = json.loads(out.read_text())
    assert proc.returncode == 0
    assert summary["cut"] and f"cut to fit --budget {summary['budget_s']:g} s" in proc.stdout
    assert summary["budget_for_all_s"] > summary["budget_s"]


FIXTURE_TEST = """
import measure_targets as t

def test_mine(mpbench_measure):
    summary = mpbench_measure(t.nap, t.nap_jobs(), budget_s=6, start_methods=["fork"])
    assert summary.recommendation != "serial"


def test_bad_arguments(mpbench_measure):
    mpbench_measure(t.crunch, [1, 2])
"""


def test_the_fixtures_entry_is_in_the_users_benchmark_json(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(FIXTURE_TEST)
    (tmp_path / "measure_targets.py").write_text(TARGETS.read_text())
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "test_user.py", "--benchmark-only",
         f"--benchmark-json={out}", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr  # test_bad_arguments fails, in a line
    assert "1 failed, 1 passed" in proc.stdout and "item 0 is a int" in proc.stdout
    (entry,) = json.loads(out.read_text())["benchmarks"]
    assert entry["name"] == "test_mine" and entry["group"] == "mpbench_measure"
    summary: dict[str, Any] = entry["extra_info"]["mpbench_measure"]
    assert summary["recommendation"] in ("threads", "processes")
    assert entry["stats"]["rounds"] >= 1
    serial = [t for w in summary["ways"] for b in w["serial_rounds_s"] for t in b]
    assert entry["stats"]["rounds"] == len(serial)
    assert entry["stats"]["median"] == pytest.approx(sorted(serial)[len(serial) // 2] / 8, rel=0.5)


def test_choose_prefers_the_cheaper_within_the_interval() -> None:
    threads = Option("threads", (1, 4), 3.9, 3.7, 4.1)
    procs = Option("processes", (3, 4), 4.0, 3.8, 4.2)
    assert choose([procs, threads])[0] == threads
    far = Option("threads", (1, 2), 1.9, 1.8, 2.0)
    assert choose([procs, far])[0] == procs
    assert choose([]) == (None, None)
    unclear = Option("processes", (3, 2), 1.3, 0.7, 2.4)
    assert choose([unclear]) == (None, unclear)  # not clearly above 1: serial
    one_block = Option("processes", (3, 2), 1.9, None, None)
    assert choose([one_block]) == (None, None)  # no interval never wins
    wide = Option("processes", (3, 4), 3.8, 1.7, 8.3)  # two noisy blocks: everything ties it
    sure = Option("threads", (1, 4), 3.7, 2.9, 4.7)
    assert choose([far, wide, sure]) == (sure, sure)  # the surest reference, not the widest


def test_between_tied_process_ways_the_cheaper_start_method_wins() -> None:
    def way(start: str, api: str = "imap_unordered", workers: int = 2) -> Way:
        return Way("processes", workers, start, api, 1)

    assert way("fork").cost < way("forkserver").cost < way("spawn").cost
    assert way("spawn", workers=2).cost < way("fork", workers=4).cost  # fewer workers first
    assert Way("threads", 4).cost < way("fork", workers=1).cost  # threads before any process
    tied = [Option(w.id, w.cost, 1.5, 1.3, 1.8) for w in (way("spawn"), way("fork"))]
    assert choose(tied)[0] == tied[1]


def test_a_way_must_clear_serial_beyond_its_family_interval() -> None:
    # at 95% it clears 1, but widened for the dozen ways tested beside it, it does not
    lucky = Option("threads", (1, 2), 1.08, 1.01, 1.15, family_ci_low=0.97)
    assert choose([lucky]) == (None, lucky)
    assert choose([Option("threads", (1, 2), 1.08, 1.01, 1.15)])[0] is not None
    assert family_confidence(0.95, 1) == 0.95
    assert family_confidence(0.95, 10) == pytest.approx(0.995)


class Array:  # an == that answers elementwise, as numpy's does
    def __init__(self, v: int) -> None:
        self.v = v

    def __eq__(self, other: object) -> Any:
        return [True]


def test_results_are_compared_call_by_call() -> None:
    check([1, 2], [1, 2])
    with pytest.raises(WrongResults, match="call 1"):
        check([1, 3], [1, 2])
    with pytest.raises(WrongResults, match="1 results for 2 calls"):
        check([1], [1, 2])
    assert not same(Array(1), Array(2)) and same(Array(1), Array(1))


def test_plan_counts_chunks_and_ids() -> None:
    assert plan.worker_counts(2) == [1, 2, 4]
    assert plan.worker_counts(6) == [1, 2, 4, 6, 12]
    assert default_chunksize(100, 2) == 13
    assert chosen_chunksize(100, 2, per_call_s=0.01) == 1  # 10 ms calls: one a task
    assert chosen_chunksize(100, 2, per_call_s=1e-6) == 13  # tiny calls: the default's chunks
    way = Way("processes", 2, "fork", "starmap", 16)
    assert way.id == "processes[start=fork-api=starmap-chunksize=16-workers=2]"
    assert way.label == "processes (fork, Pool.starmap, chunksize 16)"
    ordered = plan.ways(2, [1, 2, 4], ["fork", "spawn"], 100, 1e-3, None, False)
    assert [w.id for w in ordered[:2]] == ["threads[workers=2]", ordered[1].id]
    assert ordered[1].start_method == "fork" and ordered[1].workers == 2
    assert len({w.id for w in ordered}) == len(ordered)


def test_a_pool_whose_worker_dies_times_out_and_leaves_no_process() -> None:
    from bench_lib.machine import cpu
    from bench_lib.measure.blocks import RoundTimeout, _timed
    from bench_lib.measure.ways import Runner
    from tests import measure_targets

    for api in ("starmap", "imap_unordered", "apply_async"):
        runner = Runner(Way("processes", 2, "fork", api, 1), measure_targets.dies, [(0,), (1,)])
        runner.open()
        try:
            with pytest.raises(RoundTimeout, match="a worker hung, or died"):
                _timed(runner, timeout_s=1.0)
        finally:
            runner.close()
        assert not [p for p in cpu.live_children() if p.status() != "zombie"]


def test_under_benchmark_disable_the_fixture_runs_the_function_once(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        "import measure_targets as t\n\n"
        "def test_mine(mpbench_measure):\n"
        "    summary = mpbench_measure(t.nap, t.nap_jobs())\n"
        "    assert summary.ways == () and summary.recommendation == 'serial'\n"
    )
    (tmp_path / "measure_targets.py").write_text(TARGETS.read_text())
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "test_user.py", "--benchmark-disable", "-q",
         "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rounds_fill_a_block_within_their_bounds() -> None:
    assert plan.rounds_per_block(serial_round_s=0.5, way_round_s=0.5) == 1  # never none
    assert plan.rounds_per_block(1e-4, 1e-4) == plan.MAX_ROUNDS  # tiny rounds: capped
    assert plan.rounds_per_block(0.0, 0.0) == plan.MAX_ROUNDS
    middle = plan.rounds_per_block(0.02, 0.01)
    assert 1 < middle < plan.MAX_ROUNDS and middle * 0.03 <= plan.BLOCK_TARGET_S


def test_what_pool_workers_import_is_lean() -> None:
    """Spawn and forkserver workers import bench_lib.measure.calls: nothing else of ours."""
    code = (
        "import sys, bench_lib.measure.calls; "
        "print(sorted(m for m in sys.modules if m.startswith(('bench_lib', 'psutil', 'numpy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == "['bench_lib', 'bench_lib.measure', 'bench_lib.measure.calls']"


def test_a_budget_that_fits_nothing_says_what_would(tmp_path: Path) -> None:
    out = tmp_path / "none.json"
    proc = measure(target("nap"), "--args", target("nap_jobs"), "--budget", "0.2", json_out=out)
    summary = json.loads(out.read_text())
    assert proc.returncode == 0 and summary["ways"] == [] and summary["recommendation"] == "serial"
    assert "no way fitted --budget 0.2 s" in summary["evidence"]
