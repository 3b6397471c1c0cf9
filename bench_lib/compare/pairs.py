"""Compare result files: match figures across runs, test each pair, keep what a report needs.

The first run is the baseline; every other run is compared with it (a *pair*). Figures match by
subject + case + parameters + figure name. Round figures (from ``stats.data``) and metrics with
per-round samples get a ratio of medians with a bootstrap interval and a Mann-Whitney U test,
Holm-corrected over the pair; metrics stored as one value get a ratio only. The words come from
:mod:`bench_lib.stats.verdict`. Everything here is pure: it reads loaded result dicts, never files.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any
from warnings import catch_warnings, simplefilter

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
from bench_lib.results.records import BenchmarkKey, benchmark_key
from bench_lib.stats import descriptive as stats
from bench_lib.stats import replicates, two_samples
from bench_lib.stats.verdict import (
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
    baseline_ci: tuple[float, float] | None  # 95% bootstrap interval of the median
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
    # the blocks' log ratios; otherwise Welch's two-sample t on the log block medians
    flags: str = ""  # both sides' noise flag codes, joined by commas (what a chart's ring marks)

    @property
    def name(self) -> str:
        params = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.case} {params}".strip()


@dataclass(frozen=True)
class SubjectSummary:
    subject: str
    geomean_speed: float | None  # geometric mean speed, one figure per benchmark (its first)
    figures: int  # how many benchmarks went into it
    counts: tuple[tuple[Verdict, int], ...]  # verdict -> how many figures
    geomean_ci: tuple[float, float] | None = None  # 95%, from each benchmark's block error


@dataclass(frozen=True)
class PairComparison:
    baseline: int  # index into Comparison.runs
    candidate: int
    figures: tuple[FigureComparison, ...]
    subjects: tuple[SubjectSummary, ...]
    only_in_baseline: tuple[str, ...]  # "subject case params: figure"
    only_in_candidate: tuple[str, ...]


@dataclass(frozen=True)
class Point:
    """One figure of one run, for scaling curves (a figure against a numeric parameter)."""

    run: int
    subject: str
    case: str
    params: tuple[tuple[str, str], ...]
    figure: str
    unit: str
    median: float
    ci: tuple[float, float] | None
    n: int
    noisy: bool
    flags: str = ""  # the noise flag codes, joined by commas (what a chart's ring marks)


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

    @property
    def describe_runs(self) -> str:
        return " vs ".join(r.title for r in self.runs)


def _summary(samples: list[float]) -> tuple[float | None, tuple[float, float] | None]:
    if not samples:
        return None, None
    s = stats.summarize(samples)
    ci = (s.ci_low, s.ci_high) if s.ci_low is not None and s.ci_high is not None else None
    return s.median, ci


def _draft(base: Entry, cand: Entry, pairs_of: int = 0) -> dict[str, Any]:
    """Everything about one matched figure but the corrected p-value and the verdict.

    ``pairs_of``: the runs of an interleaved `mpbench ab` (0 otherwise); a figure with exactly
    that many blocks a side has block k of both made next to each other, so the ratio is taken
    block by block (drift between blocks cancels); anything else is compared as two runs.
    """
    direction = base.higher_is_better if base.higher_is_better == cand.higher_is_better else None
    b_med, b_ci = _summary(base.samples) if base.samples else (base.value, None)
    c_med, c_ci = _summary(cand.samples) if cand.samples else (cand.value, None)
    gap = no_ratio_reason(b_med, c_med)
    ratio = c_med / b_med if gap is None and b_med and c_med is not None else None
    if ratio is not None and not math.isfinite(ratio):
        ratio, gap = None, "the ratio of the medians is past the float range"
    ratio_ci, p_value, log_se = None, None, None
    paired = bool(pairs_of) and len(base.block_medians) == len(cand.block_medians) == pairs_of
    if ratio and base.samples and cand.samples:
        test = replicates.paired_block_ratio if paired else replicates.block_ratio
        blocks = test(base.block_medians, cand.block_medians)
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
        effect, effect_ci, p_adjusted, draft["blocks_baseline"], draft["blocks_candidate"], gap=gap
    )
    enough = min(draft["blocks_baseline"], draft["blocks_candidate"]) >= MIN_BLOCKS_FOR_VERDICT
    if identical and enough and verdict == "inconclusive" and gap is not None:
        verdict, reason = "same", "every round the same value in both runs"
    if direction is None and verdict in ("faster", "slower"):
        verdict, reason = "inconclusive", "differs, but higher is not known to be better"
    elif direction is None and draft["n_baseline"] and verdict != "same":
        reason = f"{reason}; direction unknown"
    return FigureComparison(**draft, p_adjusted=p_adjusted, verdict=verdict, reason=reason)


def _benchmark(f: FigureComparison) -> BenchmarkKey:
    return benchmark_key(f.subject, f.case, dict(f.params))


def _subjects(figures: list[FigureComparison]) -> tuple[SubjectSummary, ...]:
    """Per subject: verdict counts, and the geometric mean speed of one figure per benchmark
    (its first with rounds and a direction: a benchmark's figures share its rounds)."""
    out = []
    for subject in dict.fromkeys(f.subject for f in figures):
        mine = [f for f in figures if f.subject == subject]
        first: dict[Any, FigureComparison] = {}
        for f in mine:
            if f.speed is not None and 0 < f.speed < math.inf and f.n_baseline > 0:
                first.setdefault(_benchmark(f), f)
        speeds = [f.speed for f in first.values() if f.speed is not None]
        errors = [f.log_se for f in first.values()]
        ci = (
            replicates.geometric_mean_ci([math.log(s) for s in speeds], errors)  # type: ignore[arg-type]
            if speeds and all(e is not None for e in errors)
            else None
        )
        counts = tuple((v, sum(f.verdict == v for f in mine)) for v in _VERDICT_ORDER)
        out.append(
            SubjectSummary(subject, two_samples.geometric_mean(speeds), len(speeds), counts, ci)
        )
    return tuple(out)


_VERDICT_ORDER: tuple[Verdict, ...] = ("faster", "slower", "same", "inconclusive")


def _holm_per_benchmark(drafts: list[dict[str, Any]]) -> dict[int, float]:
    """Holm over one test per benchmark (its first tested figure: the others are the same rounds
    on another scale); every tested figure of a benchmark has its own p multiplied by the
    factor Holm gave its benchmark."""
    tested = [i for i, d in enumerate(drafts) if d["p_value"] is not None and d["n_baseline"]]
    benchmark = {
        i: benchmark_key(d["subject"], d["case"], dict(d["params"])) for i, d in enumerate(drafts)
    }
    lead: dict[BenchmarkKey, int] = {}
    for i in tested:
        lead.setdefault(benchmark[i], i)
    family = list(lead.values())
    adjusted = dict(zip(family, two_samples.holm_adjust([drafts[i]["p_value"] for i in family])))
    scale = {i: adjusted[i] / drafts[i]["p_value"] if drafts[i]["p_value"] else 1.0 for i in family}
    out = {}
    for i in tested:
        j = lead[benchmark[i]]
        out[i] = min(1.0, drafts[i]["p_value"] * scale[j])
    return out


def compare_pair(
    base: dict[Key, Entry],
    cand: dict[Key, Entry],
    b: int,
    c: int,
    pairs_of: int = 0,
) -> PairComparison:
    common = [k for k in base if k in cand]
    drafts = [_draft(base[k], cand[k], pairs_of) for k in common]
    resized = {  # whole-round times of rounds that did different work in each run
        i
        for i, k in enumerate(common)
        if base[k].work != cand[k].work and base[k].source == "round" and base[k].per_round == 1
    }
    for i in resized:
        drafts[i].update(p_value=None, speed=None, ratio_ci=None)
    p_adj = _holm_per_benchmark(drafts)
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
        subjects=_subjects(figures),
        only_in_baseline=tuple(base[k].label for k in base if k not in cand),
        only_in_candidate=tuple(cand[k].label for k in cand if k not in base),
    )


def _points(run: int, table: dict[Key, Entry], keep: set[Key]) -> list[Point]:
    out = []
    for key, e in table.items():
        if key not in keep or not e.samples:
            continue
        med, ci = _summary(e.samples)
        if med is None or not math.isfinite(med):
            continue  # a median past the float range has no place on a chart
        out.append(
            Point(
                run,
                e.subject,
                e.case,
                e.params,
                e.figure,
                e.unit,
                med,
                ci,
                len(e.samples),
                e.noisy,
                e.flags,
            )
        )
    return out


DRIFT_SHARE = 0.8  # when this share of the decided figures moves one way, across cases...
DRIFT_MIN_FIGURES = 5  # ...and there are at least this many, suspect the machine's state


def drift_warning(pair: PairComparison, name: str) -> list[str]:
    """Everything faster (or slower) together often means the machine changed, not the code."""
    decided = [f.verdict for f in pair.figures if f.verdict in ("faster", "slower")]
    if len(decided) < DRIFT_MIN_FIGURES:
        return []
    for word in ("faster", "slower"):
        share = decided.count(word) / len(decided)
        if share >= DRIFT_SHARE:
            return [
                f"{decided.count(word)} of {len(decided)} decided figures in {name} are {word}: "
                "if nothing but the runs differ, the machine's state moved (load, frequency, "
                "neighbours); the rank test sees the rounds within each run, not between runs"
            ]
    return []


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
    pairs = []
    for c in range(1, len(named)):
        pair = compare_pair(tables[0], tables[c], 0, c, interleaved_runs(named[0][1], named[c][1]))
        if not pair.figures:
            raise NothingInCommonError(
                f"{runs[0].path} and {runs[c].path} have no benchmark in common "
                "(different subjects or parameter grids); run the same --only and --profile"
            )
        pairs.append(pair)
    matched = {k for t in tables[1:] for k in t if k in tables[0]}
    points = [p for i, t in enumerate(tables) for p in _points(i, t, matched)]
    warnings = mixing_warnings(runs, [data for _, data in named])
    capped = sum(e.rounds_total > len(e.samples) for t in tables for e in t.values())
    if capped:
        warnings.append(
            f"{capped} figure(s) have more than {MAX_ROUNDS_COMPARED} rounds: each is compared "
            f"on a seeded random subsample of {MAX_ROUNDS_COMPARED} rounds (median, interval "
            "and test), which bounds the work"
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
    return Comparison(
        runs,
        machine_fields(runs, [d for _, d in named]),
        tuple(pairs),
        tuple(points),
        tuple(warnings),
    )
