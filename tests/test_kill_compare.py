"""compare's second mutation pass: the survivors of pairs, match and text, each pinned by a
known answer (synthetic runs whose verdicts, warnings and table cells are known in advance)."""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

import pytest
from synthetic_results import bench, run

from bench_lib.compare import match as compare_match
from bench_lib.compare import pairs as compare
from bench_lib.compare import points as compare_points
from bench_lib.compare import text
from bench_lib.stats import two_samples
from bench_lib.stats.verdict import MIN_BLOCKS_FOR_VERDICT


def constant(blocks: list[int], value_s: float) -> dict[str, Any]:
    """A benchmark whose every round took exactly ``value_s``, in blocks of the given sizes."""
    b = bench("spawn", "process_start", value_s)
    b["stats"]["data"] = [value_s] * sum(blocks)
    m = b["extra_info"]["mpbench"]
    m["info"]["block_rounds"] = list(blocks)
    m["info"]["block_order"] = "passes"  # made as passes over the suite, as mpbench run does
    m["figures"][0]["n"] = m["rounds"] = sum(blocks)
    return b


def compared(base: dict[str, Any], cand: dict[str, Any]) -> Any:
    a, b = run(base), run(cand)
    b["mpbench"]["started_utc"] = "2026-01-02T04:00:00Z"  # not "the same run"
    return compare.build([("base.json", a), ("cand.json", b)])


def test_identical_zero_rounds_are_the_same_from_exactly_the_minimum_of_blocks() -> None:
    """Rounds of 0 s have no ratio (a gap); identical in both runs they are still "same", once
    each side has MIN_BLOCKS_FOR_VERDICT blocks (2: at the threshold, not only above it)."""
    assert MIN_BLOCKS_FOR_VERDICT == 2
    at = compared(constant([5, 5], 0.0), constant([5, 5], 0.0)).pairs[0].figures[0]
    assert (at.verdict, at.reason) == ("same", "every round the same value in both runs")
    assert at.ratio is None
    below = compared(constant([5], 0.0), constant([5], 0.0)).pairs[0].figures[0]
    assert below.verdict == "inconclusive" and below.reason.startswith("1 block(s) < 2")
    one_side = compared(constant([5], 0.0), constant([5, 5], 0.0)).pairs[0].figures[0]
    assert one_side.verdict == "inconclusive"  # the side with fewer blocks decides


def figure(**changes: Any) -> compare.FigureComparison:
    """A compared figure with every field set; ``changes`` override them."""
    fields: dict[str, Any] = {
        "subject": "spawn",
        "case": "process_start",
        "params": (("method", "fork"),),
        "figure": "round",
        "unit": "s",
        "source": "round",
        "higher_is_better": False,
        "baseline": 2e-3,
        "candidate": 1e-3,
        "baseline_ci": None,
        "candidate_ci": None,
        "n_baseline": 20,
        "n_candidate": 20,
        "blocks_baseline": 4,
        "blocks_candidate": 3,
        "ratio": 0.5,
        "ratio_ci": (0.4, 0.6),
        "speed": 2.0,
        "log_se": 0.1,
        "p_value": 0.001,
        "p_adjusted": 0.0123,
        "verdict": "faster",
        "reason": "p = 0.0123 (Holm)",
        "noisy": False,
    }
    return compare.FigureComparison(**{**fields, **changes})


def test_table_cells_of_a_figure_read_back_exactly() -> None:
    assert text.cells(figure()) == (
        "spawn",
        "process_start method=fork",
        "round (lower is better)",
        "2.00 ms",
        "1.00 ms",
        "0.500x (0.400..0.600)",
        "4/3",
        "0.012",
        "faster",
        "p = 0.0123 (Holm)",
    )
    rate = text.cells(figure(higher_is_better=True, ratio_ci=None, noisy=True, p_adjusted=None))
    assert rate[2] == "round (higher is better)" and rate[5] == "0.500x"
    assert rate[7] == "n/a" and rate[8] == "faster (noisy)"
    unknown = text.cells(figure(higher_is_better=None, ratio=None))
    assert unknown[2] == "round" and unknown[5] == "n/a"
    # blocks are shown when either side has rounds; two stored values are "1 value"
    assert text.cells(figure(n_baseline=0))[6] == "4/3"
    assert text.cells(figure(n_candidate=0))[6] == "4/3"
    assert text.cells(figure(n_baseline=0, n_candidate=0))[6] == "1 value"


def test_the_text_table_aligns_columns_to_their_widest_cell() -> None:
    table = text.text_table([("a", "bbbb"), ("ccc", "d")], headers=("h1", "h2"))
    assert table.splitlines() == ["h1   h2", "---  ----", "a    bbbb", "ccc  d"]
    md = text.markdown_table([("a", "b|c")], headers=("h1", "h2"))
    assert md.splitlines() == ["| h1 | h2 |", "|---|---|", "| a | b\\|c |"]


def pair_of(*figures: compare.FigureComparison) -> compare.PairComparison:
    return compare.PairComparison(0, 1, tuple(figures), (), (), ())


def test_biggest_changes_come_largest_first_once_per_benchmark_at_most_five() -> None:
    def moved(case: str, speed: float, name: str = "round") -> compare.FigureComparison:
        verdict = "faster" if speed > 1 else "slower"
        return figure(case=case, speed=speed, ratio=1 / speed, ratio_ci=None, verdict=verdict,
                      figure=name, reason="r")  # fmt: skip

    figures = [
        moved("a", 1.5),
        moved("b", 1 / 3),  # slower by 3x: larger than 2x faster
        moved("c", 2.0),
        moved("c", 4.0, name="per_op"),  # the same benchmark again: listed once, its largest
        figure(case="d", speed=10.0, verdict="same"),  # not a real change
        figure(case="e", speed=None, verdict="faster"),  # no speed: not listed
        moved("f", 1.1), moved("g", 1.2), moved("h", 1.3),
    ]  # fmt: skip
    lines = text.biggest_changes(pair_of(*figures))
    assert [line.split(":")[0] for line in lines] == [
        "faster spawn c method=fork",
        "slower spawn b method=fork",
        "faster spawn a method=fork",
        "faster spawn h method=fork",
        "faster spawn g method=fork",
    ]
    assert lines[0] == "faster spawn c method=fork: per_op 0.250x, r"
    assert len(text.biggest_changes(pair_of(*figures), top=2)) == 2
    assert text.BIGGEST == 5


def test_subject_lines_give_the_geometric_mean_and_the_nonzero_counts() -> None:
    summary = compare.SubjectSummary(
        "spawn", 1.5, 3, (("faster", 2), ("slower", 0), ("same", 1), ("inconclusive", 0)),
        (1.2, 1.8),
    )  # fmt: skip
    pair = compare.PairComparison(0, 1, (), (summary,), (), ())
    assert text.subject_lines(pair) == [
        "spawn: speed 1.500x (1.200..1.800), geometric mean of 3 benchmarks; 2 faster, 1 same"
    ]
    bare = compare.SubjectSummary("io", None, 0, (("inconclusive", 1),))
    pair = compare.PairComparison(0, 1, (), (bare,), (), ())
    assert text.subject_lines(pair) == ["io: no figure with rounds and a direction; 1 inconclusive"]


def test_the_terminal_report_lists_differences_and_every_figure_on_request() -> None:
    one = constant([5, 5], 1e-3)
    a, b = run(one), run(constant([5, 5], 1e-3))
    b["mpbench"]["started_utc"] = "2026-01-02T04:00:00Z"
    b["machine_info"]["mpbench"]["cpu_model"] = "Other CPU"
    c = compare.build([("base.json", a), ("cand.json", b)])
    report = text.terminal_report(c)
    assert "what differs:" in report and "Other CPU" in report
    assert "machines and Pythons: no difference" not in report
    assert "(1 figures: --all prints them, the report has them)" in report
    assert "no real change found" in report
    full = text.terminal_report(c, all_figures=True)
    assert "ratio (95% interval)" in full and "--all prints them" not in full
    rows = text.machine_rows(c, only_differences=True)
    assert rows == [("CPU", "Test CPU", "Other CPU")]
    assert len(text.machine_rows(c, only_differences=False)) == len(c.machine) > 1


def test_rate_values_of_a_zero_round_are_infinite_and_times_divide_by_work() -> None:
    from bench_lib.results.records import FigureRecord

    def values(saved: dict[str, Any], rounds: list[float]) -> list[float]:
        return compare_match.figure_values(
            FigureRecord.of({"name": "f", "median": 1.0, **saved}), rounds
        )

    assert values({"kind": "rate", "per_round": 2.0}, [0.0, 0.5]) == [math.inf, 4.0]
    assert values({"kind": "time", "per_round": 4.0}, [2.0]) == [0.5]
    assert values({}, [3.0]) == [3.0]


def test_machine_fields_are_written_for_people() -> None:
    text_of = compare_match._text
    assert text_of("memory_bytes", 3 * 2**30) == "3.0 GiB"
    assert text_of("memory_bytes", None) == "n/a"
    assert text_of("start_methods", ["fork", "spawn"]) == "fork, spawn"
    assert text_of("cgroup_quota_cores", 1.5) == "1.50"
    assert text_of("usable_cores", 2) == "2"
    assert text_of("switch_interval_s", 0.005) == "5.00 ms"


def test_machine_fields_flag_only_what_differs() -> None:
    a, b = run(), run()
    b["machine_info"]["mpbench"]["memory_bytes"] = 16 * 2**30
    runs = (compare_match.RunInfo.of("a", a), compare_match.RunInfo.of("b", b))
    fields = {f.name: f for f in compare_match.machine_fields(runs, [a, b])}
    assert fields["memory"].values == ("8.0 GiB", "16.0 GiB") and fields["memory"].differs
    assert not fields["CPU"].differs and not fields["profile"].differs
    assert [f.name for f in fields.values() if f.differs] == ["memory"]


def test_run_info_reads_the_run_and_titles_a_gil_free_run() -> None:
    data = run(cores=4)
    data["mpbench"].update(load_average_1m=2, busy_cores=True, label="x")
    info = compare_match.RunInfo.of("x.json", data)
    assert info.load_average_1m == 2.0 and info.usable_cores == 4
    assert info.title == "x (synthetic, CPython 3.11.7)"
    data["mpbench"].update(load_average_1m="high", busy_cores=None)
    data["machine_info"]["mpbench"]["gil_enabled"] = False
    info = compare_match.RunInfo.of("x.json", data)
    assert info.load_average_1m is None and info.busy_cores is None
    assert info.title == "x (synthetic, CPython 3.11.7, no GIL)"


def test_a_busy_one_core_run_is_judged_per_core() -> None:
    """Load above half a task per core: on one core, 0.6 is busy (one core, not a floor of 2)."""
    one = run(constant([5, 5], 1e-3), cores=1)
    cand = run(constant([5, 5], 1e-3), cores=1)
    cand["mpbench"].update(busy_cores=None, load_average_1m=0.6, started_utc="2026-01-02T04:00Z")
    c = compare.build([("a.json", one), ("b.json", cand)])
    assert "synthetic started on a busy machine (load 0.6 on 1 cores)" in " ".join(c.warnings)
    cand["mpbench"]["load_average_1m"] = 0.5  # at the threshold: not above it
    c = compare.build([("a.json", one), ("b.json", cand)])
    assert not any("busy machine" in w for w in c.warnings)


def test_metrics_keep_only_finite_numbers() -> None:
    finite = compare_match._finite
    assert finite([1, 2.5]) == [1.0, 2.5]
    assert finite([1.0, True]) == [] and finite([1.0, math.inf]) == [] and finite("1") == []
    b = constant([5, 5], 1e-3)
    b["extra_info"]["mpbench"]["metrics"] = {
        "missing": {"value": None, "unit": ""},
        "stored": {"value": 3, "unit": "B"},
        "sampled": {"value": 2.0, "unit": "s", "samples": [1.0, 2.0, 3.0]},
        "broken": "not a metric",
    }
    table = {e.figure: e for e in compare_match.entries(run(b)).values()}
    assert set(table) == {"round", "stored", "sampled"}
    assert table["stored"].value == 3.0 and table["stored"].samples == []
    assert table["stored"].source == "metric" and table["stored"].higher_is_better is None
    assert table["sampled"].value is None and table["sampled"].samples == [1.0, 2.0, 3.0]
    assert table["sampled"].source == "metric samples"
    assert table["sampled"].higher_is_better is False


def test_chart_points_are_the_matched_figures_with_rounds_and_a_finite_median() -> None:
    def entry(case: str, samples: list[float], value: float | None = None) -> Any:
        return compare_match.Entry(
            "spawn", case, (), "round", "s", "round", False, samples, value, False
        )

    table = {
        ("kept",): entry("kept", [1.0, 2.0, 3.0]),
        ("unmatched",): entry("unmatched", [1.0, 2.0, 3.0]),
        ("stored",): entry("stored", [], value=5.0),
    }
    keep = {("kept",), ("stored",)}
    points = compare_points.points_of(1, table, keep)
    assert [(p.run, p.case, p.median, p.n) for p in points] == [(1, "kept", 2.0, 3)]


def test_each_side_gets_its_median_interval_and_a_stored_value_has_no_blocks() -> None:
    base, cand = constant([5, 5, 5], 1e-3), constant([5, 5, 5], 2e-3)
    for b, spread in ((base, 1.0), (cand, 2.0)):  # the blocks' medians 1% x spread apart
        b["stats"]["data"] = [t * (1 + 0.01 * spread * (i // 5 - 1)) for i, t in
                              enumerate(b["stats"]["data"])]  # fmt: skip
        b["extra_info"]["mpbench"]["metrics"] = {"rss": {"value": 7.0, "unit": "B"}}
    c = compared(base, cand)
    f = next(f for f in c.pairs[0].figures if f.figure == "round")
    assert f.baseline_ci is not None and f.candidate_ci is not None
    assert f.baseline_ci[0] < f.baseline < f.baseline_ci[1]
    assert f.candidate_ci[0] < f.candidate < f.candidate_ci[1]
    assert f.baseline == pytest.approx(1e-3, rel=1e-4)  # the blocks' geometric mean
    assert f.candidate == pytest.approx(2e-3, rel=1e-3)
    assert f.candidate_ci[1] / f.candidate_ci[0] > f.baseline_ci[1] / f.baseline_ci[0]
    stored = next(f for f in c.pairs[0].figures if f.figure == "rss")
    assert (stored.blocks_baseline, stored.blocks_candidate) == (0, 0)
    assert (stored.n_baseline, stored.baseline_ci) == (0, None)
    assert (stored.verdict, stored.reason) == ("inconclusive", "one value each, no rounds to test")


def test_a_speed_past_the_float_range_is_no_speed() -> None:
    """1e300 s rounds against 1e-10 s: the ratio 1e-310 is a float, its inverse is not."""
    f = compared(constant([5, 5], 1e300), constant([5, 5], 1e-10)).pairs[0].figures[0]
    assert f.ratio is not None and 0 < f.ratio < 1e-300
    assert f.speed is None and f.verdict == "inconclusive"
    assert f.reason == "the speed is past the float range"


def test_a_benchmark_whose_lead_test_gives_p_0_scales_its_other_figures_by_1() -> None:
    """Rounds without spread that differ give p = 0 for the lead figure; Holm's factor is then
    0 / 0, taken as 1 (one benchmark in the family): a metric of the same rounds keeps its p."""
    base, cand = constant([5, 5, 5, 5], 1e-3), constant([5, 5, 5, 5], 2e-3)
    for b, shift in ((base, 0.0), (cand, 0.02)):
        samples = [1.0 + shift + 0.01 * (i % 5) + 0.001 * shift * 50 * (i // 5) for i in range(20)]
        b["extra_info"]["mpbench"]["metrics"] = {
            "latency": {"value": 1.0, "unit": "s", "samples": samples}
        }
    figures = {f.figure: f for f in compared(base, cand).pairs[0].figures}
    assert figures["round"].p_value == 0.0 and figures["round"].p_adjusted == 0.0
    latency = figures["latency"]
    assert latency.p_value is not None and 0 < latency.p_value < 1e-3
    assert latency.p_adjusted == latency.p_value


def _noisy_benchmark(case: str, seed: int) -> dict[str, Any]:
    """Rounds and a latency metric spread +-2.5% at random: no real difference anywhere."""
    b = constant([5, 5, 5, 5], 1e-3)
    b["extra_info"]["mpbench"]["case"] = case
    r = random.Random(seed)
    b["stats"]["data"] = [1e-3 * (1 + 0.05 * r.random()) for _ in range(20)]
    samples = [1 + 0.05 * r.random() for _ in range(20)]
    b["extra_info"]["mpbench"]["metrics"] = {"lat": {"value": 1.0, "unit": "s", "samples": samples}}
    return b


def test_every_tested_figure_is_its_own_member_of_the_holm_family_and_p_caps_at_1() -> None:
    """Two benchmarks, each with its round figure and a per-round latency metric: four tests,
    one Holm family (a per-round metric is not a rescaling of the rounds); adjusted p <= 1."""
    base = [_noisy_benchmark("one", 1), _noisy_benchmark("two", 101)]
    cand = [_noisy_benchmark("one", 201), _noisy_benchmark("two", 301)]
    a, b = run(*base), run(*cand)
    b["mpbench"]["started_utc"] = "2026-01-02T04:00:00Z"
    figures = {(f.case, f.figure): f for f in compare.build([("a", a), ("b", b)]).pairs[0].figures}
    family = [
        figures[k] for k in (("one", "round"), ("one", "lat"), ("two", "round"), ("two", "lat"))
    ]
    assert all(f.p_value is not None for f in family)
    expected = two_samples.holm_adjust([f.p_value or 0.0 for f in family])
    assert [f.p_adjusted for f in family] == pytest.approx(expected)
    assert max(f.p_adjusted or 0 for f in family) == 1.0  # at least one hits the cap here
    assert all(0 <= (f.p_adjusted or 0) <= 1 for f in figures.values())


def test_only_figures_with_rounds_enter_the_subjects_geometric_mean() -> None:
    """Rounds of 0 s give no speed; a stored time metric (one value, no rounds) has a speed of
    its own, but one value is no benchmark figure: the subject has none to average."""
    base, cand = constant([5, 5], 0.0), constant([5, 5], 0.0)
    base["extra_info"]["mpbench"]["metrics"] = {"boot": {"value": 2.0, "unit": "s"}}
    cand["extra_info"]["mpbench"]["metrics"] = {"boot": {"value": 1.0, "unit": "s"}}
    pair = compared(base, cand).pairs[0]
    boot = next(f for f in pair.figures if f.figure == "boot")
    assert boot.speed == 2.0 and boot.n_baseline == 0
    [summary] = pair.subjects
    assert (summary.geomean_speed, summary.figures) == (None, 0)


def test_the_subsample_warning_counts_only_figures_past_the_cap() -> None:
    plain = compared(constant([5, 5], 1e-3), constant([5, 5], 1e-3))
    assert not any("rounds: their blocks" in w for w in plain.warnings)
    big = compare_match.MAX_ROUNDS_COMPARED + 1
    many = constant([big // 2, big - big // 2], 1e-3)
    c = compared(many, constant([5, 5], 1e-3))
    [warning] = [w for w in c.warnings if "rounds: their blocks" in w]
    assert warning.startswith("1 figure(s) have more than 2000 rounds")


def draft(**changes: Any) -> dict[str, Any]:
    """What compare_pair hands _finish for one figure (figure() less the verdict's fields)."""
    fields = dataclasses.asdict(figure())
    for key in ("p_adjusted", "verdict", "reason"):
        fields.pop(key)
    return {**fields, "gap": None, "identical": False, **changes}


def test_a_time_ratios_interval_is_judged_as_speeds_with_both_ends() -> None:
    """Ratio interval 0.96..1.08 of a time is speed 0.926..1.042: its low end is more than 5%
    slower, so it is not "same" (judged on either end alone, 1.042..1.042, it would be)."""
    f = compare._finish(draft(ratio=1.0, speed=1.0, ratio_ci=(0.96, 1.08)), 0.5)
    assert f.verdict == "inconclusive" and f.reason == "p = 0.5 (Holm) >= 0.05"
    same = compare._finish(draft(ratio=1.0, speed=1.0, ratio_ci=(0.97, 1.03)), 0.5)
    assert (same.verdict, same.reason) == ("same", "interval within +-5%")


def test_a_slower_subject_has_its_geometric_mean_below_1() -> None:
    pair = compared(constant([5, 5], 1e-3), constant([5, 5], 2e-3)).pairs[0]
    [summary] = pair.subjects
    assert summary.figures == 1 and summary.geomean_speed == pytest.approx(0.5)


def test_points_are_drawn_only_for_figures_both_runs_have() -> None:
    base = constant([5, 5], 1e-3)
    extra = constant([5, 5], 3e-3)
    extra["extra_info"]["mpbench"]["case"] = "raw_fork"
    a, b = run(base), run(constant([5, 5], 2e-3), extra)
    b["mpbench"]["started_utc"] = "2026-01-02T04:00:00Z"
    c = compare.build([("base.json", a), ("cand.json", b)])
    assert sorted((p.run, p.case) for p in c.points) == [(0, "process_start"), (1, "process_start")]


def test_nothing_in_common_names_both_files() -> None:
    a = run(constant([5, 5], 1e-3))
    other = constant([5, 5], 1e-3)
    other["extra_info"]["mpbench"]["case"] = "raw_fork"
    with pytest.raises(compare.NothingInCommonError, match=r"^base.json and cand.json have no"):
        compare.build([("base.json", a), ("cand.json", run(other))])


def test_two_runs_differing_only_in_time_have_no_warning() -> None:
    assert compared(constant([5, 5], 1e-3), constant([5, 5], 1e-3)).warnings == ()


def test_a_figure_without_per_round_is_one_operation_per_round() -> None:
    b = constant([5, 5], 1e-3)
    del b["extra_info"]["mpbench"]["figures"][0]["per_round"]
    [entry] = compare_match.entries(run(b)).values()
    assert entry.per_round == 1.0 and entry.work == (1.0,)


def test_a_machine_that_reports_0_usable_cores_keeps_0() -> None:
    data = run(cores=0)
    assert compare_match.RunInfo.of("x.json", data).usable_cores == 0


def test_a_one_round_figure_still_enters_the_subjects_geometric_mean() -> None:
    """One round a side: no verdict (one block), but a speed, and the subject's mean has it."""
    pair = compared(constant([1], 1e-3), constant([1], 2e-3)).pairs[0]
    assert pair.figures[0].n_baseline == 1 and pair.figures[0].verdict == "inconclusive"
    [summary] = pair.subjects
    assert summary.figures == 1 and summary.geomean_speed == pytest.approx(0.5)
