"""Scaling figures: pure functions at their edges, and derive() on synthetic result dicts."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench_lib.results import scaling
from bench_lib.stats import replicates


def test_speedup_is_t1_over_tn() -> None:
    assert scaling.speedup(2.0, 1.0) == 2.0
    assert scaling.speedup(1.0, 2.0) == 0.5


@pytest.mark.parametrize(("t1", "tn"), [(0.0, 1.0), (1.0, 0.0), (-1.0, 1.0)])
def test_speedup_rejects_non_positive_times(t1: float, tn: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        scaling.speedup(t1, tn)


def test_parallelism_is_capped_by_usable_cores() -> None:
    assert scaling.parallelism(1, 2) == 1
    assert scaling.parallelism(4, 2) == 2
    with pytest.raises(ValueError):
        scaling.parallelism(0, 2)


def test_efficiency() -> None:
    assert scaling.efficiency(2.0, 2) == 1.0
    assert scaling.efficiency(1.0, 4) == 0.25
    with pytest.raises(ValueError):
        scaling.efficiency(1.0, 0)


def test_karp_flatt_edges() -> None:
    assert scaling.karp_flatt(1.0, 1) is None  # undefined on one core
    assert scaling.karp_flatt(4.0, 4) == pytest.approx(0.0)  # perfect scaling: no serial part
    assert scaling.karp_flatt(1.0, 4) == pytest.approx(1.0)  # no speedup: all serial
    # Amdahl with f = 0.1 on p = 2: S = 1 / (0.1 + 0.45)
    assert scaling.karp_flatt(1 / 0.55, 2) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        scaling.karp_flatt(0.0, 2)


def test_amdahl_fit_recovers_a_known_serial_fraction() -> None:
    f = 0.2
    points = [(p, 1 / (f + (1 - f) / p)) for p in (1, 2, 4, 8)]
    assert scaling.amdahl_fit(points) == pytest.approx(f)


def test_amdahl_fit_edges() -> None:
    assert scaling.amdahl_fit([]) is None
    assert scaling.amdahl_fit([(1, 1.0)]) is None  # p = 1 says nothing about f
    assert scaling.amdahl_fit([(2, 2.5)]) == 0.0  # superlinear noise clamps to 0
    assert scaling.amdahl_fit([(2, 0.5)]) == 1.0  # slowdown clamps to 1


def test_bootstrap_statistic_needs_enough_samples() -> None:
    assert scaling.bootstrap_statistic(lambda a, b: a / b, [1.0, 1.0], [1.0, 1.0, 1.0]) is None


def test_bootstrap_statistic_of_identical_samples_has_zero_width() -> None:
    ci = scaling.bootstrap_statistic(lambda a, b: a / b, [2.0] * 6, [1.0] * 6)
    assert ci == (2.0, 2.0)


def bench(
    subject: str,
    case: str,
    params: dict[str, Any],
    rounds: list[float],
    *,
    axis: str | None = "n",
    cores: int = 2,
    side_step: bool = False,
    data: bool = True,
) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if axis:
        info["scaling"] = {"axis": axis, "usable_cores": cores}
    if side_step:
        info["side_step"] = {"axis": "mode", "numerator": "process", "denominator": "thread"}
    stats: dict[str, Any] = {"median": sorted(rounds)[len(rounds) // 2]}
    if data:
        stats["data"] = rounds
    return {
        "stats": stats,
        "extra_info": {
            "mpbench": {
                "subject": subject,
                "case": case,
                "params": params,
                "info": info,
                "cpu": {"effective_cores": 1.5},
            }
        },
    }


def derived(b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = b["extra_info"]["mpbench"].get("derived", {})
    return out


def test_derive_speedup_efficiency_and_serial_fraction() -> None:
    one = bench("pool", "scaling", {"workers": 1, "task_ms": 1.0}, [2.0] * 6, axis="workers")
    two = bench("pool", "scaling", {"workers": 2, "task_ms": 1.0}, [1.0] * 6, axis="workers")
    four = bench("pool", "scaling", {"workers": 4, "task_ms": 1.0}, [1.25] * 6, axis="workers")
    other = bench("pool", "scaling", {"workers": 2, "task_ms": 10.0}, [1.0] * 6, axis="workers")
    scaling.derive([one, two, four, other])
    assert derived(one)["speedup"] == 1.0
    d = derived(two)
    assert d["speedup"] == 2.0 and (d["speedup_ci_low"], d["speedup_ci_high"]) == (2.0, 2.0)
    assert d["efficiency"] == 1.0 and d["serial_fraction_karp_flatt"] == pytest.approx(0.0)
    assert d["effective_cores"] == 1.5 and d["parallelism"] == 2
    assert derived(four)["parallelism"] == 2  # oversubscribed: 4 workers, 2 cores
    assert derived(four)["efficiency"] == pytest.approx(0.8)
    assert derived(two)["serial_fraction_amdahl_fit"] == pytest.approx(0.0)  # 4 > cores: left out
    assert derived(other) == {}  # no workers=1 point at task_ms=10: nothing to divide by


def test_derive_side_step_factor() -> None:
    points = {
        ("thread", 1): [1.0] * 6,
        ("thread", 2): [1.0] * 6,
        ("process", 1): [1.0] * 6,
        ("process", 2): [0.5] * 6,
    }
    benches = {
        k: bench("gil", "cpu_split", {"mode": k[0], "n": k[1]}, v, side_step=True)
        for k, v in points.items()
    }
    scaling.derive(list(benches.values()))
    head = derived(benches["process", 2])
    assert head["side_step_factor"] == 2.0 and head["side_step_headline"] is True
    assert head["side_step_ci_low"] == 2.0
    assert derived(benches["process", 1])["side_step_headline"] is False
    assert "side_step_factor" not in derived(benches["thread", 2])


def test_derive_without_raw_rounds_gives_no_interval() -> None:
    one = bench("pool", "scaling_cores", {"cores": 1}, [3.0], axis="cores", data=False)
    two = bench("pool", "scaling_cores", {"cores": 2}, [2.0], axis="cores", data=False)
    scaling.derive([one, two])
    assert derived(two)["speedup"] == 1.5
    assert derived(two)["speedup_ci_low"] is None


def test_derive_leaves_other_benchmarks_alone() -> None:
    plain = bench("spawn", "process_start", {"start": "fork"}, [1.0] * 3, axis=None)
    empty: dict[str, Any] = {"stats": {}, "extra_info": {}}
    scaling.derive([plain, empty])
    assert "derived" not in plain["extra_info"]["mpbench"]
    assert not math.isnan(plain["stats"]["median"])


def test_a_shared_serial_baseline_serves_both_modes_and_cancels_in_the_side_step() -> None:
    serial = bench("gil", "cpu_serial", {}, [1.0] * 6, axis=None)
    shared = {"case": "cpu_serial", "params": {}}
    points = {  # the one-thread point came out slow (say, a busy core): it must not matter
        ("thread", 1): [1.6] * 6,
        ("thread", 2): [1.0] * 6,
        ("process", 1): [1.0] * 6,
        ("process", 2): [0.5] * 6,
    }
    benches = {}
    for (mode, n), rounds in points.items():
        b = bench("gil", "cpu_split", {"mode": mode, "n": n}, rounds, side_step=True)
        b["extra_info"]["mpbench"]["info"]["scaling"]["baseline"] = shared
        b["name"] = f"test_cpu_split[mode={mode}-n={n}]"
        benches[mode, n] = b
    serial["name"] = "test_cpu_serial"
    scaling.derive([serial, *benches.values()])
    assert derived(benches["process", 2])["speedup"] == 2.0  # T_serial / T_2, not T_1 / T_2
    assert derived(benches["thread", 2])["speedup"] == 1.0
    assert derived(benches["thread", 1])["speedup"] == pytest.approx(1 / 1.6)
    assert {derived(b)["baseline"] for b in benches.values()} == {"test_cpu_serial"}
    head = derived(benches["process", 2])
    assert head["side_step_factor"] == 2.0  # T_thread(2) / T_process(2): the baseline cancels
    assert head["side_step_ci_low"] == head["side_step_ci_high"] == 2.0
    assert "derived" not in serial["extra_info"]["mpbench"]


def test_a_missing_shared_baseline_derives_nothing() -> None:
    b = bench("gil", "cpu_split", {"mode": "process", "n": 2}, [0.5] * 6, side_step=True)
    b["extra_info"]["mpbench"]["info"]["scaling"]["baseline"] = {"case": "cpu_serial"}
    scaling.derive([b])
    assert derived(b) == {}


def test_impossible_names_reads_the_plugins_flag() -> None:
    ok = bench("gil", "cpu_split", {"mode": "process", "n": 1}, [1.0] * 6)
    bad = bench("gil", "cpu_split", {"mode": "process", "n": 2}, [0.4] * 6)
    ok["name"], bad["name"] = "a", "b"
    bad["extra_info"]["mpbench"]["noise"] = {"flags": [{"code": "impossible", "message": "x"}]}
    ok["extra_info"]["mpbench"]["noise"] = {"flags": [{"code": "erratic", "message": "y"}]}
    assert scaling.impossible_names([ok, bad]) == {"b"}
    assert scaling.impossible(bad) and not scaling.impossible(ok)


def test_speedup_comes_from_blocks_so_one_fast_block_does_not_skew_it() -> None:
    # the reference VM's vCPUs run some blocks 1.6x faster: two slow blocks and one fast in the
    # baseline made the pooled-median speedup 2.31x on 2 cores; the blocks' ratio stays honest
    one = bench("pool", "scaling_cores", {"cores": 1}, [0.2] * 4 + [0.2] * 4 + [0.12] * 4)
    two = bench("pool", "scaling_cores", {"cores": 2}, [0.085] * 4 + [0.08] * 4 + [0.105] * 4)
    for b in (one, two):
        b["extra_info"]["mpbench"]["info"]["block_rounds"] = [4, 4, 4]
        b["extra_info"]["mpbench"]["info"]["scaling"]["axis"] = "cores"
    scaling.derive([one, two])
    d = derived(two)
    pooled = 0.2 / 0.085
    geometric = (0.2 * 0.2 * 0.12) ** (1 / 3) / (0.085 * 0.08 * 0.105) ** (1 / 3)
    assert d["speedup"] == pytest.approx(geometric) and d["speedup"] < 2 < pooled
    assert d["speedup_ci_low"] < d["speedup"] < d["speedup_ci_high"]


def test_a_paired_baseline_beats_the_standalone_point_it_names() -> None:
    # the baseline timed round by round beside the point shares its seconds: it, not the
    # workers=1 benchmark measured minutes earlier on a faster vCPU, divides the point
    one = bench("pool", "scaling", {"workers": 1}, [0.1] * 12, axis="workers")
    two = bench("pool", "scaling", {"workers": 2}, [0.1] * 4 + [0.11] * 4 + [0.12] * 4)
    block = two["extra_info"]["mpbench"]
    block["info"].update(block_rounds=[4, 4, 4], scaling={"axis": "workers", "usable_cores": 2})
    block["paired"] = {
        "role": "baseline",
        "case": "scaling",
        "params": {"workers": 1},
        "rounds_s": [0.19] * 4 + [0.2] * 4 + [0.24] * 4,
        "block_rounds": [4, 4, 4],
    }
    scaling.derive([one, two])
    d = derived(two)
    assert d["speedup"] == pytest.approx((1.9 * (0.2 / 0.11) * 2.0) ** (1 / 3))
    assert d["baseline"] == "scaling[workers=1] (paired)"  # measured beside it, named so
    assert 1 < d["speedup"] < 2  # the standalone point would have said 1.0x


def test_a_floor_role_is_no_baseline() -> None:
    one = bench("pool", "scaling", {"workers": 1}, [0.2] * 6, axis="workers")
    two = bench("pool", "scaling", {"workers": 2}, [0.1] * 6, axis="workers")
    two["extra_info"]["mpbench"]["paired"] = {"role": "floor", "rounds_s": [0.01] * 6}
    scaling.derive([one, two])
    assert derived(two)["speedup"] == 2.0


def _paired_point(mode: str, n: int, base: list[float], rounds: list[float]) -> dict[str, Any]:
    b = bench("gil", "cpu_split", {"mode": mode, "n": n}, rounds, side_step=True)
    block = b["extra_info"]["mpbench"]
    block["info"]["block_rounds"] = [len(rounds) // 3] * 3
    block["paired"] = {
        "role": "baseline",
        "case": "cpu_serial",
        "params": {},
        "rounds_s": base,
        "block_rounds": [len(base) // 3] * 3,
    }
    return b


def test_a_paired_baseline_cancels_the_drift_between_blocks() -> None:
    # the VM ran block 2 1.5x slower and block 3 1.25x slower: both series alike, so each
    # block's ratio is exactly 2 and the paired interval has no width; Welch's two-sample
    # interval, for runs measured apart, would count that drift as noise twice
    base = [0.2] * 4 + [0.3] * 4 + [0.25] * 4
    two = _paired_point("process", 2, base, [0.1] * 4 + [0.15] * 4 + [0.125] * 4)
    scaling.derive([two])
    d = derived(two)
    assert d["speedup"] == pytest.approx(2.0)
    assert d["speedup_ci_low"] == pytest.approx(2.0) and d["speedup_ci_high"] == pytest.approx(2.0)
    welch = replicates.block_ratio([0.1, 0.15, 0.125], [0.2, 0.3, 0.25])
    assert welch is not None and welch.ci_low is not None and welch.ci_low < 1.7


def test_side_step_divides_the_two_modes_paired_speedups() -> None:
    # each mode beside its own baseline, minutes apart: the thread point ran on a slow VM
    # state (everything 1.4x slower), which its own baseline shows; raw times would say 2.8x
    process = _paired_point("process", 2, [0.2] * 12, [0.1] * 12)
    thread = _paired_point("thread", 2, [0.28] * 12, [0.28] * 12)
    scaling.derive([process, thread])
    d = derived(process)
    assert d["side_step_factor"] == pytest.approx(2.0)  # 2.0x over 1.0x, not 0.28 / 0.1
    assert d["side_step_ci_low"] == pytest.approx(2.0)


def test_the_paired_block_ratio_is_a_one_sample_t_on_log_ratios() -> None:
    from scipy import stats as sps

    base, cand = [1.0, 1.1, 0.9, 1.2], [2.1, 2.0, 1.9, 2.6]
    r = replicates.paired_block_ratio(base, cand)
    logs = [math.log(c / b) for b, c in zip(base, cand)]
    t = sps.ttest_1samp(logs, 0.0)
    low, high = t.confidence_interval(0.95)
    assert r is not None and r.ratio == pytest.approx(math.exp(sum(logs) / 4))
    assert (r.ci_low, r.ci_high) == (pytest.approx(math.exp(low)), pytest.approx(math.exp(high)))
    assert r.p_value == pytest.approx(t.pvalue, rel=1e-6)
    assert replicates.paired_block_ratio([1.0, 2.0], [1.0]) is None  # blocks must pair
    assert replicates.paired_block_ratio([1.0, 0.0], [1.0, 1.0]) is None
