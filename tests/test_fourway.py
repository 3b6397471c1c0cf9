"""Every way past the GIL on one chart: which run each line comes from, the sentence, the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from synthetic_builds import gil_run, interpreter_points

from bench_lib.cli import main as cli
from bench_lib.report import builds_fourway, builds_fourway_chart
from bench_lib.report import builds_gil as gil_builds
from bench_lib.report.builds_fourway import FREE_THREADED, INTERPRETERS, PROCESSES, THREADS

PY314 = dict(python="3.14.8", free_threaded=False, threads_2=0.97, processes_2=1.85, serial_s=0.15)
PY313T = dict(python="3.13.5", free_threaded=True, threads_2=1.93, processes_2=1.9, serial_s=0.22)


def run_314(interp_2: float = 1.8) -> dict[str, Any]:
    return gil_run(**PY314, extra=interpreter_points(interp_2))  # type: ignore[arg-type]


def test_two_builds_give_four_ways_each_from_its_own_build() -> None:
    std = gil_builds.of("314.json", run_314())
    ft = gil_builds.of("313t.json", gil_run(**PY313T))  # type: ignore[arg-type]
    for order in ([std, ft], [ft, std]):  # the order the files are given does not matter
        ways = builds_fourway.four_ways(order)
        assert [(w.name, w.build.label) for w in ways] == [
            (THREADS, "3.14.8"),
            (PROCESSES, "3.14.8"),
            (INTERPRETERS, "3.14.8"),
            (FREE_THREADED, "3.13.5t"),
        ]
    free = ways[3]
    assert free.at(2) is not None and free.at(2).speedup.value == pytest.approx(1.93)  # type: ignore[union-attr]
    assert ways[2].at(2).speedup.value == pytest.approx(1.8)  # type: ignore[union-attr]


def test_one_314_run_has_three_ways_and_one_311_run_too_few() -> None:
    three = builds_fourway.four_ways([gil_builds.of("314.json", run_314())])
    assert [w.name for w in three] == [THREADS, PROCESSES, INTERPRETERS]
    old = gil_builds.of("311.json", gil_run(**{**PY314, "python": "3.11.7"}))  # type: ignore[arg-type]
    assert [w.name for w in builds_fourway.four_ways([old])] == [THREADS, PROCESSES]
    assert builds_fourway.sentences([old]) == []  # the two-way chart says it all


def test_a_free_threaded_run_alone_names_its_threads_free_threaded() -> None:
    ft = gil_builds.of(
        "314t.json", gil_run(**{**PY313T, "python": "3.14.8"}, extra=interpreter_points(1.7))
    )  # type: ignore[arg-type]
    ways = builds_fourway.four_ways([ft])
    assert [w.name for w in ways] == [PROCESSES, INTERPRETERS, FREE_THREADED]
    assert all(w.build.label == "3.14.8t" for w in ways)


def test_an_impossible_point_is_not_a_line_point() -> None:
    data = run_314()
    for b in data["benchmarks"]:
        if b["extra_info"]["mpbench"]["params"] == {"mode": "interpreter", "n": 2}:
            b["extra_info"]["mpbench"]["noise"] = {
                "flags": [{"code": "impossible", "message": "x"}]
            }
    ways = builds_fourway.four_ways([gil_builds.of("314.json", data)])
    interp = next(w for w in ways if w.name == INTERPRETERS)
    assert interp.at(2) is None and interp.at(1) is not None
    line = builds_fourway.sentences([gil_builds.of("314.json", data)])[0]
    assert "subinterpreters not measured at 2" in line


def test_the_sentence_gives_every_way_with_interval_cores_and_build() -> None:
    std = gil_builds.of("314.json", run_314())
    ft = gil_builds.of("313t.json", gil_run(**PY313T))  # type: ignore[arg-type]
    (line,) = builds_fourway.sentences([std, ft])
    assert line.startswith("4 ways past the GIL at 2 workers")
    assert "threads 0.97x (95% CI 0.92-1.02), 1.94 cores busy on 3.14.8;" in line
    assert "subinterpreters 1.80x (95% CI 1.71-1.89), 1.94 cores busy on 3.14.8;" in line
    assert line.endswith(
        "free-threaded threads 1.93x (95% CI 1.83-2.03), 1.94 cores busy on 3.13.5t."
    )


def test_the_chart_draws_one_line_per_way_with_its_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: dict[str, Any] = {}

    def keep(fig: Any, out_dir: Path, chart: Any, ctx: Any, samples: str) -> Any:
        drawn["labels"] = fig.axes[0].get_legend_handles_labels()[1]
        drawn["bars"] = len(fig.axes[1].patches)
        drawn["title"], drawn["python"] = chart.title, ctx.python
        return chart

    monkeypatch.setattr(builds_fourway_chart, "finish", keep)
    std = gil_builds.of("314.json", run_314())
    ft = gil_builds.of("313t.json", gil_run(**PY313T))  # type: ignore[arg-type]
    assert builds_fourway_chart.fourway([std, ft], tmp_path) is not None
    assert drawn["labels"][1:] == [
        "threads, 3.14.8 (GIL on)",
        "processes, 3.14.8 (GIL on)",
        "subinterpreters, 3.14.8 (GIL on)",
        "free-threaded threads, 3.13.5t (free-threaded, GIL off)",
    ]
    assert drawn["bars"] == 4 * 2  # effective cores of every way at N = 1 and 2
    assert drawn["python"] == "3.14.8 (GIL on) vs 3.13.5t (free-threaded, GIL off)"
    assert (
        builds_fourway_chart.fourway([std.__class__(**{**std.__dict__, "speedups": ()})], tmp_path)
        is None
    )


def test_report_of_a_314_and_a_313t_run_has_the_four_way_section(tmp_path: Path) -> None:
    paths = []
    for name, data in (("py314.json", run_314()), ("py313t.json", gil_run(**PY313T))):  # type: ignore[arg-type]
        path = tmp_path / name
        path.write_text(json.dumps(data))
        paths.append(str(path))
    out = tmp_path / "both"
    assert cli.main(["report", *paths, "-o", str(out)]) == 0
    summary = (out / "summary.md").read_text()
    assert "## Every way past the GIL" in summary
    assert "(charts/gil_fourway.png)" in summary and (out / "charts/gil_fourway.png").exists()
    page = (out / "index.html").read_text()
    assert "Every way past the GIL" in page and "free-threaded threads 1.93x" in page
