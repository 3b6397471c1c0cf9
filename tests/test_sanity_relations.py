"""Relations between figures that must hold on every real run, checked on the smoke runs the
other tests already make (the session fixtures: no run of its own).

A smoke run has one round per figure and no intervals, on whatever machine runs the tests,
so only two kinds of relation are asserted:

* what physics guarantees by a wide margin: a thread starts faster than any process (no new
  address space, no exec); a lock taken under a critical section of S us gives at most 1/S
  acquisitions a second (sections cannot overlap);
* that the plugin's own verdicts on the file are the ones its rules give on the file's numbers:
  every ``above-floor`` flag recorded is the one noise.floor_flag gives on the figure and its
  resolved floor (and no other), every ``impossible`` one the one noise.speedup_flag gives, and
  each floor ratio is figure / floor. This checks the flag machinery on real data; whether a
  figure really passed its floor on a noisy shared box is not asserted.
"""

from __future__ import annotations

from typing import Any

import pytest
from figure_checks import assert_figures_come_from_rounds

from bench_lib.results import scaling
from bench_lib.stats import noise

SMOKES = ("spawn_smoke", "pool_gil_smoke", "ipc_smoke", "locks_smoke")


def _blocks(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["extra_info"]["mpbench"] for b in data["benchmarks"]]


def _codes(block: dict[str, Any]) -> list[str]:
    return [f["code"] for f in (block.get("noise") or {}).get("flags", [])]


def _median(data: dict[str, Any], case: str, **params: Any) -> float:
    found = [
        m["figures"][0]["median"]
        for m in _blocks(data)
        if m["case"] == case and all(m["params"].get(k) == v for k, v in params.items())
    ]
    assert found, (case, params)
    return float(found[0])


@pytest.mark.parametrize("smoke", SMOKES)
def test_every_figure_is_the_median_of_its_own_rounds(
    smoke: str, request: pytest.FixtureRequest
) -> None:
    for bench in request.getfixturevalue(smoke)["benchmarks"]:
        if bench["extra_info"]["mpbench"].get("figures"):
            assert_figures_come_from_rounds(bench)


def test_a_thread_starts_faster_than_any_process(spawn_smoke: dict[str, Any]) -> None:
    thread = _median(spawn_smoke, "thread_start")
    starts = [m for m in _blocks(spawn_smoke) if m["case"] == "process_start"]
    assert starts
    for m in starts:
        assert thread < m["figures"][0]["median"], (m["params"], thread)


def test_a_forked_process_is_never_cheaper_than_a_raw_fork_beyond_the_flag(
    spawn_smoke: dict[str, Any],
) -> None:
    raw = _median(spawn_smoke, "raw_fork")
    fork = [m for m in _blocks(spawn_smoke) if m["case"] == "process_start"]
    fork = [m for m in fork if m["params"].get("start") == "fork"]
    assert raw is not None  # the standalone raw fork is still a figure of its own
    assert fork and fork[0]["floor"]["case"] == "raw_fork"
    floor = fork[0]["floor"]  # the raw fork timed beside the start, in its lean process
    assert floor["paired"] is True and floor["median"] == fork[0]["paired"]["figure"]["median"]
    expected = noise.floor_flag(fork[0]["figures"][0], floor, "raw_fork")
    assert ("above-floor" in _codes(fork[0])) is (expected is not None)


@pytest.mark.parametrize("smoke", SMOKES)
def test_every_floor_flag_is_what_the_rule_gives_on_the_files_numbers(
    smoke: str, request: pytest.FixtureRequest
) -> None:
    data = request.getfixturevalue(smoke)
    checked = 0
    for m in _blocks(data):
        floor = m.get("floor")
        if not floor or floor.get("median") is None or not m.get("figures"):
            assert "above-floor" not in _codes(m), m["case"]
            continue
        figure = m["figures"][0]
        resolved = {k: floor.get(k) for k in ("median", "ci_low", "ci_high")}
        expected = noise.floor_flag(figure, resolved, floor["case"])
        assert _codes(m).count("above-floor") == (expected is not None), (m["case"], m["params"])
        if floor["median"]:
            assert floor["ratio"] == pytest.approx(figure["median"] / floor["median"])
        checked += 1
    if smoke != "pool_gil_smoke":
        assert checked, f"{smoke}: no figure with a floor to check"


def test_every_impossible_flag_is_what_the_rule_gives(pool_gil_smoke: dict[str, Any]) -> None:
    cores = int(pool_gil_smoke["machine_info"]["mpbench"]["usable_cores"])
    derived = [m for m in _blocks(pool_gil_smoke) if m.get("derived")]
    assert derived, "the smoke run derives speedups"
    flagged = set()
    for b in pool_gil_smoke["benchmarks"]:
        m = b["extra_info"]["mpbench"]
        if not m.get("derived"):
            continue
        expected = noise.speedup_flag(m["derived"], cores)
        assert (scaling.IMPOSSIBLE_FLAG in _codes(m)) is (expected is not None), m["params"]
        if expected is not None:
            flagged.add(b["name"])
        speedup = m["derived"].get("speedup")
        if isinstance(speedup, (int, float)):
            assert speedup > 0
    assert scaling.impossible_names(pool_gil_smoke["benchmarks"]) == flagged


def test_a_lock_never_beats_one_over_its_critical_section(locks_smoke: dict[str, Any]) -> None:
    sections = [m for m in _blocks(locks_smoke) if m["case"] == "critical_section"]
    assert sections
    for m in sections:
        bound = m["metrics"]["serial_bound_acq_per_s"]["value"]
        assert bound == pytest.approx(1e6 / m["params"]["cs_us"])
        assert m["figures"][0]["median"] <= bound, m["params"]
        assert m["metrics"]["bound_ratio"]["value"] <= 1.0
        assert m["checks"]["within the serial bound"] is True


def test_contention_floors_are_the_one_worker_figure(locks_smoke: dict[str, Any]) -> None:
    for m in _blocks(locks_smoke):
        if m["case"] == "contention" and m["params"]["workers"] > 1:
            assert m["floor"]["case"] == "contention"
            assert m["floor"]["params"] == {**m["params"], "workers": 1}
            # the one-worker crew, kept open beside the N and timed round by round with them
            assert m["floor"]["median"] == m["paired"]["figure"]["median"]
