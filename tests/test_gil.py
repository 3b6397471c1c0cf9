"""The GIL benchmark: splitting work, recording the GIL's state, the CPU timeline, smoke run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from bench_lib.charts import style as chart_style
from bench_lib.charts.style import RunContext
from bench_lib.report import recommend
from bench_lib.results import per_op, tidy
from bench_lib.subjects.gil import charts as charts_gil
from bench_lib.subjects.gil import memory, timeline
from bench_lib.subjects.gil import ops as gil
from bench_lib.workers import interp


def test_split_work_adds_up_and_is_even() -> None:
    jobs = gil.split_work(10, 3)
    assert [n for _, n in jobs] == [4, 3, 3]
    assert len({seed for seed, _ in jobs}) == 3  # distinct seeds: swapped results are caught
    assert gil.split_work(7, 1) == [(1, 7)]
    assert [n for _, n in gil.split_work(2, 4)] == [1, 1, 0, 0]


def test_split_work_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="0 ways"):
        gil.split_work(10, 0)
    with pytest.raises(ValueError, match=">= 0"):
        gil.split_work(-1, 2)


def test_gil_state_records_what_it_sees() -> None:
    state = gil.gil_state()
    assert state["switch_interval_s"] == sys.getswitchinterval()
    probe = getattr(sys, "_is_gil_enabled", None)
    assert state["gil_enabled"] is (probe() if probe else True)
    assert isinstance(state["free_threaded_build"], bool)


def test_timeline_samples_every_cpu_from_another_process() -> None:
    with timeline.Timeline(interval_s=0.02) as tl:
        sum(range(200_000))
    r = tl.result
    assert r.t_s and len(r.t_s) == len(r.per_cpu_percent)
    assert all(len(row) == psutil.cpu_count() for row in r.per_cpu_percent)
    assert r.t_s == sorted(r.t_s)
    assert r.monitor_wall_s >= r.t_s[-1] - r.t_s[0]  # it ran at least as long as it sampled
    assert 0 <= r.monitor_cpu_fraction <= 1  # one sampling thread: at most one core
    assert set(r.as_dict()) >= {"interval_s", "t_s", "per_cpu_percent", "monitor_cpu_fraction"}


def test_timeline_rejects_bad_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        timeline.Timeline(interval_s=0)


def test_mean_busy_cores() -> None:
    assert timeline.mean_busy_cores([]) == 0.0
    assert timeline.mean_busy_cores([[100.0, 0.0], [100.0, 100.0]]) == 1.5


def test_smoke_run_of_gil_benchmark(pool_gil_smoke: dict[str, Any]) -> None:
    gil_benches = [
        b for b in pool_gil_smoke["benchmarks"] if b["extra_info"]["mpbench"]["subject"] == "gil"
    ]
    serial = [b for b in gil_benches if b["extra_info"]["mpbench"]["case"] == "cpu_serial"]
    assert len(serial) == 1, "one serial baseline for both modes"
    base = serial[0]["extra_info"]["mpbench"]
    assert (
        base["checks"]["ran inside the core mask"]
        and base["info"]["ran_on_cpu"] in base["info"]["cpus"]
    )
    benches = [b["extra_info"]["mpbench"] for b in gil_benches if b not in serial]
    assert {(m["params"]["mode"], m["params"]["n"]) for m in benches} >= {
        ("thread", 1),
        ("process", 1),
    }
    for m in benches:
        assert set(m["checks"]) == {"every checksum right", "workers inside the core mask"}
        assert m["info"]["switch_interval_s"] == sys.getswitchinterval()  # CPython's default
        assert "gil_enabled" in m["info"]
        tl = m["info"]["cpu_timeline"]
        assert tl["t_s"] and len(tl["per_cpu_percent"]) == len(tl["t_s"])
        assert tl["monitor_cpu_fraction"] == m["metrics"]["monitor_cpu_fraction"]["value"]
        assert 0 <= tl["monitor_cpu_fraction"] <= 1
        rounds = next(
            per_op.round_times_s(b) for b in gil_benches if b["extra_info"]["mpbench"] is m
        )
        base_rounds = m["paired"]["rounds_s"]  # the serial work, timed beside each round
        if len(rounds) == len(base_rounds) == 1:  # smoke: T(1) / T(N) of the one round each
            assert m["derived"]["speedup"] == pytest.approx(base_rounds[0] / rounds[0])
        assert m["derived"]["effective_cores"] == m["cpu"]["effective_cores"]
        # both modes divide the same serial work, timed beside each of their rounds
        assert m["derived"]["baseline"] == "cpu_serial (paired)"
        assert m["paired"]["role"] == "baseline" and m["paired"]["case"] == "cpu_serial"
        assert len(m["paired"]["rounds_s"]) == m["rounds"]
        # the same declared work as the baseline, recorded per spin step too
        assert m["info"]["batch_iterations"] == base["info"]["batch_iterations"]
        assert m["figures"][1]["per_round"] == base["figures"][1]["per_round"]
        where = m["info"]["placement"]
        assert where["inside_mask"] and where["distinct_workers"] == m["params"]["n"]
        assert len(m["info"]["cpus"]) == min(m["params"]["n"], m["info"]["scaling"]["usable_cores"])
    one = [m for m in benches if m["params"]["n"] == 1]
    assert {tuple(m["info"]["cpus"]) for m in one} == {tuple(base["info"]["cpus"])}  # one CPU
    for m in one:
        assert all(
            p["affinity"] == base["info"]["cpus"] for p in m["info"]["placement"]["answered"]
        )
    # one thread and one process of the same work: measured round by round in one benchmark,
    # the other adopts its rounds (a process pool answered for the process point all the same)
    thread1, process1 = (next(m for m in one if m["params"]["mode"] == k) for k in gil.TWIN_OF)
    assert process1["info"]["measured_beside"] == "test_cpu_split[mode=thread-n=1]"
    assert process1["info"]["start_method"] and thread1["info"]["start_method"] is None
    assert process1["paired"]["rounds_s"] == thread1["paired"]["rounds_s"]  # the same serial
    pids = {p["pid"] for m in (thread1, process1) for p in m["info"]["placement"]["answered"]}
    assert len(pids) == 2  # a worker thread of pytest, and a worker process
    cores = benches[0]["info"]["scaling"]["usable_cores"]
    head = [m for m in benches if m["derived"].get("side_step_headline")]
    assert [(m["params"]["mode"], m["params"]["n"]) for m in head] == [("process", cores)]
    assert head[0]["derived"]["side_step_factor"] > 0
    for m in benches:  # memory per worker: a process's own, else this process's growth / N
        uss = m["metrics"]["memory_per_worker_uss_bytes"]
        own = m["params"]["mode"] == "process"
        assert uss["how"] == (memory.OWN_PROCESS if own else memory.GROWTH)
        assert uss["value"] is None or uss["value"] >= 0
    assert process1["metrics"]["memory_per_worker_uss_bytes"]["value"] > 0  # a process has pages


def test_interpreter_points_run_or_say_why(pool_gil_smoke: dict[str, Any]) -> None:
    """mode=interpreter has the same ids on every Python: measured where subinterpreters exist
    (3.14+), skipped with the reason elsewhere, never absent."""
    ids = {b["name"] for b in pool_gil_smoke["benchmarks"]}
    measured = {i for i in ids if "mode=interpreter" in i}
    reason = interp.missing()
    if reason is not None:
        assert not measured
        skipped = pool_gil_smoke["mpbench"]["skipped"]
        said = {s["reason"] for s in skipped if "mode=interpreter" in s["test"]}
        assert said == {reason}  # one line, the same for every point
        return
    assert {"test_cpu_split[mode=interpreter-n=1]"} <= measured
    for b in pool_gil_smoke["benchmarks"]:
        m = b["extra_info"]["mpbench"]
        if m["params"].get("mode") != "interpreter":
            continue
        assert m["checks"] == {"every checksum right": True, "workers inside the core mask": True}
        assert m["info"]["api"] == "executor_map" and m["info"]["start_method"] is None
        pids = {p["pid"] for p in m["info"]["placement"]["answered"]}
        assert len(pids) == 1  # every subinterpreter runs in a thread of this one process
        assert m["info"]["placement"]["distinct_workers"] == m["params"]["n"]
        assert m["derived"]["baseline"] == "cpu_serial (paired)"


def _split(mode: str, n: int, speedup: float, impossible: bool = False) -> dict[str, Any]:
    flags = [{"code": "impossible", "message": "speedup above the usable cores"}] * impossible
    derived = {"speedup": speedup, "effective_cores": float(n), "baseline": "test_cpu_serial"}
    if mode == "process":
        derived.update(side_step_factor=speedup, side_step_headline=n == 2)
    block = {
        "subject": "gil",
        "case": "cpu_split",
        "params": {"mode": mode, "n": n},
        "figures": [
            {"name": "batch", "unit": "s", "kind": "time", "per_round": 1, "n": 5}
            | {"median": 1.0 / speedup, "ci_low": None, "ci_high": None}
        ],
        "derived": derived,
        "noise": {"flags": flags},
        "info": {},
    }
    return {"name": f"test_cpu_split[mode={mode}-n={n}]", "extra_info": {"mpbench": block}}


def _gil_run(process_2: float, impossible: bool) -> dict[str, Any]:
    benches = [
        _split("thread", 1, 1.0),
        _split("thread", 2, 1.0),
        _split("process", 1, 1.0),
        _split("process", 2, process_2, impossible),
    ]
    machine = {"usable_cores": 2, "machine_id": "m", "python": "CPython 3.11"}
    return {"machine_info": {"mpbench": machine}, "benchmarks": benches}


def test_an_impossible_speedup_is_left_out_of_sentences_and_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest = _gil_run(1.9, impossible=False)
    assert any("processes 1.90x" in ln for ln in recommend.recommendations(honest))
    flagged = _gil_run(2.6, impossible=True)
    assert not any("2.60x" in ln for ln in recommend.recommendations(flagged))
    rows = charts_gil._cpu_split(flagged)
    assert charts_gil.side_step(rows, 2) is None
    drawn: dict[str, Any] = {}

    def keep(fig: Any, out_dir: Path, chart: Any, ctx: Any, samples: str) -> Any:
        ax = fig.axes[0]
        drawn["labels"] = ax.get_legend_handles_labels()[1]
        drawn["texts"] = [t.get_text() for t in ax.texts] + [ax.get_title()]
        drawn["lines"] = {ln.get_label(): list(ln.get_ydata()) for ln in ax.lines}
        return chart

    monkeypatch.setattr(charts_gil, "finish", keep)
    ctx = RunContext("m", "CPython", "quick")
    charts_gil.headline(flagged, tidy.figures(flagged), tmp_path, ctx)
    assert chart_style.IMPOSSIBLE_LABEL in drawn["labels"]
    assert not any("side-step" in t for t in drawn["texts"])
    assert 2.6 not in drawn["lines"].get("processes", [])


def test_quick_has_a_two_worker_point_even_on_one_core() -> None:
    """One core, quick: 1 and 2 workers (oversubscribed), so `mpbench ab` of a machine against
    the same machine pinned to one core has the 2-worker points to compare."""
    import os
    import subprocess

    first = min(os.sched_getaffinity(0))
    collect = ["benchmarks/test_gil.py", "--collect-only", "-q", "--mpbench-profile=quick"]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", *collect, "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.sched_setaffinity(0, {first}),
        cwd=Path(__file__).resolve().parents[1],
    )
    ids = [line.split("::")[-1] for line in out.stdout.splitlines() if "::" in line]
    assert {f"test_cpu_split[mode={m}-n={n}]" for m in gil.MODES for n in (1, 2)} <= set(ids)
