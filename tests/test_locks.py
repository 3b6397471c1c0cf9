"""Lock contention: fairness and counting functions, the checks that catch a broken lock,
sections that last their label, and the benchmark file in smoke mode. Workers that die or
hang: tests/test_crew.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_crew import live_children_after_grace

from bench_lib.engine.bench import round_deadline
from bench_lib.stats import descriptive as stats
from bench_lib.subjects.locks import crew, races
from bench_lib.subjects.locks import ops as locks
from bench_lib.testing import workers as testing_workers
from bench_lib.workers import workloads

# --- fairness, quantiles, sizing ---------------------------------------------------------------


def test_jain_is_one_when_all_equal() -> None:
    assert stats.jain_index([7, 7, 7, 7]) == pytest.approx(1.0)


@pytest.mark.parametrize("n", [2, 3, 8])
def test_jain_is_one_over_n_when_one_worker_does_all(n: int) -> None:
    assert stats.jain_index([100] + [0] * (n - 1)) == pytest.approx(1 / n)


def test_jain_of_one_worker_is_one() -> None:
    assert stats.jain_index([5]) == pytest.approx(1.0)


def test_jain_of_zero_counts_is_undefined() -> None:
    assert stats.jain_index([0, 0, 0]) is None


def test_jain_between_the_bounds() -> None:
    assert stats.jain_index([3, 1]) == pytest.approx(16 / 20)


@pytest.mark.parametrize("counts", [[], [1, -1]])
def test_jain_rejects_no_workers_and_negative_counts(counts: list[int]) -> None:
    with pytest.raises(ValueError):
        stats.jain_index(counts)


def test_acquisitions_scale_to_the_target_round_and_stay_bounded() -> None:
    assert locks.acquisitions_for(0.01, 1000, 0.02) == 2000
    assert locks.acquisitions_for(10.0, 1000, 0.01) == locks.MIN_ACQUISITIONS
    assert locks.acquisitions_for(1e-9, 1000, 1.0) == locks.MAX_ACQUISITIONS
    assert locks.acquisitions_for(0.0, 1000, 1.0) == locks.MAX_ACQUISITIONS
    with pytest.raises(ValueError):
        locks.acquisitions_for(0.01, 0, 0.02)


def test_section_is_its_label_in_nanoseconds_and_bounds_the_rate() -> None:
    assert (locks.section_ns(0), locks.section_ns(1), locks.section_ns(2.5)) == (0, 1000, 2500)
    assert locks.serial_bound_acq_per_s(10) == pytest.approx(100_000)
    with pytest.raises(ValueError):
        locks.section_ns(-1)
    with pytest.raises(ValueError):
        locks.serial_bound_acq_per_s(0)


# --- a critical section lasts what its label says ----------------------------------------------

SECTIONS_TIMED = 2000  # many sections: the average is a property of the spin, not of one slice


@pytest.mark.parametrize("cs_us", [1, 10])
def test_a_section_lasts_at_least_its_label_in_a_worker(cs_us: int) -> None:
    """Time many sections in a crew worker, spun as the contention workers spin them."""
    sections = SECTIONS_TIMED // cs_us
    job = (testing_workers.time_sections, (locks.section_ns(cs_us), sections))
    with crew.ProcessCrew(locks.context(), [job]) as team, round_deadline(30):
        (elapsed_ns,) = team.run_round()
    assert elapsed_ns / sections >= 0.95 * cs_us * 1000  # the label; a deadline never runs short


def test_every_sampled_hold_lasts_its_section_and_rounds_stay_under_the_serial_bound() -> None:
    ctx = locks.context()
    with locks.guarded("lock", ctx) as guard, locks.Contention(guard, ctx, 2, 10) as c:
        c.prepare(300)
        with round_deadline(30):
            result = c.run()
    assert result.error is None and result.holds_ns
    assert min(result.holds_ns) >= c.section_ns  # the spin ends past its deadline
    assert result.total / result.wall_s <= locks.serial_bound_acq_per_s(10)


def test_unknown_primitive_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="manager_lock"), locks.guarded("mutex", locks.context()):
        pass


# --- correctness checks ------------------------------------------------------------------------


def _round(total: int, counter: int, counts: tuple[int, ...]) -> locks.ContentionRound:
    return locks.ContentionRound(total, counter, counts, (), (), 0.0, 1.0)


def test_round_adds_up_when_the_lock_held() -> None:
    assert _round(10, 10, (6, 4)).error is None


def test_round_with_two_holders_at_once_is_an_error() -> None:
    error = _round(10, 10, (6, 5)).error  # one increment was lost: counts exceed the counter
    assert error is not None and "two workers held the lock" in error


def test_round_that_stopped_short_is_an_error() -> None:
    assert _round(10, 9, (5, 4)).error is not None


@pytest.mark.parametrize("primitive", locks.PRIMITIVES)
def test_every_primitive_keeps_the_counter_exact(primitive: str) -> None:
    ctx = locks.context()
    with locks.guarded(primitive, ctx) as guard, locks.Contention(guard, ctx, 2, 0) as c:
        for total in (300, 500):
            c.prepare(total)
            result = c.run()
            assert result.error is None
            assert sum(result.counts) == total == result.counter
            assert result.waits_ns and len(result.counts) == 2
    assert not live_children_after_grace()


def test_calibration_sizes_rounds_within_bounds() -> None:
    ctx = locks.context()
    with locks.guarded("lock", ctx) as guard, locks.Contention(guard, ctx, 2, 0) as c:
        total = c.calibrate(0.005)
    assert locks.MIN_ACQUISITIONS <= total <= locks.MAX_ACQUISITIONS


def test_contention_needs_a_worker() -> None:
    ctx = locks.context()
    with locks.guarded("lock", ctx) as guard, pytest.raises(ValueError):
        locks.Contention(guard, ctx, 0, 0)


def test_the_one_worker_floor_counts_every_take() -> None:
    ctx = locks.context()
    with locks.guarded("lock", ctx) as guard, locks.Contention(guard, ctx, 1, 0) as c:
        c.prepare(1000)
        result = c.run()
    assert result.error is None and result.counts == (1000,)


def test_lost_updates_arithmetic() -> None:
    assert races.LostUpdates(expected=100, final=93).lost == 7
    assert races.LostUpdates(expected=100, final=100).error is None
    assert races.LostUpdates(expected=100, final=101).error is not None


def _lines(writers: int, lines: int) -> list[bytes]:
    return [
        workloads.line_for(w, s, races.LINE_BYTES) for s in range(lines) for w in range(writers)
    ]


def test_intact_file_has_no_torn_line() -> None:
    report = races.count_torn(b"".join(_lines(3, 4)), 3, 4, races.LINE_BYTES)
    assert (report.lines, report.intact, report.torn, report.missing) == (12, 12, 0, 0)
    assert report.bytes_ok


def test_interleaved_pieces_are_torn_lines() -> None:
    a, b, *rest = _lines(2, 3)
    torn = a[:10] + b + a[10:]  # b's whole line lands inside a: two torn lines, none lost
    report = races.count_torn(torn + b"".join(rest), 2, 3, races.LINE_BYTES)
    assert report.torn == 2 and report.missing == 2 and report.bytes_ok


def test_lost_or_doubled_bytes_are_caught() -> None:
    lines = _lines(2, 2)
    short = races.count_torn(b"".join(lines[1:]), 2, 2, races.LINE_BYTES)
    assert not short.bytes_ok and short.missing == 1
    doubled = races.count_torn(b"".join([*lines, lines[0]]), 2, 2, races.LINE_BYTES)
    assert not doubled.bytes_ok and doubled.torn == 1  # the repeat is not a second intact line


def test_lines_written_under_the_lock_are_never_torn(tmp_path: Path) -> None:
    ctx = locks.context()
    path = str(tmp_path / "out.txt")
    races.empty_file(path)
    with races.writer_crew(ctx, path, ctx.Lock(), 4, 50) as team:
        team.run_round()
    report = races.count_torn(races.read_file(path), 4, 50, races.LINE_BYTES)
    assert report.torn == 0 and report.missing == 0 and report.bytes_ok


# --- the benchmark file in smoke mode ----------------------------------------------------------

CONTENTION_METRICS = {
    "fairness_jain",
    "wait_p50_s",
    "wait_p99_s",
    "hold_p50_s",
    "workers_effective_cores",
}


def _by_case(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    cases: dict[str, list[dict[str, Any]]] = {}
    for b in data["benchmarks"]:
        m = b["extra_info"]["mpbench"]
        cases.setdefault(m["case"], []).append(m)
    return cases


def test_smoke_runs_every_case_and_checks_it(locks_smoke: dict[str, Any]) -> None:
    cases = _by_case(locks_smoke)
    assert set(cases) == {"contention", "critical_section", "lost_updates", "torn_lines"}
    assert not locks_smoke["mpbench"]["failures"]
    for m in (m for ms in cases.values() for m in ms):
        expected = {
            "contention": {"counter equals acquisitions"},
            "critical_section": {"counter equals acquisitions", "within the serial bound"},
            "lost_updates": {"value never exceeds increments"}
            | ({"no update lost under the lock"} if m["params"].get("locked") else set()),
            "torn_lines": {"every byte written arrived once"}
            | ({"no torn line under the lock"} if m["params"].get("locked") else set()),
        }[m["case"]]
        assert set(m["checks"]) == expected, m["case"]


def test_smoke_contention_reports_rates_fairness_waits_and_cores(
    locks_smoke: dict[str, Any],
) -> None:
    for m in _by_case(locks_smoke)["contention"] + _by_case(locks_smoke)["critical_section"]:
        assert [f["unit"] for f in m["figures"]] == ["acq/s", "s"]
        assert set(m["metrics"]) >= CONTENTION_METRICS, m["metrics"]
        assert 0 < m["metrics"]["fairness_jain"]["value"] <= 1


def test_smoke_contention_floor_is_the_same_crew_with_one_worker(
    locks_smoke: dict[str, Any],
) -> None:
    contention = _by_case(locks_smoke)["contention"]
    alone = {m["params"]["primitive"]: m for m in contention if m["params"]["workers"] == 1}
    rivals = [m for m in contention if m["params"]["workers"] > 1]
    assert alone and rivals and set(alone) == {m["params"]["primitive"] for m in rivals}
    for m in rivals:
        primitive = m["params"]["primitive"]
        assert m["floor"]["case"] == "contention", m["floor"]
        assert m["floor"]["params"] == {"primitive": primitive, "workers": 1}
        # measured beside the rivals, round by round, not looked up from the standalone point
        assert m["floor"]["paired"] is True and m["paired"]["role"] == "floor"
        assert m["floor"]["median"] == m["paired"]["figure"]["median"]
        assert m["floor"]["ratio"] == m["figures"][0]["median"] / m["floor"]["median"]
        assert len(m["paired"]["rounds_s"]) == m["rounds"]
    assert all(m["floor"] is None for m in alone.values())  # the floor has no floor


def test_smoke_critical_sections_never_beat_their_serial_bound(
    locks_smoke: dict[str, Any],
) -> None:
    sections = _by_case(locks_smoke)["critical_section"]
    assert sections
    for m in sections:
        cs_us = m["params"]["cs_us"]
        assert m["figures"][0]["unit"] == "acq/s"
        assert m["figures"][0]["median"] <= 1e6 / cs_us
        assert m["metrics"]["serial_bound_acq_per_s"]["value"] == pytest.approx(1e6 / cs_us)
        assert m["metrics"]["bound_ratio"]["value"] <= 1
        assert m["checks"]["within the serial bound"]
        assert m["metrics"]["hold_p50_s"]["value"] >= cs_us * 1e-6  # the section really ran
        assert m["info"]["section_ns"] == cs_us * 1000


def test_smoke_counts_lost_updates_and_torn_lines(locks_smoke: dict[str, Any]) -> None:
    cases = _by_case(locks_smoke)
    for m in cases["lost_updates"]:
        assert m["metrics"]["lost_updates"]["value"] >= 0
        if m["params"]["locked"]:
            assert m["metrics"]["lost_updates"]["value"] == 0
    for m in cases["torn_lines"]:
        assert m["metrics"]["torn_lines"]["value"] >= 0
        if m["params"]["locked"]:
            assert m["metrics"]["torn_lines"]["value"] == 0


@pytest.mark.parametrize(("samples", "holds"), [(100, 100), (1, 1), (0, 1), (20_000, 10_000)])
def test_contend_times_about_the_asked_number_of_takes_spread_over_the_round(
    samples: int, holds: int
) -> None:
    """Timing a take costs three clock reads: a Lock taken alone ran 0.80x with one take in 16
    timed, so only about ``samples`` takes a round are (every one if there are fewer)."""
    import ctypes
    import threading

    counter = ctypes.c_longlong(0)
    mine, waits, hold_ns, _ = workloads.contend(
        threading.Lock(), counter, ctypes.c_longlong(10_000), 0, samples
    )
    assert mine == counter.value == 10_000
    assert len(hold_ns) == holds and len(waits) == holds + 1  # the last take found it full
