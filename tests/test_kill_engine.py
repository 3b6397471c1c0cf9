"""The engine's paired measurement in-process (a stand-in for pytest-benchmark and the CPU
meter): the A B B A order, the paired rounds kept apart, their CPU left out of the figure's,
the floor's ratio, and the budget share a paired measurement takes. Known answers only; no
timing threshold."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import pytest
from test_mutation_kills_engine import FakeBenchmark, _profile

from bench_lib.engine import bench as engine
from bench_lib.engine import blocks
from bench_lib.engine.lean_runner import LeanJob
from bench_lib.engine.profiles import Profile
from bench_lib.machine.cpu import CpuUsage

MAIN_USAGE = CpuUsage(wall_s=1.0, tree_cpu_s=0.8, system_busy_s=0.9)
PAIRED_USAGE = CpuUsage(wall_s=0.1, tree_cpu_s=0.05, system_busy_s=0.15)


class _CountingMeter:
    """The first meter of a block (the figure's, around every round) used MAIN_USAGE; every
    later one (around one paired round) PAIRED_USAGE."""

    made = 0

    def __init__(self) -> None:
        self.usage = MAIN_USAGE if _CountingMeter.made == 0 else PAIRED_USAGE
        _CountingMeter.made += 1

    def __enter__(self) -> _CountingMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_share_of_the_budget_is_the_figures_part_of_a_round_pair() -> None:
    assert blocks.pair_share([], [1.0]) == 1.0 and blocks.pair_share([1.0], []) == 1.0
    assert blocks.pair_share([3.0, 3.0, 9.0], [1.0]) == 0.75  # medians 3 and 1
    assert blocks.pair_share([0.0], [0.0]) == 0.5  # nothing measured: an even split


def _paired(order: list[str]) -> engine.Paired:
    ref = engine.FloorRef("raw", {"size": 1})
    return engine.Paired(
        "floor",
        ref,
        lambda: order.append("B"),
        engine.Figure("round", "s", "time"),
        setup=lambda: order.append("b") and None,
    )


def test_paired_rounds_alternate_abba_and_stay_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CpuMeter", _CountingMeter)
    _CountingMeter.made = 0
    fake = FakeBenchmark()
    bench = engine.Bench(fake, _profile(blocks=1, warmup=0), cores=2)
    order: list[str] = []
    bench.measure(lambda: order.append("A"), rounds=4, paired=_paired(order))
    assert "".join(order) == "AbBbBAAbBbBA"  # A B B A A B B A, each B after its own setup
    assert len(bench._blocks.rounds_s[0]) == 4 and len(bench._blocks.paired_rounds_s[0]) == 4
    # the figure's CPU is its meter's less the four paired rounds'
    usage = bench._blocks.usage
    assert usage.wall_s == pytest.approx(1.0 - 4 * 0.1)
    assert usage.tree_cpu_s == pytest.approx(0.8 - 4 * 0.05)
    assert usage.system_busy_s == pytest.approx(0.9 - 4 * 0.15)


def test_a_paired_floor_records_its_rounds_and_the_ratio_of_medians() -> None:
    fake = FakeBenchmark()
    bench = engine.Bench(fake, _profile(blocks=2, warmup=0), cores=2)
    order: list[str] = []
    for block in range(2):
        bench.block = block
        bench.measure(lambda: sum(range(20000)), rounds=6, paired=_paired(order))
    bench.finish()
    saved: dict[str, Any] = fake.extra_info["mpbench"]
    paired, floor = saved["paired"], saved["floor"]
    assert paired["role"] == "floor" and paired["case"] == "raw"
    assert paired["params"] == {"size": 1} and paired["block_rounds"] == [3, 3]
    assert len(paired["rounds_s"]) == saved["rounds"] == 6
    assert floor["paired"] is True and bench.info["floor_measured"] == "paired"
    assert floor["median"] == paired["figure"]["median"]
    main = saved["figures"][0]["median"]
    assert floor["ratio"] == pytest.approx(main / floor["median"])
    assert floor["unit"] == "s" and floor["ci_low"] == paired["figure"]["ci_low"]


def test_a_benchmark_measured_off_the_main_thread_runs_without_a_deadline() -> None:
    """Signals reach only the main thread: elsewhere no timer is armed (an armed one would
    deliver SIGALRM with no handler, and end the process)."""
    bench = engine.Bench(FakeBenchmark(), _profile(blocks=1, warmup=1), cores=2)
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(bench.measure(lambda: 7, rounds=2)))
    worker.start()
    worker.join()
    assert out == [7] and len(bench._blocks.rounds_s[0]) == 2
    time.sleep(engine_timeout_s() * 1.5)  # past the timeout: no alarm went off meanwhile
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def engine_timeout_s() -> float:
    return _profile().timeout_s


def test_share_splits_by_the_sum_of_both_medians() -> None:
    assert blocks.pair_share([0.1], [0.3]) == pytest.approx(0.25)  # a sum below 1 s still splits
    assert blocks.pair_share([1.0], [3.0]) == pytest.approx(0.25)  # the paired part is larger


def test_work_is_sized_once_and_reused_by_later_blocks() -> None:
    bench = engine.Bench(FakeBenchmark(), _profile(), cores=2)
    calls: list[int] = []
    assert bench.sized("messages", lambda: calls.append(1) or 5) == 5
    assert bench.sized("messages", lambda: calls.append(1) or 9) == 5  # not asked again
    assert calls == [1] and bench.info["messages"] == 5


def test_a_later_block_does_not_resize_the_blocks() -> None:
    """Block 0 of steady rounds sizes the blocks; block 1's rounds, however spread, do not."""
    profile = Profile("quick", 2, 4, 40, 30.0, 0.05, 10.0, blocks=2)
    bench = engine.Bench(FakeBenchmark(), profile, cores=2)
    bench.measure(lambda: time.sleep(0.002))
    sized = bench._blocks.per_block
    bench.block = 1
    spread = iter([0.001, 0.05] * 40)
    bench.measure(lambda: time.sleep(next(spread)))
    assert bench._blocks.per_block == sized and len(bench._blocks.rounds_s[1]) == sized


def test_one_lean_block_is_recorded() -> None:
    profile = Profile("quick", 0, 2, 2, 10.0, 0.0, 30.0, blocks=1)
    fake = FakeBenchmark()
    bench = engine.Bench(fake, profile, cores=2)
    job = LeanJob("tests.lean_jobs", "sleep", {"seconds": 0.001})
    bench.measure_lean(job, figures=[engine.Figure("round", "s", "time")])
    bench.finish()
    assert fake.extra_info["mpbench"]["rounds"] == 2 and bench.info["block_rounds"] == [2]
    assert bench._blocks.per_block == 1  # nothing left to measure: the least, 1


@pytest.fixture
def budgets(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The time budget each sizing of rounds was given, in order."""
    seen: list[float] = []
    real = engine.stats.rounds_for_precision

    def recording(times: list[float], rel: float, low: int, high: int, budget_s: float) -> int:
        seen.append(budget_s)
        return real(times, rel, low, high, budget_s)

    monkeypatch.setattr(engine.stats, "rounds_for_precision", recording)
    return seen


def test_what_a_round_costs_off_the_clock_takes_its_share_of_the_budget(
    budgets: list[float],
) -> None:
    profile = _profile(blocks=1, warmup=2)
    engine.Bench(FakeBenchmark(), profile, cores=2).measure(lambda: time.sleep(0.005))
    assert profile.budget_s / 2 < budgets[0] <= profile.budget_s  # nearly all on the clock
    budgets.clear()
    bench = engine.Bench(FakeBenchmark(), profile, cores=2)
    bench.measure(lambda: time.sleep(0.001), setup=lambda: time.sleep(0.02))
    assert 0 < budgets[0] < profile.budget_s / 2  # 20 ms of setup around 1 ms on the clock


def test_the_first_block_resizes_the_one_later_block_to_the_rest() -> None:
    """Two blocks: the one later block measures everything the first did not."""
    profile = Profile("quick", 2, 4, 50, 30.0, 0.05, 10.0, blocks=2)
    bench = engine.Bench(FakeBenchmark(), profile, cores=2)
    bench._blocks.per_block = 1
    first = [0.001, 0.004] * 2
    bench._resize(first, 1.0)
    total = engine.stats.rounds_for_precision(first, 0.05, 4, 50, 30.0)
    assert total > 8 and bench._blocks.per_block == total - len(first)


def test_a_paired_lean_job_takes_its_share_of_the_budget(budgets: list[float]) -> None:
    profile = Profile("quick", 0, 2, 2, 10.0, 0.0, 30.0, blocks=1)
    bench = engine.Bench(FakeBenchmark(), profile, cores=2)
    job = LeanJob("tests.lean_jobs", "sleep", {"seconds": 0.001})
    figure = engine.Figure("round", "s", "time")
    paired = engine.PairedJob("floor", engine.FloorRef("raw"), job, figure)
    bench.measure_lean(job, figures=[figure], paired=paired)
    assert 0 < budgets[0] < profile.budget_s


def test_the_first_lean_block_measures_its_share_of_the_least_rounds() -> None:
    """4 rounds at least over 3 blocks: the first lean process measures 4 // 3 = 1 round; with
    no precision target the most (5) are wanted, and the 2 later blocks split the other 4."""
    profile = Profile("quick", 0, 4, 5, 10.0, 0.0, 30.0, blocks=3)
    bench = engine.Bench(FakeBenchmark(), profile, cores=2)
    job = LeanJob("tests.lean_jobs", "sleep", {"seconds": 0.001})
    bench.measure_lean(job, figures=[engine.Figure("round", "s", "time")])
    assert bench.info["blocks"][0]["rounds"] == 1
    assert bench._blocks.per_block == 2
