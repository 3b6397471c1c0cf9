"""`mpbench ab` decides: round-pair block ratios, the sequential rule, the budget."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

import pytest

from bench_lib.cli import ab
from bench_lib.stats import replicates, sequential
from bench_lib.stats.verdict import AB_MARGINS


@pytest.mark.parametrize(
    ("ci", "state"),
    [
        (None, "open"),
        ((0.99, 1.02), "same"),
        ((1 / 1.03, 1.03), "same"),  # the band's own ends are inside it
        ((0.95, 1.02), "open"),
        ((1.0, 1.05), "open"),  # clear of 1, not of the band: measure on
        ((1.031, 1.2), "changed"),
        ((0.8, 1 / 1.031), "changed"),
        ((1.03, 1.2), "open"),  # touching the band: not wholly outside it
        ((0.8, 1 / 1.03), "open"),
    ],
)
def test_an_interval_is_same_changed_or_open_against_the_margin(
    ci: tuple[float, float] | None, state: str
) -> None:
    assert sequential.state(ci, 0.03) == state


def test_a_benchmark_settles_only_when_every_tested_figure_has() -> None:
    assert sequential.settled(["same", "changed"]) and sequential.settled([])
    assert not sequential.settled(["same", "open"])
    assert dict(AB_MARGINS)["round"] == 0.03 and sequential.FIRST_LOOK_BLOCKS == 4


def test_a_blocks_ratio_is_the_median_of_its_round_pairs_log_ratios() -> None:
    a = [1.0, 1.6, 1.0, 1.6, 1.0]  # the machine flips between rounds; B sees the same seconds
    b = [1.01, 1.616, 1.01, 1.616, 5.0]  # 1% slower, and one pair spoiled by a hiccup
    assert replicates.round_pair_log_ratio(a, b) == pytest.approx(math.log(1.01))
    assert replicates.round_pair_log_ratio(a[:3], b) == pytest.approx(math.log(1.01))  # min(n)
    assert replicates.round_pair_log_ratio([], b) is None
    assert replicates.round_pair_log_ratio([0.0, 1.0], [1.0, 1.0]) is None
    blocks_a = [a, [x * 1.2 for x in a], [x * 0.9 for x in a], a]
    blocks_b = [b, [x * 1.2 for x in b], [x * 0.9 for x in b], [x * 1.02 for x in b]]
    got = replicates.paired_round_ratio(blocks_a, blocks_b, 0.99)
    logs = [math.log(1.01)] * 3 + [math.log(1.01 * 1.02)]
    half = replicates.t_quantile(0.01, 3) * statistics.stdev(logs) / 2
    assert got is not None and got.blocks == (4, 4)
    assert got.ratio == pytest.approx(math.exp(statistics.fmean(logs)))
    assert got.ci_low == pytest.approx(math.exp(statistics.fmean(logs) - half))
    assert replicates.paired_round_ratio(blocks_a, blocks_b[:3]) is None
    assert replicates.paired_round_ratio([a, []], [b, b]) is None


def _side(blocks: list[float], runs: list[int], side: str) -> dict[str, Any]:
    from synthetic_results import bench, run

    b = bench("spawn", "thread_start", 1e-3)
    b["stats"]["data"] = [1e-3 * f for f in blocks for _ in range(6)]
    b["extra_info"]["mpbench"]["info"].update(block_rounds=[6] * len(blocks), block_runs=runs)
    data = run(b)
    data["mpbench"]["interleaved"] = {"id": "x", "side": side, "runs": 6}
    return data


def test_a_benchmark_that_settled_early_still_pairs_by_the_runs_its_blocks_came_from() -> None:
    from bench_lib.compare import pairs

    drift = [1.0, 1.3, 0.8, 1.2]
    a, b = _side(drift, [0, 1, 2, 3], "a"), _side([f * 1.01 for f in drift], [0, 1, 2, 3], "b")
    [fig] = pairs.build([("a", a), ("b", b)]).pairs[0].figures
    assert fig.paired and fig.verdict == "same" and fig.margin == 0.03  # 4 of 6 runs: settled
    shifted = _side([f * 1.01 for f in drift], [0, 1, 2, 4], "b")  # block 4 from another run
    [fig] = pairs.build([("a", a), ("b", shifted)]).pairs[0].figures
    assert not fig.paired


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def _fake_ab(
    monkeypatch: pytest.MonkeyPatch, block_s: float, settle_at: dict[int, set[str]]
) -> tuple[list[set[str] | None], _Clock]:
    """run_ab with blocks that take ``block_s`` each (of a fake clock) and a stopping rule
    that leaves ``settle_at[k]`` open after block k (1-based); what each block was asked."""
    from bench_lib.cli import ab_stop

    clock, asked = _Clock(), []
    every = {"n1", "n2", "n3"}

    def run_block(*args: Any) -> ab.Block:
        nodes = args[5]
        asked.append(nodes)
        clock.now += block_s * (len(nodes) / len(every) if nodes is not None else 1.0)
        ran = [{"fullname": n} for n in sorted(nodes if nodes is not None else every)]
        data = {"benchmarks": ran, "mpbench": {"failures": []}}
        return ab.Block(data, data, len(ran))

    monkeypatch.setattr(ab, "run_block", run_block)
    monkeypatch.setattr(ab, "time", clock)
    monkeypatch.setattr(ab, "_outcome", lambda block: "")
    monkeypatch.setattr(ab, "_joined", lambda sides, made, ab_id: (len(made), None))
    monkeypatch.setattr(ab_stop, "open_benchmarks", lambda k, _: settle_at.get(k, every))
    return asked, clock


SIDES = (ab.Side("a", ["python"]), ab.Side("b", ["python"]))


def test_from_the_fourth_block_only_open_benchmarks_run_until_none_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked, _ = _fake_ab(monkeypatch, 10.0, {4: {"n2", "n3"}, 5: {"n3"}, 6: set()})
    lines: list[str] = []
    ab.run_ab(SIDES, [], 30, Path("."), lines.append, budget_s=1000.0)
    assert asked == [None, None, None, None, {"n2", "n3"}, {"n3"}]
    assert "  2 benchmark(s) still open" in lines and "  0 benchmark(s) still open" in lines


def test_no_block_starts_that_would_end_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    asked, clock = _fake_ab(monkeypatch, 10.0, {})  # nothing ever settles
    lines: list[str] = []
    ab.run_ab(SIDES, [], 30, Path("."), lines.append, budget_s=45.0)
    assert len(asked) == 4 and clock.now == 40.0  # a fifth would end at 50 s
    assert lines[-1] == "mpbench ab: budget 45 s reached after 4 blocks"
    asked, _ = _fake_ab(monkeypatch, 10.0, {})
    ab.run_ab(SIDES, [], 2, Path("."), lines.append, budget_s=1000.0)
    assert len(asked) == 2  # --blocks caps it
