"""The engine's guarantees: hung rounds end within the timeout and leave no process behind."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psutil
import pytest
from conftest import run_benchmark_source

from bench_lib.engine.bench import Figure, describe_figure
from bench_lib.engine.profiles import PROFILES

WARMUP = {name: p.warmup_rounds for name, p in PROFILES.items()}

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
    described = describe_figure(rate, [0.5] * 6, [2, 2, 2])
    assert described["median"] == 2000 and described["ci_low"] == 2000 and described["n"] == 6
    assert described["blocks"] == 3 and described["interval"] == "blocks-t"
    one_block = describe_figure(rate, [0.5] * 6)  # rounds of one block: no interval
    assert one_block["ci_low"] is None and one_block["interval"] == "none"
    two = describe_figure(rate, [0.5] * 6, [3, 3])  # two blocks: too few for an interval
    assert two["ci_low"] is None and two["blocks"] == 2
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
    blocks = PROFILES["standard"].blocks
    assert len(pids) == len(set(pids)) == blocks  # one fresh worker per block
    assert len(m["info"]["block_rounds"]) == blocks
    assert sum(m["info"]["block_rounds"]) == bench["stats"]["rounds"] == m["figures"][0]["n"]
    assert m["metrics"]["block_pid"]["n"] == blocks  # per-block samples add up, not overwrite
    assert m["metrics"]["block_pid"]["block_samples"] == [1] * blocks


PAIRED = textwrap.dedent("""
    import time
    from bench_lib.engine.bench import Figure, FloorRef, Paired

    ORDER = []

    def test_paired(mpbench):
        floor = Paired(
            "floor",
            FloorRef("raw", {"size": 1}),
            lambda: (ORDER.append("B"), time.sleep(0.002)),
            Figure("ops", "op/s", "rate"),
            setup=lambda: ORDER.append("b"),
        )
        mpbench.measure(
            lambda: (ORDER.append("A"), time.sleep(0.001)),
            figures=[Figure("ops", "op/s", "rate")],
            paired=floor,
        )
        with open("order", "a") as f:
            f.write("".join(ORDER) + "\\n")
        ORDER.clear()
""")


def test_a_paired_floor_alternates_round_by_round_and_carries_its_own_ratio(
    tmp_path: Path,
) -> None:
    code, data = run_benchmark_source(tmp_path, PAIRED, "--mpbench-profile=standard")
    assert code == 0
    m = data["benchmarks"][0]["extra_info"]["mpbench"]
    blocks = (tmp_path / "order").read_text().split()
    assert len(blocks) == PROFILES["standard"].blocks  # one line per block
    for block, line in enumerate(blocks):
        timed = line.replace("b", "")  # setup ran before each paired round, off the clock
        assert line.count("b") == timed.count("B")
        warm = WARMUP["standard"] if block == 0 else 1  # later blocks only warm their processes
        assert timed.startswith("AB" * warm) and timed[2 * warm : 2 * warm + 2] == "AB"
        measured = timed[2 * warm :]
        pairs = [measured[i : i + 2] for i in range(0, len(measured), 2)]
        assert pairs[0::2] == ["AB"] * len(pairs[0::2]) and pairs[1::2] == ["BA"] * len(
            pairs[1::2]
        )  # A B B A: neither always goes first
    paired, floor = m["paired"], m["floor"]
    assert paired["role"] == "floor" and paired["case"] == "raw"
    assert len(paired["rounds_s"]) == m["rounds"]  # one paired round per measured round
    assert paired["block_rounds"] == m["info"]["block_rounds"]
    assert floor["paired"] is True and floor["case"] == "raw"
    assert floor["median"] == paired["figure"]["median"] < m["figures"][0]["median"]
    assert floor["ratio"] == pytest.approx(m["figures"][0]["median"] / floor["median"])
    assert 1.3 < floor["ratio"] < 4  # 2 ms against 1 ms rounds: nothing else is that ratio


class _Benchmark:  # what Bench reads of pytest-benchmark's fixture
    def __init__(self) -> None:
        self.fullname = "benchmarks/test_x.py::test_y"
        self.name = "test_y"
        self.params: dict[str, int] = {}
        self.extra_info: dict[str, object] = {}


def test_later_blocks_are_sized_from_the_first_blocks_rounds_not_only_its_warm_up() -> None:
    from bench_lib.engine.bench import Bench
    from bench_lib.stats import descriptive as stats

    standard = PROFILES["standard"]
    bench = Bench(_Benchmark(), standard, cores=2)
    bench._blocks.per_block = 4  # what two steady warm-ups asked for (the least)
    first = [0.001, 0.004] * 2  # the first block's measured rounds spread widely
    bench._resize(first, 1.0)
    total = stats.rounds_for_precision(
        first, standard.target_rel_ci, standard.min_rounds, standard.max_rounds, standard.budget_s
    )
    assert total > 20 and bench._blocks.per_block == -(-(total - 4) // (standard.blocks - 1))
    bench._resize([0.001] * 4, 1.0)  # a steady first block never shrinks what was asked
    assert bench._blocks.per_block == -(-(total - 4) // (standard.blocks - 1))
    bench._blocks.per_block = 4
    bench._resize(first, 0.2)  # off the clock (setup, a paired round) takes its share too
    assert bench._blocks.per_block < -(-(total - 4) // (standard.blocks - 1))


def test_the_budget_pays_for_what_each_round_costs_off_the_clock_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A round of 1 us with 10 ms of setup costs 10 ms: a 0.25 s budget affords 25 of them at
    most, not the 200 its clock alone would allow. On a clock that only the rounds and their
    setup move (a machine's load cannot stretch a round here)."""
    from bench_lib.engine import bench as engine
    from bench_lib.engine.bench import Bench
    from bench_lib.engine.blocks import on_clock_share

    class Clock:
        now = 0.0

        @classmethod
        def perf_counter(cls) -> float:
            return cls.now

        @classmethod
        def advance(cls, seconds: float) -> None:
            cls.now += seconds

    monkeypatch.setattr(engine, "time", Clock)
    standard = PROFILES["standard"]
    bench = Bench(_Benchmark(), standard, cores=2)
    bench.measure(lambda: Clock.advance(1e-6), setup=lambda: Clock.advance(0.01))
    assert bench._blocks.per_block <= -(-25 // standard.blocks)
    # on the clock alone the same rounds would have been sized to the profile's maximum
    alone = Bench(_Benchmark(), standard, cores=2)
    alone.measure(lambda: Clock.advance(1e-6))
    assert alone._blocks.per_block > bench._blocks.per_block
    assert on_clock_share([0.1, 0.1], 0.8) == 0.25
    assert on_clock_share([0.1], 0.05) == 1.0  # never more than all of it
    assert on_clock_share([], 1.0) == on_clock_share([0.0], 1.0) == 1.0


TWINS = textwrap.dedent("""
    import time
    import pytest
    from bench_lib.engine.bench import Figure, Twin

    ORDER = []

    @pytest.mark.parametrize("kind", ["a", "b"])
    def test_point(mpbench, kind):
        if mpbench.adopt():
            with open("adopted", "a") as f:
                f.write(kind)
            return
        name = "test_point[" + ("b" if kind == "a" else "a") + "]"
        twin = None
        if mpbench.twin_wanted(name):
            twin = Twin(name, lambda: (ORDER.append("T"), time.sleep(0.004)))
            handed = mpbench.handover(name)
            handed.info["made_by"] = kind
            handed.checks["twin fine"] = ("FAIL" not in __import__("os").environ, "told to")
        mpbench.measure(
            lambda: (ORDER.append("A"), time.sleep(0.001)),
            figures=[Figure("op", "s", "time")],
            twin=twin,
        )
        with open("order", "a") as f:
            f.write("".join(ORDER) + "\\n")
        ORDER.clear()
""")


def test_twins_are_measured_round_by_round_and_each_keeps_its_own_rounds(
    tmp_path: Path,
) -> None:
    code, data = run_benchmark_source(tmp_path, TWINS, "--mpbench-profile=standard")
    assert code == 0
    a, b = (x["extra_info"]["mpbench"] for x in data["benchmarks"])
    blocks = PROFILES["standard"].blocks
    assert (tmp_path / "adopted").read_text() == "b" * blocks  # b measured nothing, any block
    for block, line in enumerate((tmp_path / "order").read_text().split()):
        warm = WARMUP["standard"] if block == 0 else 1
        measured = line[2 * warm :]
        pairs = [measured[i : i + 2] for i in range(0, len(measured), 2)]
        assert pairs[0::2] == ["AT"] * len(pairs[0::2])  # A T, then T A: the twin alternates
        assert pairs[1::2] == ["TA"] * len(pairs[1::2])
    assert b["info"]["measured_beside"] == "test_point[a]" and b["info"]["made_by"] == "a"
    assert b["checks"] == {"twin fine": True} and "measured_beside" not in a["info"]
    assert a["info"]["block_rounds"] == b["info"]["block_rounds"]  # one twin round per round
    # each keeps its own: b's rounds are the 4 ms sleeps, a's the 1 ms ones
    assert b["figures"][0]["median"] >= 0.004 > a["figures"][0]["median"] >= 0.001


def test_a_twin_measures_nothing_extra_when_its_sibling_is_not_in_the_run(tmp_path: Path) -> None:
    code, data = run_benchmark_source(tmp_path, TWINS, "--mpbench-profile=quick", "-k", "not b")
    assert code == 0 and [x["name"] for x in data["benchmarks"]] == ["test_point[a]"]
    assert "T" not in (tmp_path / "order").read_text()


def test_a_failed_check_of_the_twin_fails_the_twin_not_the_one_that_measured_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "1")
    code, data = run_benchmark_source(tmp_path, TWINS, "--mpbench-profile=quick")
    assert code == 1
    a, b = (x["extra_info"]["mpbench"] for x in data["benchmarks"])
    assert a["checks"] == {} and b["checks"] == {"twin fine": False}


def test_under_ab_each_round_waits_for_its_turn_off_the_clock_and_off_the_cpu_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other side's rounds (here 0.1 s sleeps) are neither on a round's clock nor in this
    side's wall time, which sizes the rounds and divides the CPU record (a 4x margin)."""
    import time

    from bench_lib.engine.bench import Bench

    waits: list[float] = []

    class Side:
        active = True

        def turn(self) -> None:
            time.sleep(0.1)
            waits.append(time.perf_counter())

    monkeypatch.setattr("bench_lib.engine.turnstile.client", lambda: Side())
    bench = Bench(_Benchmark(), PROFILES["quick"], cores=2)
    bench.measure(lambda: None, rounds=4)
    measured = bench._blocks.per_block
    assert len(waits) == measured  # one turn before every round (rounds= skips the warm-up)
    assert max(bench._blocks.rounds_s[0]) < 0.1
    assert bench._blocks.wall_s < 0.1 * measured / 4  # the waits are left out of the wall time
