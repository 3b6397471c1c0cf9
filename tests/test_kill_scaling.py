"""Scaling's second mutation pass: the side-step factor's branches (paired baselines block by
block, a shared baseline with a point missing, the ratio of ratios at N = 1 of each mode) and
its interval, by known answers."""

from __future__ import annotations

from typing import Any

import pytest
from test_scaling import bench, derived

from bench_lib.results import scaling

SPREAD = [1.0, 1.1, 0.9, 1.05, 0.95, 1.0]


def with_paired_baseline(rounds: list[float], blocks: list[int], base: list[float],
                         base_blocks: list[int]) -> dict[str, Any]:  # fmt: skip
    b = bench("gil", "cpu_split", {"mode": "process", "n": 2}, rounds)
    m = b["extra_info"]["mpbench"]
    m["info"]["block_rounds"] = blocks
    m["paired"] = {"role": "baseline", "case": "serial", "rounds_s": base,
                   "block_rounds": base_blocks}  # fmt: skip
    return b


def test_block_speedups_pair_each_block_with_its_baseline() -> None:
    b = with_paired_baseline([1.0, 1.0, 2.0, 2.0], [2, 2], [2.0, 2.0, 4.0, 4.0], [2, 2])
    assert scaling._block_speedups(b) == (2.0, 2.0)
    unpaired = with_paired_baseline([1.0, 1.0, 2.0, 2.0], [2, 2], [2.0] * 4, [4])
    assert scaling._block_speedups(unpaired) is None  # 2 blocks against 1: nothing pairs
    zero = with_paired_baseline([0.0, 0.0, 2.0, 2.0], [2, 2], [2.0] * 4, [2, 2])
    assert scaling._block_speedups(zero) is None  # a block of 0 s has no speedup
    assert scaling._block_speedups(None) is None


def test_ratio_of_ratios_uses_each_modes_own_one_worker_point_and_has_an_interval() -> None:
    points = {
        ("thread", 1): [1.0 * s for s in SPREAD],
        ("thread", 2): [0.8 * s for s in SPREAD],  # threads gain a little
        ("process", 1): [1.0 * s for s in SPREAD],
        ("process", 2): [0.5 * s for s in SPREAD],
    }
    benches = {
        k: bench("gil", "cpu_split", {"mode": k[0], "n": k[1]}, v, side_step=True)
        for k, v in points.items()
    }
    scaling.derive(list(benches.values()))
    head = derived(benches["process", 2])
    # (T_p1 / T_p2) / (T_t1 / T_t2) = 2 / 1.25
    assert head["side_step_factor"] == pytest.approx(1.6)
    assert head["side_step_ci_low"] < head["side_step_factor"] < head["side_step_ci_high"]


def test_a_shared_baseline_without_the_other_mode_gives_no_side_step() -> None:
    serial = bench("gil", "cpu_serial", {}, [1.0] * 6, axis=None)
    serial["name"] = "test_cpu_serial"
    process = bench("gil", "cpu_split", {"mode": "process", "n": 2}, [0.5] * 6, side_step=True)
    process["extra_info"]["mpbench"]["info"]["scaling"]["baseline"] = {
        "case": "cpu_serial",
        "params": {},
    }
    scaling.derive([serial, process])
    head = derived(process)
    assert head["speedup"] == 2.0 and "side_step_factor" not in head
