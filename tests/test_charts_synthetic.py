"""Every chart function driven by synthetic result files with several sizes, worker counts and
subjects (smoke runs have one size, so some charts never ran in the tests before).

The drawn figures are read back before they are saved: which series each chart has, the points
on them, and the axis labels; charts without the data they need must return None.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import pytest
from synthetic_results import bench, run

from bench_lib import registry
from bench_lib.charts import frame as chart_frame
from bench_lib.charts import style as chart_style
from bench_lib.report import render
from bench_lib.results import tidy
from bench_lib.subjects.ipc import charts as charts_ipc
from bench_lib.subjects.spawn import charts as charts_spawn

matplotlib.use("Agg")

MIB = 2**20
SIZES = (64, 4096, MIB)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """stem -> the matplotlib figure each chart saved (read before it is closed)."""
    figures: dict[str, Any] = {}

    def keep(fig: Any, out_dir: Path, chart: chart_style.Chart, *rest: Any) -> Any:
        figures[chart.stem] = fig
        return real(fig, out_dir, chart, *rest)

    real = chart_frame.finish
    for module in {fn.__module__ for s in registry.subjects() for fn in registry.charts(s)}:
        monkeypatch.setattr(f"{module}.finish", keep)
    return figures


def _lines(fig: Any) -> dict[str, list[tuple[float, float]]]:
    """Label -> points of each plotted line and each error-bar series of the first axes."""
    ax = fig.axes[0]
    found = {
        str(line.get_label()): list(zip(line.get_xdata(), line.get_ydata()))
        for line in ax.get_lines()
        if not str(line.get_label()).startswith("_")
    }
    for container in ax.containers:
        data_line = container.lines[0]
        if data_line is not None:
            points = zip(data_line.get_xdata(), data_line.get_ydata())
            found[str(container.get_label())] = [(float(x), float(y)) for x, y in points]
    return found


def ipc_run(placements: tuple[str, ...] = ("cross_core",)) -> dict[str, Any]:
    out = []
    for where in placements:
        scale = 1.0 if where == "cross_core" else 2.0
        for size in SIZES:
            for channel, share in (("pipe_simplex", 0.5), ("queue", 0.25), ("shared_memory", 0.9)):
                rate = share * scale * size * 1e4
                out.append(
                    bench("ipc", "stream", rate, "B/s", figure="bytes", channel=channel,
                          size=size, placement=where)
                )  # fmt: skip
            out.append(
                bench("ipc", "os_pipe", scale * size * 1e4, "B/s", figure="bytes", size=size,
                      placement=where)
            )  # fmt: skip
        out.append(bench("ipc", "ping_pong", 20e-6, channel="pipe", size=64, placement=where))
        out.append(bench("ipc", "ping_pong", 90e-6, channel="queue", size=64, placement=where))
    for size in SIZES:
        out.append(bench("ipc", "memcpy", size * 1e6, "B/s", figure="bytes", size=size))
    return run(*out)


def test_ipc_throughput_draws_each_channel_over_every_size_at_one_placement(
    drawn: dict[str, Any], tmp_path: Path
) -> None:
    data = ipc_run(("same_core", "cross_core"))
    chart = charts_ipc.throughput(
        data, tidy.figures(data), tmp_path, chart_style.RunContext.of(data)
    )
    assert chart is not None and chart.stem == "ipc_throughput"
    assert "placement cross_core" in chart.caption
    assert (tmp_path / "charts" / "ipc_throughput.png").exists()
    lines = _lines(drawn["ipc_throughput"])
    assert {"Pipe, one way", "Queue", "shared memory"} <= set(lines)  # what a person reads
    assert [x for x, _ in lines["Queue"]] == list(SIZES)
    assert [y for _, y in lines["Queue"]] == [0.25 * s * 1e4 for s in SIZES]  # cross_core's
    assert [y for _, y in lines["floor: raw os.pipe"]] == [s * 1e4 for s in SIZES]
    assert [y for _, y in lines["floor: memcpy in one process"]] == [s * 1e6 for s in SIZES]
    ticks = [t.get_text() for t in drawn["ipc_throughput"].axes[0].get_xticklabels()]
    assert ticks == ["64 B", "4 KiB", "1 MiB"]


def test_ipc_throughput_needs_two_sizes(tmp_path: Path) -> None:
    data = run(*(bench("ipc", "stream", 1e6, "B/s", channel="queue", size=64) for _ in range(1)))
    ctx = chart_style.RunContext.of(data)
    assert charts_ipc.throughput(data, tidy.figures(data), tmp_path, ctx) is None
    empty = run(bench("spawn", "thread_start", 1e-4))
    assert charts_ipc.throughput(empty, tidy.figures(empty), tmp_path, ctx) is None


def test_fork_memory_chart_draws_both_forks_in_milliseconds(
    drawn: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        bench("spawn", "fork_memory", (1 + mib / 100) * 1e-3, mib=mib, how=how)
        for mib in (0, 100, 400)
        for how in ("raw", "process")
    ]
    data = run(*rows)
    chart = charts_spawn.fork_memory(
        data, tidy.figures(data), tmp_path, chart_style.RunContext.of(data)
    )
    assert chart is not None and chart.stem == "spawn_fork_memory"
    lines = _lines(drawn["spawn_fork_memory"])
    assert set(lines) == {"raw os.fork", "multiprocessing Process (fork)"}
    assert lines["raw os.fork"] == [(0, 1.0), (100, 2.0), (400, 5.0)]
    assert drawn["spawn_fork_memory"].axes[0].get_ylabel() == "start + join, ms"
    one_size = run(bench("spawn", "fork_memory", 1e-3, mib=0, how="raw"))
    ctx = chart_style.RunContext.of(one_size)
    assert charts_spawn.fork_memory(one_size, tidy.figures(one_size), tmp_path, ctx) is None


def full_run(cores: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = list(ipc_run()["benchmarks"])
    for start, t in (("fork", 1e-3), ("forkserver", 3e-3), ("spawn", 20e-3)):
        rows.append(bench("spawn", "process_start", t, start=start))
        rows.append(bench("spawn", "start_phases", t, figure="start", start=start))
    rows += [
        bench("spawn", "thread_start", 50e-6),
        bench("spawn", "raw_fork", 0.5e-3),
        bench("spawn", "forkserver_boot", 30e-3),
        bench("spawn", "interpreter", 15e-3, python="site"),
    ]
    rows += [
        bench("spawn", "fork_memory", (1 + m / 100) * 1e-3, mib=m, how=h)
        for m in (0, 256)
        for h in ("raw", "process")
    ]
    workers = sorted({1, 2, cores})
    for w in workers:
        for primitive, rate in (("lock", 4e5), ("rlock", 3e5), ("semaphore", 3e5)):
            rows.append(bench("locks", "contention", rate / w, "acq/s", primitive=primitive,
                              workers=w))  # fmt: skip
    for mode in ("thread", "process"):
        for n in workers:
            speedup = 1.0 if mode == "thread" else 0.9 * n
            rows.append(
                bench("gil", "cpu_split", 1.0 / speedup, mode=mode, n=n,
                      derived={"speedup": speedup, "parallelism": n}, effective_cores=speedup)
            )  # fmt: skip
    for model, rate in (("threads", 2e4), ("asyncio", 3e4), ("epoll", 5e4)):
        for conns in (1, 100):
            rows.append(
                bench("io", "echo", rate, "req/s", figure="requests", model=model,
                      connections=conns, metrics={"server_cpu_per_request_s": 1 / rate})
            )  # fmt: skip
    for selector in ("select", "poll", "epoll"):
        for fds in (10, 1000):
            rows.append(bench("io", "selector_check", fds * 1e-8, selector=selector, fds=fds))
    return run(*rows, cores=cores)


def test_draw_all_draws_what_each_subject_supports(drawn: dict[str, Any], tmp_path: Path) -> None:
    result, failed = render.draw_charts(full_run(cores=4), tmp_path)  # workers 1, 2 and 4
    assert failed == []
    stems = {c.stem for cs in result.values() for c in cs}
    assert {"ipc_throughput", "spawn_fork_memory", "spawn_start_cost"} <= stems
    assert {"locks", "gil", "io", "ipc", "spawn"} <= set(result)
    for stem in stems:
        assert (tmp_path / "charts" / f"{stem}.png").exists()
    assert all(p.suffix == ".png" for p in (tmp_path / "charts").iterdir())  # one file a chart
    assert set(drawn) == stems
    for chart in (c for cs in result.values() for c in cs):
        assert chart.title and chart.caption.endswith(".")


def test_nothing_to_draw_from_an_empty_run(tmp_path: Path) -> None:
    assert render.draw_charts(run(), tmp_path) == ({}, [])
