"""`mpbench ab`: alternating order, side parsing, joining a side's runs, and the whole command."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench_lib.cli import ab, merge
from bench_lib.results import files as results


def test_a_side_is_an_interpreter_or_a_command_line() -> None:
    assert ab.Side.parse("b", "taskset -c 0 /v/bin/python").command == [
        "taskset",
        "-c",
        "0",
        "/v/bin/python",
    ]
    with pytest.raises(ab.AbError, match="side A is empty"):
        ab.Side.parse("a", "  ")


def test_joined_runs_keep_every_round_and_each_run_as_a_block(spawn_smoke: dict[str, Any]) -> None:
    second = copy.deepcopy(spawn_smoke)
    for b in second["benchmarks"]:  # the second run was twice as slow
        b["stats"]["data"] = [2 * x for x in b["stats"]["data"]]
    joined = merge.merge_runs([spawn_smoke, second], "ab-a")
    results.validate(joined)
    assert joined["mpbench"]["label"] == "ab-a" and joined["mpbench"]["merged_runs"] == 2
    before = {b["name"]: b for b in spawn_smoke["benchmarks"]}
    for b in joined["benchmarks"]:
        n = before[b["name"]]["stats"]["rounds"]
        assert b["stats"]["rounds"] == 2 * n == len(b["stats"]["data"])
        assert b["extra_info"]["mpbench"]["info"]["block_rounds"] == [n, n]
        fig = b["extra_info"]["mpbench"]["figures"][0]
        assert fig["n"] == 2 * n
        assert min(b["stats"]["data"]) <= fig["median"] <= max(b["stats"]["data"])
    fork = {b["name"]: b for b in joined["benchmarks"]}["test_process_start[start=fork]"]
    assert fork["extra_info"]["mpbench"]["floor"]["case"] == "raw_fork"  # floors resolved anew


def test_ab_runs_both_sides_saves_both_files_and_compares(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "bench_lib.cli", "ab", sys.executable, sys.executable]
    cmd += ["--profile", "smoke", "--only", "spawn", "--blocks", "2", "--output", str(tmp_path)]
    runs = str(tmp_path / "runs")  # a registry of its own: other test runs are not this ab
    env = {**os.environ, "MPBENCH_RUNS_DIR": runs}
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    files = sorted(tmp_path.glob("vm-*/*.json"))
    assert [f.name.split("_", 1)[1] for f in files] == ["ab-a.json", "ab-b.json"]
    seen = []
    for f in files:
        data = results.load(f)
        assert data["mpbench"]["merged_runs"] == 2
        seen.append(data["mpbench"]["interleaved"])
        assert all(
            len(b["extra_info"]["mpbench"]["info"]["block_rounds"]) == 2 for b in data["benchmarks"]
        )
    assert "block 2/2, A and B taking turns round by round" in out.stdout and "spawn" in out.stdout
    assert [s["side"] for s in seen] == ["a", "b"] and seen[0]["id"] == seen[1]["id"]
    # both sides ran every benchmark in turns, in both blocks (those skipped here too: both
    # sides have them, and each takes its turn to skip them)
    first = results.load(files[0])
    benchmarks = len(first["benchmarks"]) + len(first["mpbench"]["skipped"])
    assert seen[0]["turns"] == "round" and seen[0]["shared_benchmarks"] == [benchmarks] * 2
    for f in files:  # the other side took turns with it: not another run competing for the CPUs
        assert results.load(f)["mpbench"]["concurrent_runs"] == []
    assert "side by side" in out.stdout  # the comparison paired the blocks and says so


def _drifting_side(factors: list[float], interleaved: dict[str, Any] | None) -> dict[str, Any]:
    """One benchmark whose block k took 1 ms x factors[k] in every one of its 6 rounds."""
    from synthetic_results import bench, run

    b = bench("spawn", "thread_start", 1e-3)
    b["stats"]["data"] = [1e-3 * f for f in factors for _ in range(6)]
    b["extra_info"]["mpbench"]["info"]["block_rounds"] = [6] * len(factors)
    data = run(b)
    if interleaved is not None:
        data["mpbench"]["interleaved"] = interleaved
    return data


DRIFT = [1.0, 1.3, 0.8, 1.2, 0.9, 1.1]  # the machine's speed state at each pair of blocks


def test_ab_blocks_made_side_by_side_are_paired_so_common_drift_cancels() -> None:
    from bench_lib.compare import pairs

    a = _drifting_side(DRIFT, {"id": "x1", "side": "a", "runs": 6})
    b = _drifting_side([f * 1.01 for f in DRIFT], {"id": "x1", "side": "b", "runs": 6})
    [fig] = pairs.build([("a", a), ("b", b)]).pairs[0].figures
    assert fig.paired and fig.verdict == "same"
    assert fig.ratio == pytest.approx(1.01) and fig.ratio_ci == pytest.approx((1.01, 1.01))
    # the same numbers as two runs made apart: the drift is all the interval sees
    unpaired = pairs.build([("a", _drifting_side(DRIFT, None)), ("b", b)]).pairs[0].figures[0]
    assert not unpaired.paired and unpaired.verdict == "inconclusive"
    assert unpaired.ratio_ci is not None and unpaired.ratio_ci[1] / unpaired.ratio_ci[0] > 1.2


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"id": "x1", "side": "a", "runs": 6}, {"id": "x2", "side": "b", "runs": 6}),  # two ab runs
        ({"id": "x1", "side": "a", "runs": 6}, {"id": "x1", "side": "a", "runs": 6}),  # A twice
        ({"id": "x1", "side": "a", "runs": 6}, None),
    ],
)
def test_blocks_are_paired_only_between_the_two_sides_of_one_ab(
    a: dict[str, Any], b: dict[str, Any] | None
) -> None:
    from bench_lib.compare import pairs

    both = [("a", _drifting_side(DRIFT, a)), ("b", _drifting_side(DRIFT, b))]
    [fig] = pairs.build(both).pairs[0].figures
    assert not fig.paired


def test_a_benchmark_missing_from_a_run_is_not_paired() -> None:
    from bench_lib.compare import pairs

    a = _drifting_side(DRIFT[:5], {"id": "x1", "side": "a", "runs": 6})  # one run lost it
    b = _drifting_side(DRIFT[1:], {"id": "x1", "side": "b", "runs": 6})
    [fig] = pairs.build([("a", a), ("b", b)]).pairs[0].figures
    assert not fig.paired  # 5 blocks a side, but which run each came from is not known


def test_a_stop_signal_stops_both_sides_at_once_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    import signal
    import time

    import psutil

    cmd = [sys.executable, "-m", "bench_lib.cli", "ab", sys.executable, sys.executable]
    cmd += ["--profile", "quick", "--only", "gil", "--blocks", "3", "--output", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    assert "block 1/3" in proc.stdout.readline()
    deadline = time.monotonic() + 60
    sides: list[psutil.Process] = []
    while len(sides) < 2 and time.monotonic() < deadline:  # both sides' pytest running
        sides = [p for p in psutil.Process(proc.pid).children() if "bench_lib.cli" in p.cmdline()]
        time.sleep(0.2)
    assert len(sides) == 2
    everything = [*sides, *(c for s in sides for c in s.children(recursive=True))]
    time.sleep(3)  # into the measuring, one side waiting for the baton
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "interrupted" in out and "Traceback" not in out, out
    _, alive = psutil.wait_procs(everything, timeout=5)
    assert alive == []
    assert list(tmp_path.glob("*/*.json")) == []  # an interrupted ab saves nothing half made
