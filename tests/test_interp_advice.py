"""The pure logic of the fourth way, on any Python: the sentences, memory per worker, the charts
of one run with subinterpreters (synthetic result records)."""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Any

import pytest
from synthetic_results import bench, run

from bench_lib.charts.style import RunContext
from bench_lib.report import recommend
from bench_lib.results import tidy
from bench_lib.subjects.gil import charts as charts_gil
from bench_lib.subjects.gil import memory
from bench_lib.subjects.spawn import charts as charts_spawn

MiB = 2**20


def split(mode: str, n: int, speedup: float, cores: float | None, uss_mib: float | None) -> Any:
    derived: dict[str, Any] = {"speedup": speedup, "parallelism": n}
    if cores is not None:
        derived["effective_cores"] = cores
    metrics = {"memory_per_worker_uss_bytes": uss_mib * MiB} if uss_mib is not None else None
    return bench("gil", "cpu_split", 1 / speedup, derived=derived, metrics=metrics, mode=mode, n=n)


FOUR = (
    split("thread", 2, 0.97, 1.0, 0.1),
    split("process", 2, 1.9, 1.95, 3.0),
    split("interpreter", 2, 1.8, 1.9, 8.5),
    bench("spawn", "thread_start", 100e-6),
    bench("spawn", "subinterpreter_start", 20e-3),
    bench("spawn", "process_start", 12e-3, start="forkserver"),
    bench("spawn", "process_start", 60e-3, start="spawn"),
)


def lines_of(*benchmarks: Any, gil_on: bool = True) -> list[str]:
    data = run(*benchmarks)
    data["machine_info"]["mpbench"]["gil_enabled"] = gil_on
    return recommend.recommendations(data)


def starting(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, (start, lines)
    return found[0]


def test_the_headline_sentence_names_every_way_measured() -> None:
    line = starting(lines_of(*FOUR), "CPU-bound")
    assert line == (
        "CPU-bound Python on 2 cores: threads 0.97x, processes 1.90x, subinterpreters 1.80x "
        "(they kept 1.00, 1.95 and 1.90 cores busy): the side-step factor is 1.96x, "
        "subinterpreters reach 0.95x the process speedup."
    )


def test_threads_on_a_gil_off_run_are_the_free_threaded_way() -> None:
    line = starting(lines_of(*FOUR, gil_on=False), "CPU-bound")
    assert line.startswith("CPU-bound Python on 2 cores: free-threaded threads 0.97x,")


def test_what_each_way_costs_beyond_speed() -> None:
    lines = lines_of(*FOUR)
    assert starting(lines, "Memory per worker") == (
        "Memory per worker (psutil, 2 workers): a process holds 3.0 MiB of its own (USS), a "
        "subinterpreter grows the one process by 8.5 MiB, a thread 0.1 MiB."
    )
    start = starting(lines, "Starting one worker")
    assert start == (
        "Starting one worker (start, run a no-op, finish): a thread 100 us, a subinterpreter "
        "20.0 ms, a forkserver process 12.0 ms and a spawn process 60.0 ms."
    )
    share = starting(lines, "What workers share")
    assert "subinterpreters nothing but copied shareable objects" in share
    assert "memoryviews" in share


def test_without_subinterpreters_the_sentence_is_the_two_way_one_and_costs_are_silent() -> None:
    lines = lines_of(*FOUR[:2], FOUR[3], FOUR[5])
    assert starting(lines, "CPU-bound") == (
        "CPU-bound Python on 2 cores: threads 0.97x, processes 1.90x "
        "(they kept 1.00 and 1.95 cores busy): the side-step factor is 1.96x."
    )
    assert not [ln for ln in lines if ln.startswith(("Memory per", "Starting one", "What workers"))]


def test_an_impossible_subinterpreter_speedup_is_left_out_the_others_stay() -> None:
    flagged = bench(
        "gil", "cpu_split", 0.3, derived={"speedup": 3.3, "effective_cores": 2.0},
        flags=("impossible",), mode="interpreter", n=2,
    )  # fmt: skip
    line = starting(lines_of(*FOUR[:2], flagged), "CPU-bound")
    assert "3.30x" not in line and "subinterpreters" not in line
    assert "processes 1.90x" in line


def test_memory_growth_is_per_worker_and_never_negative() -> None:
    before, after = memory.Snapshot(100 * MiB, 200 * MiB), memory.Snapshot(120 * MiB, 230 * MiB)
    grew = memory.of_growth(before, after, 4)
    assert (grew.uss_bytes, grew.rss_bytes, grew.how) == (5 * MiB, 7.5 * MiB, memory.GROWTH)
    assert memory.of_growth(after, before, 2).uss_bytes == 0  # freed meanwhile: not negative
    assert memory.of_growth(None, after, 2).uss_bytes is None
    assert memory.of_growth(before, after, 0).rss_bytes is None
    metrics = grew.as_metrics()
    assert metrics["memory_per_worker_uss_bytes"] == {
        "value": 5 * MiB,
        "unit": "B",
        "how": memory.GROWTH,
    }


def test_memory_of_processes_reads_each_one_with_psutil() -> None:
    me = memory.snapshot()
    assert me is not None and 0 < me.uss_bytes <= me.rss_bytes
    own = memory.of_processes([os.getpid(), os.getpid()])
    assert own.how == memory.OWN_PROCESS and own.rss_bytes is not None and own.rss_bytes > 0
    gone = memory.of_processes([2**22 + 12345])  # no such pid: nothing read, not zero
    assert (gone.uss_bytes, gone.rss_bytes) == (None, None)
    with memory.Growth() as g:  # a new mapping, every page touched: no reused heap in it
        held = mmap.mmap(-1, 8 * MiB)
        for page in range(0, len(held), mmap.PAGESIZE):
            held[page] = 1
    assert g.per(1).uss_bytes is not None and g.per(1).uss_bytes >= 7 * MiB
    held.close()


def _drawn(monkeypatch: pytest.MonkeyPatch, module: Any) -> dict[str, Any]:
    drawn: dict[str, Any] = {}

    def keep(fig: Any, out_dir: Path, chart: Any, ctx: Any, samples: str) -> Any:
        drawn["axes"] = [ax.get_legend_handles_labels()[1] for ax in fig.axes]
        drawn["ticks"] = [[t.get_text() for t in ax.get_yticklabels()] for ax in fig.axes]
        drawn["bars"] = [len(ax.patches) for ax in fig.axes]
        drawn["title"] = chart.title
        return chart

    monkeypatch.setattr(module, "finish", keep)
    return drawn


def test_the_headline_chart_draws_three_ways_from_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ones = [split(m, 1, 0.98, 0.99, 1.0) for m in ("thread", "process", "interpreter")]
    data = run(*ones, *FOUR[:3])
    drawn = _drawn(monkeypatch, charts_gil)
    ctx = RunContext("m", "CPython 3.14.8", "standard")
    charts_gil.headline(data, tidy.figures(data), tmp_path, ctx)
    speed, used = drawn["axes"]
    assert {"threads", "processes", "subinterpreters"} <= set(speed)
    assert set(used) == {"processes", "threads", "subinterpreters", "2 usable cores"}
    assert drawn["bars"][1] == 3 * 2  # effective cores of every way at N = 1 and 2
    assert "subinterpreters use all" in drawn["title"]
    data["machine_info"]["mpbench"]["gil_enabled"] = False
    charts_gil.headline(data, tidy.figures(data), tmp_path, ctx)
    assert "free-threaded threads" in drawn["axes"][0] and "threads" not in drawn["axes"][0]


def test_the_start_chart_has_the_subinterpreter_beside_its_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = run(*FOUR[3:], bench("spawn", "subinterpreter_raw", 15e-3))
    drawn = _drawn(monkeypatch, charts_spawn)
    charts_spawn.start_cost(data, tidy.figures(data), tmp_path, RunContext("m", "py", "quick"))
    labels = drawn["ticks"][0]
    assert "Subinterpreter: create + run + close" in labels
    assert "floor: _interpreters.create + destroy" in labels
