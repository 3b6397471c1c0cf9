"""`mpbench ab`: alternating order, side parsing, joining a side's runs, and the whole command."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench_lib import ab, merge, results


def test_blocks_alternate_abba_so_a_steady_drift_hits_both_sides_alike() -> None:
    assert ab.block_order(3) == [0, 1, 1, 0, 0, 1]
    order = ab.block_order(4)
    positions = [[k for k, side in enumerate(order) if side == s] for s in (0, 1)]
    assert sum(positions[0]) == sum(positions[1])  # same mean position: linear drift cancels


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
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    files = sorted(tmp_path.glob("*/*.json"))
    assert [f.name.split("_", 1)[1] for f in files] == ["ab-a.json", "ab-b.json"]
    for f in files:
        data = results.load(f)
        assert data["mpbench"]["merged_runs"] == 2
        assert all(
            len(b["extra_info"]["mpbench"]["info"]["block_rounds"]) == 2 for b in data["benchmarks"]
        )
    assert "block 2/2, side A" in out.stdout and "spawn" in out.stdout
