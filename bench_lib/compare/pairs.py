"""Compare result files: match figures across runs, test each pair, keep what a report needs.

The first run is the baseline; every other run is compared with it (a *pair*). Figures match by
subject + case + parameters + figure name. Round figures (from ``stats.data``) and metrics with
per-round samples get a ratio with a t interval and test over their blocks (Welch's on the log
block medians of two runs; for an `mpbench ab` pair, the one-sample t over each block's median
round-pair log ratio), Holm-adjusted over every figure tested in the pair; metrics stored as
one value get a ratio only. A subject's (and the whole run's) geometric mean speed has a t
interval over per-block means. The words come from :mod:`bench_lib.stats.verdict`. Everything
here is pure: it reads loaded result dicts, never files.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any
from warnings import catch_warnings, simplefilter

from bench_lib.compare.geomean import SubjectSummary, geomean, subjects
from bench_lib.compare.match import (
    MAX_ROUNDS_COMPARED,
    Entry,
    Key,
    MachineField,
    RunInfo,
    entries,
    machine_fields,
    mixing_warnings,
)
from bench_lib.compare.points import Point, figure_summary, points_of
from bench_lib.compare.run_warnings import (
    DRIFT_MIN_FIGURES as DRIFT_MIN_FIGURES,
)
from bench_lib.compare.run_warnings import (
    DRIFT_SHARE as DRIFT_SHARE,
)
from bench_lib.compare.run_warnings import back_to_back_warnings, drift_warning
from bench_lib.results.records import BenchmarkKey, benchmark_key
from bench_lib.stats import replicates, two_samples
from bench_lib.stats.descriptive import CONFIDENCE
from bench_lib.stats.verdict import (
    AB_CONFIDENCE,
    AB_MARGINS,
    ALPHA,
    CORRECTION,
    MIN_BLOCKS_FOR_VERDICT,
    MIN_EFFECT,
    Verdict,
    decide,
    no_ratio_reason,
    speed_of,
)

__all__ = [
    "Comparison",
    "FigureComparison",
    "MachineField",
    "NothingInCommonError",
    "PairComparison",
    "Point",
    "RunInfo",
    "SubjectSummary",
    "build",
]


class NothingInCommonError(ValueError):
    """Two runs share no benchmark: there is nothing to compare."""


@dataclass(frozen=True)
class FigureComparison:
    """One figure of the baseline against the same figure of a candidate."""

    subject: str
    case: str
    params: tuple[tuple[str, str], ...]  # (name, value as text), in the benchmark's order
    figure: str  # figure or metric name
    unit: str
    source: str  # "round" (from round times), "metric samples" or "metric" (one stored value)
    higher_is_better: bool | None  # None: a metric whose direction mpbench does not know
    baseline: float | None  # median (or the stored value)
    candidate: float | None
    baseline_ci: tuple[float, float] | None  # 95% interval of the median, t over its blocks
    candidate_ci: tuple[float, float] | None
    n_baseline: int  # rounds; 0 for a single stored value
    n_candidate: int
    blocks_baseline: int  # independent blocks the rounds came in; 0 for a single stored value
    blocks_candidate: int
    ratio: float | None  # candidate / baseline on the figure's own scale (of block medians)
    ratio_ci: tuple[float, float] | None  # 95% interval of the ratio, from the blocks
    speed: float | None  # how many times faster the candidate is (> 1 = faster)
    log_se: float | None  # standard error of log(ratio), from the blocks
    p_value: float | None  # t on log block medians, two-sided, uncorrected (see `paired`)
    p_adjusted: float | None  # after the Holm correction over the pair's benchmarks
    verdict: Verdict
    reason: str  # why the verdict, in a few words
    noisy: bool  # a noise flag on either side
    paired: bool = False  # blocks paired (made side by side by `mpbench ab`): one-sample t on
    # the blocks' median round-pair log ratios; otherwise Welch's t on the log block medians
    margin: float = MIN_EFFECT  # the equivalence margin it was judged against
    baseline_blocks: tuple[float, ...] = ()  # block medians, for the geometric means
    candidate_blocks: tuple[float, ...] = ()
    flags: str = ""  # both sides' noise flag codes, joined by commas (what a chart's ring marks)

    @property
    def name(self) -> str:
        params = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.case} {params}".strip()


@dataclass(frozen=True)
class PairComparison:
    baseline: int  # index into Comparison.runs
    candidate: int
    figures: tuple[FigureComparison, ...]
    subjects: tuple[SubjectSummary, ...]
    only_in_baseline: tuple[str, ...]  # "subject case params: figure"
    only_in_candidate: tuple[str, ...]
    overall: SubjectSummary | None = None  # every subject together ("all subjects")


@dataclass(frozen=True)
class Comparison:
    runs: tuple[RunInfo, ...]  # runs[0] is the baseline
    machine: tuple[MachineField, ...]  # every fingerprint field, with a flag where runs differ
    pairs: tuple[PairComparison, ...]
    points: tuple[Point, ...]  # round figures of every run, matched in at least one pair
    warnings: tuple[str, ...]  # mixing, partial runs, noise, unmatched benchmarks
    min_effect: float = MIN_EFFECT  # changes smaller than this are "same" at best
    alpha: float = ALPHA  # family-wise error rate of "faster"/"slower" per pair
    min_blocks: int = MIN_BLOCKS_FOR_VERDICT  # fewer blocks on either side: "inconclusive"
    correction: str = CORRECTION
    confidence: float = CONFIDENCE  # of the figures' ratio intervals (ab: AB_CONFIDENCE)

    @property
    def describe_runs(self) -> str:
        return " vs ".join(r.title for r in self.runs)


@dataclass(frozen=True)
class Rules:
    """How a pair is judged: the interval's level and the equivalence margin by source."""

    confidence: float = CONFIDENCE
    margins: tuple[tuple[str, float], ...] = ()  # source -> margin; MIN_EFFECT otherwise

    def margin(self, source: str) -> float:
        return dict(self.margins).get(source, MIN_EFFECT)


def _paired(base: Entry, cand: Entry, pairs_of: int) -> bool:
    """Block k of both was made side by side: both came from the same runs of one `mpbench
    ab` (a benchmark that settled early has fewer); files without the runs recorded pair only
    with a block from every run."""
    if not pairs_of or not base.block_values or len(base.block_values) != len(cand.block_values):
        return False
    if base.block_runs or cand.block_runs:
        return base.block_runs == cand.block_runs
    return len(base.block_values) == pairs_of


def _draft(base: Entry, cand: Entry, pairs_of: int = 0, rules: Rules = Rules()) -> dict[str, Any]:
    """Everything about one matched figure but the corrected p-value and the verdict.

    ``pairs_of``: the runs of an interleaved `mpbench ab` (0 otherwise); a figure with as many
    blocks on both sides has block k of both made next to each other, so the ratio is taken
    round pair by round pair in each block (drift and speed states cancel); anything else is
    compared as two runs.
    """
    direction = base.higher_is_better if base.higher_is_better == cand.higher_is_better else None
    b_med, b_ci = figure_summary(base) if base.samples else (base.value, None)
    c_med, c_ci = figure_summary(cand) if cand.samples else (cand.value, None)
    gap = no_ratio_reason(b_med, c_med)
    ratio = c_med / b_med if gap is None and b_med and c_med is not None else None
    if ratio is not None and not math.isfinite(ratio):
        ratio, gap = None, "the ratio of the medians is past the float range"
    ratio_ci, p_value, log_se = None, None, None
    paired = _paired(base, cand, pairs_of)
    if ratio and base.samples and cand.samples:
        blocks = (
            replicates.paired_round_ratio(base.block_values, cand.block_values, rules.confidence)
            if paired
            else replicates.block_ratio(base.block_medians, cand.block_medians, rules.confidence)
        )
        if blocks is None:
            gap = "a block median is 0 or not finite: no ratio of blocks"
        else:
            ratio = blocks.ratio
            if blocks.ci_low is not None and blocks.ci_high is not None:
                ratio_ci = (blocks.ci_low, blocks.ci_high)
            p_value, log_se = blocks.p_value, blocks.log_se
    speed = speed_of(ratio, direction) if ratio and direction is not None else None
    if speed is not None and not 0 < speed < math.inf:
        speed, gap = None, "the speed is past the float range"
    return {
        "subject": base.subject,
        "case": base.case,
        "params": base.params,
        "figure": base.figure,
        "unit": base.unit,
        "source": base.source,
        "higher_is_better": direction,
        "baseline": b_med,
        "candidate": c_med,
        "baseline_ci": b_ci,
        "candidate_ci": c_ci,
        "n_baseline": len(base.samples),
        "n_candidate": len(cand.samples),
        "blocks_baseline": len(base.block_medians) if base.samples else 0,
        "blocks_candidate": len(cand.block_medians) if cand.samples else 0,
        "ratio": ratio,
        "ratio_ci": ratio_ci,
        "speed": speed,
        "log_se": log_se,
        "p_value": p_value,
        "noisy": base.noisy or cand.noisy,
        "flags": ",".join(c for c in (base.flags, cand.flags) if c),
        "gap": gap,
        "paired": paired and p_value is not None,
        "margin": rules.margin(base.source),
        "baseline_blocks": base.block_medians if base.samples else (),
        "candidate_blocks": cand.block_medians if cand.samples else (),
        "identical": bool(base.samples and cand.samples)
        and len({*base.samples, *cand.samples}) == 1,
    }


def _finish(draft: dict[str, Any], p_adjusted: float | None) -> FigureComparison:
    draft = dict(draft)
    gap, identical = draft.pop("gap"), draft.pop("identical")
    direction = draft["higher_is_better"]
    # a figure with a direction is judged on its speed; one without, on its ratio: it can be
    # "same" (the interval is what says so), never faster or slower
    effect = draft["speed"] if direction is not None else draft["ratio"]
    effect_ci = draft["ratio_ci"]
    if effect_ci is not None and direction is not None:
        ends = sorted(speed_of(r, direction) for r in effect_ci) if effect_ci[0] > 0 else None
        effect_ci = (ends[0], ends[1]) if ends else None
    verdict, reason = decide(
        effect,
        effect_ci,
        p_adjusted,
        draft["blocks_baseline"],
        draft["blocks_candidate"],
        min_effect=draft["margin"],
        gap=gap,
    )
    enough = min(draft["blocks_baseline"], draft["blocks_candidate"]) >= MIN_BLOCKS_FOR_VERDICT
    if identical and enough and verdict == "inconclusive" and gap is not None:
        verdict, reason = "same", "every round the same value in both runs"
    if direction is None and verdict in ("faster", "slower"):
        verdict, reason = "inconclusive", "differs, but higher is not known to be better"
    elif direction is None and draft["n_baseline"] and verdict != "same":
        reason = f"{reason}; direction unknown"
    return FigureComparison(**draft, p_adjusted=p_adjusted, verdict=verdict, reason=reason)


def _holm_family(drafts: list[dict[str, Any]]) -> dict[int, float]:
    """Holm over every distinct test of the pair: one per benchmark's round figures (they are
    the same rounds on another scale, so one test), and one per metric with per-round samples
    (lock waits, latencies: tests of their own). Each tested figure gets its p multiplied by
    the factor Holm gave its test."""
    tested = [i for i, d in enumerate(drafts) if d["p_value"] is not None and d["n_baseline"]]

    def test_of(d: dict[str, Any]) -> tuple[BenchmarkKey, str]:
        key = benchmark_key(d["subject"], d["case"], dict(d["params"]))
        return key, "" if d["source"] == "round" else str(d["figure"])

    lead: dict[tuple[BenchmarkKey, str], int] = {}
    for i in tested:
        lead.setdefault(test_of(drafts[i]), i)
    family = list(lead.values())
    adjusted = dict(zip(family, two_samples.holm_adjust([drafts[i]["p_value"] for i in family])))
    scale = {i: adjusted[i] / drafts[i]["p_value"] if drafts[i]["p_value"] else 1.0 for i in family}
    return {i: min(1.0, drafts[i]["p_value"] * scale[lead[test_of(drafts[i])]]) for i in tested}


def compare_pair(
    base: dict[Key, Entry],
    cand: dict[Key, Entry],
    b: int,
    c: int,
    pairs_of: int = 0,
    rules: Rules = Rules(),
) -> PairComparison:
    common = [k for k in base if k in cand]
    drafts = [_draft(base[k], cand[k], pairs_of, rules) for k in common]
    resized = {  # whole-round times of rounds that did different work in each run
        i
        for i, k in enumerate(common)
        if base[k].work != cand[k].work and base[k].source == "round" and base[k].per_round == 1
    }
    for i in resized:
        drafts[i].update(p_value=None, speed=None, ratio_ci=None)
    p_adj = _holm_family(drafts)
    figures = [_finish(d, p_adj.get(i)) for i, d in enumerate(drafts)]
    for i in resized:
        figures[i] = dataclasses.replace(
            figures[i],
            verdict="inconclusive",
            reason="rounds did different work in each run: compare the per-operation figure",
        )
    return PairComparison(
        baseline=b,
        candidate=c,
        figures=tuple(figures),
        subjects=subjects(figures),
        only_in_baseline=tuple(base[k].label for k in base if k not in cand),
        only_in_candidate=tuple(cand[k].label for k in cand if k not in base),
        overall=geomean("all subjects", figures) if figures else None,
    )


def interleaved_runs(base: dict[str, Any], cand: dict[str, Any]) -> int:
    """How many runs of the two files were made side by side (`mpbench ab`), or 0: both record
    the same interleaving id, from opposite sides, with the same number of runs."""
    a, b = (d.get("mpbench", {}).get("interleaved") or {} for d in (base, cand))
    same = a.get("id") and a.get("id") == b.get("id") and a.get("side") != b.get("side")
    runs = a.get("runs")
    return runs if same and isinstance(runs, int) and runs == b.get("runs") else 0


def build(named: list[tuple[str, dict[str, Any]]]) -> Comparison:
    """Compare loaded result files: ``named[0]`` is the baseline, the rest are candidates.

    Raises :class:`NothingInCommonError` when a candidate shares no figure with the baseline,
    and ValueError for fewer than two runs.
    """
    if len(named) < 2:
        raise ValueError("need at least two result files to compare")
    with catch_warnings():  # overflow near the float range: the verdicts' reasons say so
        simplefilter("ignore", RuntimeWarning)
        return _build(named)


def _build(named: list[tuple[str, dict[str, Any]]]) -> Comparison:
    runs = tuple(RunInfo.of(path, data) for path, data in named)
    tables = [entries(data) for _, data in named]
    pairs, ab_rules = [], Rules(AB_CONFIDENCE, AB_MARGINS)
    for c in range(1, len(named)):
        runs_of = interleaved_runs(named[0][1], named[c][1])
        rules = ab_rules if runs_of else Rules()
        pair = compare_pair(tables[0], tables[c], 0, c, runs_of, rules)
        if not pair.figures:
            raise NothingInCommonError(
                f"{runs[0].path} and {runs[c].path} have no benchmark in common "
                "(different subjects or parameter grids); run the same --only and --profile"
            )
        pairs.append(pair)
    matched = {k for t in tables[1:] for k in t if k in tables[0]}
    points = [p for i, t in enumerate(tables) for p in points_of(i, t, matched)]
    warnings = mixing_warnings(runs, [data for _, data in named])
    warnings += back_to_back_warnings(runs, [data for _, data in named])
    capped = sum(e.rounds_total > len(e.samples) for t in tables for e in t.values())
    if capped:
        warnings.append(
            f"{capped} figure(s) have more than {MAX_ROUNDS_COMPARED} rounds: their blocks "
            "(median, interval and test) use every round, their charted rounds a seeded "
            f"random subsample of {MAX_ROUNDS_COMPARED}, which bounds the work"
        )
    for pair in pairs:
        name = runs[pair.candidate].title
        if pair.only_in_baseline or pair.only_in_candidate:
            warnings.append(
                f"{len(pair.only_in_baseline)} figure(s) only in the baseline and "
                f"{len(pair.only_in_candidate)} only in {name}: not compared (listed below)"
            )
        warnings += drift_warning(pair, name)
        noisy = sum(f.noisy for f in pair.figures)
        if noisy:
            warnings.append(
                f"{noisy} of {len(pair.figures)} figures compared with {name} carry noise flags "
                "in either run: their verdicts lean to inconclusive; rerun on an idle machine"
            )
    ab = all(f.paired or f.n_baseline == 0 for p in pairs for f in p.figures) and any(
        f.paired for p in pairs for f in p.figures
    )
    return Comparison(
        runs,
        machine_fields(runs, [d for _, d in named]),
        tuple(pairs),
        tuple(points),
        tuple(warnings),
        min_effect=ab_rules.margin("round") if ab else MIN_EFFECT,
        confidence=ab_rules.confidence if ab else CONFIDENCE,
    )
