"""compare.build on synthetic runs: the unknown-direction guard, the noise, drift and mixing
warnings (each at its threshold), and verdicts whose numbers are known in advance.

Runs have 4 blocks of 5 rounds (the standard profile's shape), so verdicts can be decided.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from synthetic_results import bench, run

from bench_lib.compare import match as compare_match
from bench_lib.compare import pairs as compare

BLOCKS = [5, 5, 5, 5]


def timed(
    case: str, round_s: float, *, count: float | None = None, **params: Any
) -> dict[str, Any]:
    """A benchmark whose 20 rounds spread +-2% around ``round_s``, in 4 blocks."""
    b = bench("spawn", case, round_s, **params)
    spread = [1.0, 0.98, 1.02, 0.99, 1.01]
    b["stats"]["data"] = [round_s * s for _ in BLOCKS for s in spread]
    m = b["extra_info"]["mpbench"]
    m["info"]["block_rounds"] = list(BLOCKS)
    m["figures"][0]["n"] = m["rounds"] = 20
    if count is not None:  # a metric with per-round samples and no known direction
        m["metrics"]["objects"] = {
            "value": count,
            "unit": "",
            "samples": [count * s for s in spread] * 4,
        }
    return b


def pair(base: list[dict[str, Any]], cand: list[dict[str, Any]], **cand_run: Any) -> Any:
    a, b = run(*base), run(*cand)
    b["mpbench"]["started_utc"] = "2026-01-02T04:00:00Z"
    for key, value in cand_run.items():
        target = (
            b["machine_info"]["mpbench"] if key in b["machine_info"]["mpbench"] else b["mpbench"]
        )
        target[key] = value
    return compare.build([("base.json", a), ("cand.json", b)])


def figure(comparison: Any, name: str) -> Any:
    return next(f for f in comparison.pairs[0].figures if f.figure == name)


def test_twice_as_fast_is_faster_with_its_numbers() -> None:
    c = pair([timed("process_start", 2e-3)], [timed("process_start", 1e-3)])
    f = figure(c, "round")
    assert f.verdict == "faster" and f.speed == pytest.approx(2.0)
    assert f.ratio == pytest.approx(0.5) and f.higher_is_better is False
    assert f.reason.startswith("p = ") and f.reason.endswith("(Holm)")
    slower = figure(pair([timed("process_start", 1e-3)], [timed("process_start", 2e-3)]), "round")
    assert slower.verdict == "slower" and slower.speed == pytest.approx(0.5)


def test_a_metric_without_direction_is_never_faster_or_slower() -> None:
    c = pair([timed("fork_memory", 1e-3, count=100.0)], [timed("fork_memory", 1e-3, count=300.0)])
    f = figure(c, "objects")
    assert f.higher_is_better is None and f.ratio == pytest.approx(3.0)
    assert (f.verdict, f.reason) == (
        "inconclusive",
        "differs, but higher is not known to be better",
    )
    same = figure(
        pair([timed("fork_memory", 1e-3, count=100.0)], [timed("fork_memory", 1e-3, count=100.0)]),
        "objects",
    )
    assert same.verdict == "same"


def test_the_noise_warning_counts_the_flagged_figures() -> None:
    noisy = timed("process_start", 1e-3)
    noisy["extra_info"]["mpbench"]["noise"]["flags"] = [{"code": "busy-machine", "message": "x"}]
    c = pair(
        [noisy, timed("thread_start", 1e-4)],
        [timed("process_start", 1e-3), timed("thread_start", 1e-4)],
    )
    warning = [w for w in c.warnings if "carry noise flags" in w]
    assert len(warning) == 1 and warning[0].startswith("1 of 2 figures compared with synthetic")
    quiet = pair([timed("thread_start", 1e-4)], [timed("thread_start", 1e-4)])
    assert not any("noise flags" in w for w in quiet.warnings)


def _cases(n: int, factor: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    base = [timed("process_start", 1e-3, start=str(i)) for i in range(n)]
    return base, [timed("process_start", 1e-3 * factor, start=str(i)) for i in range(n)]


def test_drift_warning_needs_five_decided_figures_mostly_one_way() -> None:
    base, cand = _cases(5, 0.5)
    c = pair(base, cand)
    drift = [w for w in c.warnings if "decided figures" in w]
    assert drift == [
        "5 of 5 decided figures in synthetic (synthetic, CPython 3.11.7) are faster: if nothing "
        "but the runs differ, the machine's state moved (load, frequency, neighbours) between "
        "the runs: rerun both, one after the other, and compare again"
    ]
    base, cand = _cases(4, 0.5)
    assert not any("decided figures" in w for w in pair(base, cand).warnings)
    # 4 of 5 = 80%: at the share, still a warning; 3 of 5 is not
    base, cand = _cases(5, 2.0)
    cand[0] = timed("process_start", 0.5e-3, start="0")
    assert any("4 of 5 decided figures" in w for w in pair(base, cand).warnings)
    cand[1] = timed("process_start", 0.5e-3, start="1")
    assert not any("decided figures" in w for w in pair(base, cand).warnings)
    assert compare.DRIFT_SHARE == 0.8 and compare.DRIFT_MIN_FIGURES == 5


def test_mixing_warnings_each_name_their_cause() -> None:
    one = [timed("thread_start", 1e-4)]
    c = pair(one, one, profile="quick", python_version="3.13.0", cpu_model="Other CPU")
    text = " | ".join(c.warnings)
    assert "profiles differ (standard vs quick in synthetic)" in text
    assert (
        "differs from synthetic in both machine and Python (CPython 3.11.7 vs CPython 3.13.0)"
        in text
    )
    c = pair(one, one, python_version="3.13.0")  # same machine, other Python: one change
    assert not any("both machine and Python" in w for w in c.warnings)
    c = pair(one, one, gil_enabled=False)
    assert "the GIL is enabled in one run only (synthetic vs synthetic)" in c.warnings
    c = pair(one, one, start_methods=["spawn"])
    assert (
        "start methods available differ between runs: some figures exist in one only" in c.warnings
    )
    c = pair(one, one, partial=True)
    assert "synthetic is a partial run (failures or interrupted): cand.json" in c.warnings
    a = run(*one)
    same = compare.build([("a.json", a), ("b.json", copy.deepcopy(a))])
    assert "b.json looks like the same run as a.json" in same.warnings


def test_busy_start_warnings_at_their_thresholds() -> None:
    one = [timed("thread_start", 1e-4)]
    limit = compare_match.BUSY_CORES_AT_START
    assert not any("cores busy" in w for w in pair(one, one, busy_cores=limit).warnings)
    busy = [w for w in pair(one, one, busy_cores=limit + 0.01).warnings if "cores busy" in w]
    assert busy == [
        "synthetic started while other processes kept 0.31 of 2 cores busy: its figures are "
        "suspect; rerun when idle"
    ]
    load_limit = compare_match.BUSY_LOAD_PER_CORE * 2
    quiet = pair(one, one, busy_cores=None, load_average_1m=load_limit)
    assert not any("busy machine" in w for w in quiet.warnings)
    loaded = pair(one, one, busy_cores=None, load_average_1m=load_limit + 0.1)
    assert "synthetic started on a busy machine (load 1.1 on 2 cores)" in " ".join(loaded.warnings)
    # a sampled busy_cores wins over the load average
    assert not any(
        "busy" in w for w in pair(one, one, busy_cores=0.0, load_average_1m=9.0).warnings
    )


def test_figures_in_one_run_only_are_counted() -> None:
    c = pair([timed("thread_start", 1e-4), timed("raw_fork", 1e-3)], [timed("thread_start", 1e-4)])
    assert any(
        w.startswith("1 figure(s) only in the baseline and 0 only in synthetic") for w in c.warnings
    )
    assert c.pairs[0].only_in_baseline == ("spawn raw_fork: round",)


def test_nothing_in_common_and_too_few_runs_are_errors() -> None:
    with pytest.raises(compare.NothingInCommonError, match="no benchmark in common"):
        pair([timed("thread_start", 1e-4)], [timed("raw_fork", 1e-3)])
    with pytest.raises(ValueError, match="at least two"):
        compare.build([("a.json", run())])


def test_metric_direction_rules() -> None:
    direction = compare_match.metric_direction
    assert direction({"unit": "s"}) is False
    assert direction({"unit": "msg/s"}) is True
    assert direction({"unit": "B"}) is None
    assert direction({"unit": "s", "higher_is_better": True}) is True
    assert direction({"unit": "x/s", "higher_is_better": "yes"}) is True  # not a bool: ignored


def test_capped_keeps_a_seeded_subsample_in_order() -> None:
    values = [float(i) for i in range(10)]
    assert compare_match.capped(values, cap=10) is values
    kept = compare_match.capped(values, cap=4)
    assert len(kept) == 4 and kept == sorted(kept) and kept == compare_match.capped(values, cap=4)
