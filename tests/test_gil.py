"""The GIL benchmark: splitting work, recording the GIL's state, the CPU timeline, smoke run."""

from __future__ import annotations

import sys
from typing import Any

import psutil
import pytest

from bench_lib import gil, timeline


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
    assert r.monitor_wall_s > 0 and r.monitor_cpu_fraction >= 0
    assert set(r.as_dict()) >= {"interval_s", "t_s", "per_cpu_percent", "monitor_cpu_fraction"}


def test_timeline_rejects_bad_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        timeline.Timeline(interval_s=0)


def test_mean_busy_cores() -> None:
    assert timeline.mean_busy_cores([]) == 0.0
    assert timeline.mean_busy_cores([[100.0, 0.0], [100.0, 100.0]]) == 1.5


def test_smoke_run_of_gil_benchmark(pool_gil_smoke: dict[str, Any]) -> None:
    benches = [
        b["extra_info"]["mpbench"]
        for b in pool_gil_smoke["benchmarks"]
        if b["extra_info"]["mpbench"]["subject"] == "gil"
    ]
    assert {(m["params"]["mode"], m["params"]["n"]) for m in benches} >= {
        ("thread", 1),
        ("process", 1),
    }
    for m in benches:
        assert all(m["checks"].values()) and m["checks"]
        assert m["info"]["switch_interval_s"] > 0 and "gil_enabled" in m["info"]
        tl = m["info"]["cpu_timeline"]
        assert tl["t_s"] and len(tl["per_cpu_percent"]) == len(tl["t_s"])
        assert tl["monitor_cpu_fraction"] == m["metrics"]["monitor_cpu_fraction"]["value"] >= 0
        assert m["derived"]["speedup"] > 0 and m["derived"]["effective_cores"] is not None
    cores = benches[0]["info"]["scaling"]["usable_cores"]
    head = [m for m in benches if m["derived"].get("side_step_headline")]
    assert [(m["params"]["mode"], m["params"]["n"]) for m in head] == [("process", cores)]
    assert head[0]["derived"]["side_step_factor"] > 0
