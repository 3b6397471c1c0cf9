"""The distributed subject's charts on synthetic runs (a smoke run has one payload size and
no scaling grid, so the transfer lines and the scaling panels never ran): what each draws,
read back from the matplotlib figure before it is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from synthetic_results import bench, run
from test_charts_synthetic import _lines, drawn

from bench_lib.charts import style as chart_style
from bench_lib.charts.labels import label
from bench_lib.results import scaling, tidy
from bench_lib.subjects.distributed import charts as charts_distributed
from bench_lib.subjects.pool import charts as charts_pool

matplotlib.use("Agg")
__all__ = ["drawn"]  # the fixture, used by name

KIB_SIZES = (1, 64, 1024)
PATHS = {"scatter_gather": 1e6, "worker_to_worker": 2e6, "pipe": 1e8, "shm": 1e9}


def transfer_run(sizes: tuple[int, ...]) -> dict[str, Any]:
    rows = [
        bench("distributed", "transfer", rate * size, "B/s", path=path, size_kib=size)
        for path, rate in PATHS.items()
        for size in sizes
    ]
    return run(*rows)


def _draw(fn: Any, data: dict[str, Any], tmp_path: Path) -> Any:
    return fn(data, tidy.figures(data), tmp_path, chart_style.RunContext.of(data))


def test_transfer_draws_each_path_over_every_size(drawn: dict[str, Any], tmp_path: Path) -> None:
    chart = _draw(charts_distributed.transfer, transfer_run(KIB_SIZES), tmp_path)
    assert chart is not None and chart.stem == "distributed_transfer"
    assert (tmp_path / "charts" / "distributed_transfer.png").exists()
    lines = _lines(drawn["distributed_transfer"])
    assert set(lines) == {label("path", p) for p in charts_distributed.PATH_ORDER}
    pipe = lines["Pipe (one machine)"]
    assert pipe == [(s * 1024.0, 1e8 * s) for s in KIB_SIZES]
    ax = drawn["distributed_transfer"].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1 KiB", "64 KiB", "1 MiB"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_transfer_at_one_size_is_bars_sorted_by_rate(drawn: dict[str, Any], tmp_path: Path) -> None:
    chart = _draw(charts_distributed.transfer, transfer_run((64,)), tmp_path)
    assert chart is not None
    ax = drawn["distributed_transfer"].axes[0]
    assert ax.get_xlabel() == "bytes/s at 64 KiB (log scale)"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [  # slowest first
        "dask scatter + gather",
        "dask worker to worker",
        "Pipe (one machine)",
        "shared memory (one machine)",
    ]


def test_overhead_lists_one_machine_first_then_dask(drawn: dict[str, Any], tmp_path: Path) -> None:
    costs = {"dask_map": 3e-4, "pool_apply": 5e-5, "dask_submit": 1e-3, "executor_submit": 8e-5}
    data = run(*(bench("distributed", "task_overhead", t, api=a) for a, t in costs.items()))
    chart = _draw(charts_distributed.overhead, data, tmp_path)
    assert chart is not None and chart.stem == "distributed_overhead"
    labels = [t.get_text() for t in drawn["distributed_overhead"].axes[0].get_yticklabels()]
    assert labels == [
        "Pool.apply (round trip)",
        "Executor.submit",
        "dask client.submit (round trip)",
        "dask client.map",
    ]


def test_scaling_draws_pool_and_dask_per_task_size(drawn: dict[str, Any], tmp_path: Path) -> None:
    rows = []
    for task_ms in (1, 10):
        for engine_name, per_worker in (("pool", 0.9), ("dask", 0.5)):
            for workers in (1, 2, 4):
                speedup = 1 + per_worker * (workers - 1)
                rows.append(
                    bench("distributed", "scaling", 1.0 / speedup, engine=engine_name,
                          workers=workers, task_ms=task_ms, derived={"speedup": speedup})
                )  # fmt: skip
    data = run(*rows, cores=2)
    chart = _draw(charts_distributed.scaling, data, tmp_path)
    assert chart is not None and chart.stem == "distributed_scaling"
    fig = drawn["distributed_scaling"]
    assert len(fig.axes) == 2
    assert [ax.get_xlabel() for ax in fig.axes] == ["workers (1 ms tasks)", "workers (10 ms tasks)"]
    lines = _lines(fig)
    assert lines["ideal"] == [(1, 1), (2, 2), (4, 2)]  # no more than the 2 usable cores
    assert lines["Pool.map"] == [(1.0, 1.0), (2.0, 1.9), (4.0, 3.7)]
    assert lines["dask client.map"] == [(1.0, 1.0), (2.0, 1.5), (4.0, 2.5)]


def test_distributed_charts_need_their_rows(tmp_path: Path) -> None:
    data = run(bench("spawn", "thread_start", 1e-4))
    for fn in (
        charts_distributed.overhead,
        charts_distributed.scaling,
        charts_distributed.transfer,
    ):
        assert _draw(fn, data, tmp_path) is None


def pool_scaling(workers: int, speedup: float, flags: tuple[str, ...] = ()) -> dict[str, Any]:
    return bench("pool", "scaling", 1.0 / speedup, workers=workers, task_ms=1, flags=flags,
                 derived={"speedup": speedup})  # fmt: skip


def test_pool_scaling_by_workers_alone_hides_the_cores_panel(
    drawn: dict[str, Any], tmp_path: Path
) -> None:
    data = run(pool_scaling(1, 1.0), pool_scaling(2, 1.8), pool_scaling(4, 1.9), cores=2)
    chart = _draw(charts_pool.scaling, data, tmp_path)
    assert chart is not None and chart.stem == "pool_scaling"
    left, right = drawn["pool_scaling"].axes
    assert left.get_visible() and not right.get_visible()
    lines = _lines(drawn["pool_scaling"])
    assert lines["ideal"] == [(1, 1), (2, 2), (4, 2)]
    assert lines["1 ms tasks"] == [(1.0, 1.0), (2.0, 1.8), (4.0, 1.9)]


def test_pool_scaling_of_only_impossible_points_draws_no_curve(
    drawn: dict[str, Any], tmp_path: Path
) -> None:
    flag = scaling.IMPOSSIBLE_FLAG
    data = run(pool_scaling(1, 1.0, (flag,)), pool_scaling(2, 5.0, (flag,)), cores=2)
    assert _draw(charts_pool.scaling, data, tmp_path) is not None
    assert "1 ms tasks" not in _lines(drawn["pool_scaling"])


def test_pool_charts_need_their_rows(tmp_path: Path) -> None:
    spawn_only = run(bench("spawn", "thread_start", 1e-4))
    other_derived = run(bench("gil", "cpu_split", 1.0, mode="process", n=2,
                              derived={"speedup": 1.9}))  # fmt: skip
    for data in (spawn_only, other_derived):
        for fn in (charts_pool.overhead, charts_pool.scaling, charts_pool.start):
            assert _draw(fn, data, tmp_path) is None


def test_compare_chart_notes_and_rows() -> None:
    from test_kill_compare import figure

    from bench_lib.compare import charts as compare_charts
    from bench_lib.compare import pairs

    assert compare_charts._rounds_note([0, 0]) == "single values, no rounds"
    assert compare_charts._rounds_note([0, 5, 10]) == "5-10 rounds per figure"
    assert compare_charts._rounds_note([5, 5]) == "5 rounds"
    assert compare_charts._direction(figure(higher_is_better=None)) == "direction unknown"
    assert compare_charts._direction(figure(higher_is_better=True)) == "higher is better"
    kept = figure()
    figures = (
        kept,
        figure(subject="io", ratio=None),  # no ratio: io has nothing to draw
        figure(subject="io", source="metric"),  # a stored value: tables only
        figure(subject="gil", ratio=0.0),
    )
    pair = pairs.PairComparison(0, 1, figures, (), (), ())
    assert compare_charts._ratio_rows(pair) == ["spawn", kept]
    assert (
        compare_charts.ratio_chart(None, pairs.PairComparison(0, 1, (), (), (), ()), None) is None
    )  # type: ignore[arg-type]


def _cpu_split(mode: str, n: int, speedup: float, flags: tuple[str, ...] = (), **more: Any) -> Any:
    return bench("gil", "cpu_split", 1.0 / speedup, mode=mode, n=n, flags=flags,
                 derived={"speedup": speedup, **more})  # fmt: skip


def test_gil_side_step_needs_the_process_point_at_the_core_count() -> None:
    from bench_lib.subjects.gil import charts as charts_gil

    def rows(*benchmarks: Any) -> Any:
        return charts_gil._cpu_split(run(*benchmarks, cores=2))

    both = rows(_cpu_split("process", 2, 1.9, side_step_factor=1.8), _cpu_split("thread", 2, 1.0))
    assert charts_gil.side_step(both, 2) == 1.8
    assert charts_gil.side_step(both, 4) is None  # no point at 4 cores
    flagged = rows(
        _cpu_split("process", 2, 1.9, side_step_factor=1.8),
        _cpu_split("thread", 2, 3.0, (scaling.IMPOSSIBLE_FLAG,)),
    )
    assert charts_gil.side_step(flagged, 2) is None  # either speedup impossible: no factor
    no_factor = rows(_cpu_split("process", 2, 1.9), _cpu_split("thread", 2, 1.0))
    assert charts_gil.side_step(no_factor, 2) is None
    assert charts_gil._cpu_split(run(bench("spawn", "thread_start", 1e-4))).empty


def test_gil_headline_needs_two_worker_counts(tmp_path: Path) -> None:
    from bench_lib.subjects.gil import charts as charts_gil

    one_n = run(_cpu_split("process", 2, 1.9), _cpu_split("thread", 2, 1.0), cores=2)
    assert _draw(charts_gil.headline, one_n, tmp_path) is None
