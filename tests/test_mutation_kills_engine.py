"""The engine in-process, with a stand-in for pytest-benchmark: deadlines, blocks, checks.

Deadlines are checked by elapsed time against generous bounds: a round that hangs must end
near its timeout (well before a multiple of it), and a long block of short rounds must not
time out, since each round gets its own deadline. No timing threshold on what is measured.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from typing import Any

import pytest

from bench_lib.engine import bench as engine
from bench_lib.engine.lean_runner import LeanJob
from bench_lib.engine.profiles import Profile
from bench_lib.machine.cpu import CpuUsage

TIMEOUT_S = 0.5
GENEROUS_S = 4.0  # a deadline of 0.5 s that fires after 4 s is broken, not slow (8x)


class _Stats:
    def __init__(self) -> None:
        self.rounds: list[float] = []

    def update(self, t: float) -> None:
        self.rounds.append(t)


class FakeBenchmark:
    """What engine.Bench uses of pytest-benchmark's fixture."""

    def __init__(self, disabled: bool = False) -> None:
        self.fullname = "benchmarks/test_spawn.py::test_start[method=fork]"
        self.name = "test_start[method=fork]"
        self.params = {"method": "fork"}
        self.extra_info: dict[str, Any] = {}
        self.disabled = disabled
        self.group: str | None = None
        self.stats = _Stats()
        self.iterations: list[int | float] = []  # each _make_stats call's

    def _make_stats(self, iterations: int | float) -> _Stats:
        self.iterations.append(iterations)  # pytest-benchmark divides each round by it
        return self.stats


def _profile(name: str = "quick", blocks: int = 2, warmup: int = 2) -> Profile:
    return Profile(name, warmup, 4, 50, 1.0, 0.05, TIMEOUT_S, blocks)


def test_a_figure_of_a_zero_round_is_infinite_and_times_divide() -> None:
    assert engine.Figure("msgs", "msg/s", "rate", 10).of(0.0) == math.inf
    assert engine.Figure("op", "s", "time", 4).of(2.0) == 0.5
    assert engine.Figure("round", "s", "time").of(3.0) == 3.0


def test_describe_figure_reports_the_median_of_skewed_rounds() -> None:
    rounds = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 100.0]  # mean 15.3, median 1
    out = engine.describe_figure(engine.Figure("round", "s", "time"), rounds)
    assert out["median"] == 1.0 and out["n"] == 7 and out["higher_is_better"] is False
    assert out["ci_low"] is not None and out["ci_low"] <= 1.0 <= out["ci_high"]


def test_a_hung_round_ends_near_its_deadline() -> None:
    began = time.monotonic()
    with pytest.raises(engine.RoundTimeout, match="longer than 2 s"), engine.round_deadline(1.6):
        time.sleep(60)
    assert 1.5 <= time.monotonic() - began < 1.6 + GENEROUS_S
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # disarmed afterwards


def test_the_deadline_restores_the_previous_alarm_handler() -> None:
    def mine(signum: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with engine.round_deadline(10.0):
            assert signal.getsignal(signal.SIGALRM) is not mine
        assert signal.getsignal(signal.SIGALRM) is mine
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_no_deadline_for_zero_timeout_or_off_the_main_thread() -> None:
    with engine.round_deadline(0.0):
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    seen: list[float] = []

    def worker() -> None:
        with engine.round_deadline(5.0):
            seen.append(signal.getitimer(signal.ITIMER_REAL)[0])

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [0.0]
    with engine.round_deadline(5.0):
        assert 0.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 5.0


def test_measure_times_out_a_hung_round_near_its_timeout() -> None:
    bench = engine.Bench(FakeBenchmark(), _profile(warmup=0), cores=2)
    began = time.monotonic()
    with pytest.raises(engine.RoundTimeout):
        bench.measure(lambda: time.sleep(60), rounds=3)
    assert time.monotonic() - began < TIMEOUT_S + GENEROUS_S


def test_a_hung_warmup_round_times_out_too() -> None:
    bench = engine.Bench(FakeBenchmark(), _profile(warmup=1), cores=2)
    began = time.monotonic()
    with pytest.raises(engine.RoundTimeout):
        bench.measure(lambda: time.sleep(60))
    assert time.monotonic() - began < TIMEOUT_S + GENEROUS_S


def test_each_round_gets_its_own_deadline() -> None:
    # 4 rounds of 0.3 s: 1.2 s in all, over the 0.5 s timeout, but no round is
    bench = engine.Bench(FakeBenchmark(), _profile(warmup=0, blocks=1), cores=2)
    bench.measure(lambda: time.sleep(0.3), rounds=4)
    assert len(bench._blocks.rounds_s[0]) == 4


def test_blocks_split_the_rounds_and_finish_records_them_all() -> None:
    fake = FakeBenchmark()
    bench = engine.Bench(fake, _profile(blocks=2, warmup=0), cores=2)
    calls = []
    figures = [engine.Figure("ops", "op/s", "rate", per_round=10)]
    for block in range(2):
        bench.block = block
        bench.measure(lambda: calls.append(1), rounds=7, figures=figures)
    assert bench._blocks.per_block == 4  # ceil(7 / 2)
    assert len(calls) == 8
    bench.finish()
    saved = fake.extra_info["mpbench"]
    assert saved["rounds"] == 8 and bench.info["block_rounds"] == [4, 4]
    assert saved["subject"] == "spawn" and saved["case"] == "start"
    assert saved["params"] == {"method": "fork"} and saved["profile"] == "quick"
    assert [f["name"] for f in saved["figures"]] == ["ops"]
    assert saved["figures"][0]["higher_is_better"] is True
    assert len(fake.stats.rounds) == 8


def test_a_smoke_run_does_not_flag_its_few_rounds_and_other_profiles_do() -> None:
    for name, flagged in (("smoke", False), ("quick", True)):
        fake = FakeBenchmark()
        bench = engine.Bench(fake, _profile(name, blocks=1, warmup=0), cores=2)
        bench.measure(lambda: None, rounds=1)
        bench.finish()
        codes = [f["code"] for f in fake.extra_info["mpbench"]["noise"]["flags"]]
        assert ("few-rounds" in codes) is flagged


def test_the_warmup_sizes_the_first_block_only() -> None:
    fake = FakeBenchmark()
    profile = Profile("quick", 3, 6, 6, 10.0, 0.05, 5.0, blocks=3)
    bench = engine.Bench(fake, profile, cores=2)
    calls: list[int] = []
    bench.measure(lambda: calls.append(1))
    assert len(calls) == 3 + 2  # 3 warm-up rounds, then ceil(6 / 3) measured
    bench.block = 1
    bench.measure(lambda: calls.append(1))
    assert len(calls) == 3 + 2 + 1 + 2  # a later block warms its processes once; the size stays
    assert bench._blocks.per_block == 2


def test_setup_and_teardown_run_off_the_clock_each_round() -> None:
    bench = engine.Bench(FakeBenchmark(), _profile(warmup=1, blocks=1), cores=2)
    seen: list[str] = []

    def setup() -> tuple[tuple[int], dict[str, int]]:
        seen.append("setup")
        return (1,), {"b": 2}

    def target(a: int, b: int) -> int:
        seen.append("run")
        return a + b

    result = bench.measure(target, setup=setup, teardown=lambda a, b: seen.append("down"), rounds=2)
    assert result == 3
    assert seen == ["setup", "run", "down"] * 2  # rounds given: no warm-up


def test_a_failed_check_is_recorded_then_raised_and_stays_failed() -> None:
    fake = FakeBenchmark()
    bench = engine.Bench(fake, _profile(), cores=2)
    bench.check("ok", True)
    with pytest.raises(AssertionError, match="check 'order' failed: out of order"):
        bench.check("order", False, "out of order")
    assert fake.extra_info["mpbench"]["checks"] == {"ok": True, "order": False}
    with pytest.raises(AssertionError, match=r"check 'order' failed$"):
        bench.check("order", False)
    assert bench.checks["order"] is False


def test_metric_samples_accumulate_over_blocks() -> None:
    bench = engine.Bench(FakeBenchmark(), _profile(), cores=2)
    bench.metric_samples("latency", [1.0, 2.0, 3.0], "s")
    bench.metric_samples("latency", [4.0, 5.0, 100.0], "s")
    metric = bench.metrics["latency"]
    assert metric["samples"] == [1.0, 2.0, 3.0, 4.0, 5.0, 100.0]
    assert metric["value"] == 3.5 and metric["n"] == 6 and metric["unit"] == "s"


def test_nothing_is_recorded_without_rounds_or_for_a_disabled_benchmark() -> None:
    fake = FakeBenchmark()
    engine.Bench(fake, _profile(), cores=2).finish()
    assert fake.extra_info == {}
    disabled = FakeBenchmark(disabled=True)
    engine.record_rounds(disabled, [1.0, 2.0], engine.Figure("round", "s", "time"))
    assert disabled.stats.rounds == [] and disabled.iterations == []
    assert disabled._mode  # type: ignore[attr-defined]  # used: pytest-benchmark does not warn


class _FixedMeter:
    """A CpuMeter whose every block used 0.5 s wall, 0.25 s of our CPU, 0.75 s of the machine's."""

    usage = CpuUsage(wall_s=0.5, tree_cpu_s=0.25, system_busy_s=0.75)

    def __enter__(self) -> _FixedMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_cpu_use_adds_up_over_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CpuMeter", _FixedMeter)
    fake = FakeBenchmark()
    bench = engine.Bench(fake, _profile(blocks=2, warmup=0), cores=2)
    for block in range(2):
        bench.block = block
        bench.measure(lambda: None, rounds=2)
    bench.finish()
    saved = fake.extra_info["mpbench"]
    assert saved["cpu"] == {"wall_s": 1.0, "tree_cpu_s": 0.5, "effective_cores": 0.5}
    assert saved["noise"]["foreign_cores"] == pytest.approx(1.0)  # (1.5 - 0.5) / 1.0 s
    assert saved["warmup_rounds"] == 0


def test_rounds_are_timed_as_elapsed_time_and_size_the_block() -> None:
    # 5 ms warm-up rounds with a 1 s budget and no precision target: the budget decides,
    # about 200 rounds (fewer on a busy machine; 1 only if a round took the whole budget)
    profile = Profile("quick", 3, 1, 500, 1.0, 0.0, 10.0, blocks=1)
    bench = engine.Bench(FakeBenchmark(), profile, cores=2)
    bench.measure(lambda: time.sleep(0.005))
    assert 2 <= bench._blocks.per_block <= 200
    rounds = bench._blocks.rounds_s[0]
    assert all(0.005 <= t < 0.005 + GENEROUS_S for t in rounds)  # a round lasts what it did


def test_one_round_over_two_blocks_is_one_round_each() -> None:
    bench = engine.Bench(FakeBenchmark(), _profile(blocks=2, warmup=0), cores=2)
    bench.measure(lambda: None, rounds=1)
    assert bench._blocks.per_block == 1


def test_lean_blocks_size_the_rest_from_the_first() -> None:
    # min 4 rounds over 2 blocks: the first lean process measures 2; with no precision target
    # the most (6) are wanted, so the second block measures the other 4
    profile = Profile("quick", 0, 4, 6, 10.0, 0.0, 30.0, blocks=2)
    fake = FakeBenchmark()
    bench = engine.Bench(fake, profile, cores=2)
    job = LeanJob("tests.lean_jobs", "sleep", {"seconds": 0.001})
    figures = [engine.Figure("round", "s", "time")]
    for block in range(2):
        bench.block = block
        bench.measure_lean(job, figures=figures)
    assert [b["rounds"] for b in bench.info["blocks"]] == [2, 4]
    bench.finish()
    assert fake.extra_info["mpbench"]["rounds"] == 6 and bench.info["block_rounds"] == [2, 4]
    assert all(0.001 <= t < GENEROUS_S for t in fake.stats.rounds)


def test_a_warm_up_setup_may_return_nothing() -> None:
    bench = engine.Bench(FakeBenchmark(), _profile(warmup=2, blocks=1), cores=2)
    seen: list[str] = []
    bench.measure(lambda: seen.append("run"), setup=lambda: None, rounds=None)
    assert seen.count("run") >= 3  # two warm-up rounds, then the measured ones
