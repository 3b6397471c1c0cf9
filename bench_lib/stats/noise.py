"""Noise: recorded, flagged, explained (docs/design.md, principle 8).

A figure is flagged when its median is uncertain (a wide interval), when its rounds are
erratic, when other processes used the CPUs while it ran, when the hypervisor stole time,
when the CPU clock changed under it, or when it has too few rounds to trust. Each flag
carries the cause and the remedy.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

import psutil

from bench_lib.machine.cpu import CpuUsage
from bench_lib.stats import descriptive as stats
from bench_lib.stats import intervals

WIDE_INTERVAL = 0.10  # a 95% interval wider than +-10% of the median cannot show a 5-10% change
ERRATIC_CV = 0.25  # rounds spreading over 25% (robust CV): something else is timing-dependent
FOREIGN_CORES = 0.30  # other processes kept a third of a core busy: they took turns with ours
STEAL_FRACTION = 0.05  # the hypervisor took 5% of CPU time: a busy neighbour
FREQUENCY_CHANGE = 0.10  # the CPU clock moved by 10%: turbo, thermal or power-saving states
FEW_ROUNDS = stats.MIN_SAMPLES_FOR_INTERVAL  # below this no 95% interval of the median exists
MIN_WALL_FOR_CPU_S = 0.5  # /proc/stat counts 10 ms ticks: shorter windows misread load by > 2%
# Without intervals (a smoke round) a figure must pass its floor or the cores by this much before
# it is called impossible: one round of a 1-2 ms start varies by about that on a quiet VM.
SLACK_WITHOUT_INTERVAL = 0.15


@dataclass(frozen=True)
class NoiseSample:
    load_average_1m: float
    steal_s: float  # cumulative steal seconds since boot, all CPUs
    frequency_mhz: float | None  # current CPU clock where the OS reports one

    @classmethod
    def now(cls) -> NoiseSample:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        try:
            freq = psutil.cpu_freq()
        except (OSError, NotImplementedError, AttributeError):
            freq = None
        return cls(
            load,
            float(getattr(psutil.cpu_times(), "steal", 0.0)),
            float(freq.current) if freq and freq.current else None,
        )


@dataclass(frozen=True)
class NoiseFlag:
    code: str  # short, stable: wide-interval, erratic, busy-machine, steal, frequency,
    # few-rounds; above-floor and impossible (a figure beyond what physics allows: suspect)
    message: str  # cause and remedy, for people

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Signals:
    """What one benchmark's noise is judged on."""

    rel_ci_half_width: float | None  # (interval width / 2) / median
    robust_cv: float | None  # 1.4826 MAD / median of the rounds
    rounds: int
    foreign_cores: float | None  # None: window too short to read
    steal_fraction: float | None
    frequency_change: float | None  # |after / before - 1|
    cores: int
    blocks: int | None = None  # blocks the interval came from; None: not known (old files)
    lag1_autocorrelation: float | None = None  # of rounds inside blocks; None: too few
    slow_spell_rounds: int = 0  # most consecutive slow rounds (intervals.SLOW_FACTOR)


def _time_order_flags(s: Signals) -> list[NoiseFlag]:
    """What the order of the rounds says: the machine's speed drifted inside the blocks."""
    flags = []
    r = s.lag1_autocorrelation
    if r is not None and r > intervals.AUTOCORRELATED:
        flags.append(
            NoiseFlag(
                "autocorrelated",
                f"neighbouring rounds are alike (lag-1 autocorrelation {r:.2f} > "
                f"{intervals.AUTOCORRELATED}): the machine's speed drifts within a block, so "
                "more rounds add little; the interval comes from blocks: use more --blocks",
            )
        )
    if s.slow_spell_rounds >= intervals.SLOW_SPELL_ROUNDS:
        flags.append(
            NoiseFlag(
                "slow-spell",
                f"{s.slow_spell_rounds} rounds in a row ran {intervals.SLOW_FACTOR - 1:.0%}+ "
                "slower than the median: the machine slowed down for a spell (other load, a "
                "CPU speed state); rerun when idle, or with more --blocks to average it out",
            )
        )
    return flags


def noise_flags(s: Signals, min_rounds: int = FEW_ROUNDS) -> list[NoiseFlag]:
    flags = []
    if s.rel_ci_half_width is not None and s.rel_ci_half_width > WIDE_INTERVAL:
        flags.append(
            NoiseFlag(
                "wide-interval",
                f"the 95% interval spans +-{s.rel_ci_half_width:.0%} of the median "
                f"(> {WIDE_INTERVAL:.0%}): rerun on an idle machine or with --profile full",
            )
        )
    if s.robust_cv is not None and s.robust_cv > ERRATIC_CV:
        flags.append(
            NoiseFlag(
                "erratic",
                f"rounds vary by {s.robust_cv:.0%} (> {ERRATIC_CV:.0%}): something outside the "
                "benchmark changes its timing; look for other load, swapping or power saving",
            )
        )
    if s.foreign_cores is not None and s.foreign_cores > FOREIGN_CORES:
        flags.append(
            NoiseFlag(
                "busy-machine",
                f"other processes used {s.foreign_cores:.2f} of {s.cores} cores while this ran "
                f"(> {FOREIGN_CORES}): stop them, or pin mpbench to idle cores with taskset",
            )
        )
    if s.steal_fraction is not None and s.steal_fraction > STEAL_FRACTION:
        flags.append(
            NoiseFlag(
                "steal",
                f"the hypervisor stole {s.steal_fraction:.0%} of CPU time "
                f"(> {STEAL_FRACTION:.0%}): a noisy neighbour; rerun later or on a dedicated "
                "instance",
            )
        )
    if s.frequency_change is not None and s.frequency_change > FREQUENCY_CHANGE:
        flags.append(
            NoiseFlag(
                "frequency",
                f"the CPU clock changed by {s.frequency_change:.0%} while this ran "
                f"(> {FREQUENCY_CHANGE:.0%}): fix the governor to 'performance' or disable turbo",
            )
        )
    if s.rounds < min_rounds:
        flags.append(
            NoiseFlag(
                "few-rounds",
                f"only {s.rounds} measured round(s) (< {min_rounds}): no trustworthy interval; "
                "use --profile standard or full",
            )
        )
    if min_rounds and s.blocks is not None and s.blocks < intervals.MIN_BLOCKS_FOR_INTERVAL:
        flags.append(
            NoiseFlag(
                "few-blocks",
                f"{s.blocks} block(s) (< {intervals.MIN_BLOCKS_FOR_INTERVAL}): no interval (rounds "
                "of a block are not independent, and two blocks often share a speed state); "
                "use --profile standard or --blocks 4",
            )
        )
    return flags + _time_order_flags(s)


def describe(
    before: NoiseSample,
    after: NoiseSample,
    usage: CpuUsage,
    cores: int,
    rel_ci_half_width: float | None,
    robust_cv: float | None,
    rounds: int,
    flag_few_rounds: bool,
    order: Signals | None = None,
) -> dict[str, Any]:
    """The noise record of one benchmark; ``order`` carries the time-order signals (blocks,
    autocorrelation, slow spells: :func:`order_signals`), the rest of it is ignored."""
    readable = usage.wall_s >= MIN_WALL_FOR_CPU_S
    available = usage.wall_s * cores
    steal = (after.steal_s - before.steal_s) / available if readable and available > 0 else None
    freq = (
        abs(after.frequency_mhz / before.frequency_mhz - 1)
        if before.frequency_mhz and after.frequency_mhz
        else None
    )
    signals = Signals(
        rel_ci_half_width,
        robust_cv,
        rounds,
        usage.foreign_cores if readable else None,
        steal,
        freq,
        cores,
        *((order.blocks, order.lag1_autocorrelation, order.slow_spell_rounds) if order else ()),
    )
    flags = noise_flags(signals, min_rounds=FEW_ROUNDS if flag_few_rounds else 0)
    return {
        "load_before": before.load_average_1m,
        "load_after": after.load_average_1m,
        "steal_fraction": steal,
        "foreign_cores": usage.foreign_cores,
        "frequency_mhz_before": before.frequency_mhz,
        "frequency_mhz_after": after.frequency_mhz,
        "cv": robust_cv,
        "rel_ci_half_width": rel_ci_half_width,
        "lag1_autocorrelation": signals.lag1_autocorrelation,
        "flags": [f.as_dict() for f in flags],
    }


def order_signals(values: list[float], sizes: object, higher_is_better: bool = False) -> Signals:
    """The time-order signals of per-round ``values`` in blocks of ``sizes`` rounds (only
    ``blocks``, ``lag1_autocorrelation`` and ``slow_spell_rounds`` are filled)."""
    blocks = intervals.blocks_of(values, sizes)
    return Signals(
        None,
        None,
        len(values),
        None,
        None,
        None,
        0,
        len(blocks),
        intervals.lag1_autocorrelation(blocks),
        intervals.longest_slow_spell(blocks, higher_is_better),
    )


def _interval(f: dict[str, Any]) -> tuple[float, float] | None:
    low, high = f.get("ci_low"), f.get("ci_high")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        return float(low), float(high)
    return None


def floor_flag(figure: dict[str, Any], floor: dict[str, Any], floor_case: str) -> NoiseFlag | None:
    """``above-floor`` when a figure beats the raw mechanism under it beyond both intervals.

    ``figure`` and ``floor``: median, ci_low, ci_high (same unit); the figure's
    ``higher_is_better`` says which way "beats" points. Without both intervals the medians
    must differ by more than :data:`SLACK_WITHOUT_INTERVAL`.
    """
    fig_median, floor_median = figure.get("median"), floor.get("median")
    if not isinstance(fig_median, (int, float)) or not isinstance(floor_median, (int, float)):
        return None
    if fig_median <= 0 or floor_median <= 0:
        return None
    up = bool(figure.get("higher_is_better"))
    fig, flo = _interval(figure), _interval(floor)
    if fig and flo:
        beaten = fig[0] > flo[1] if up else fig[1] < flo[0]
    else:
        slack = 1 + SLACK_WITHOUT_INTERVAL
        beaten = fig_median > floor_median * slack if up else fig_median * slack < floor_median
    if not beaten:
        return None
    return NoiseFlag(
        "above-floor",
        f"{fig_median / floor_median:.2f}x its floor {floor_case}, beyond what its interval "
        "allows: nothing built on a mechanism beats the mechanism, so one of them measured "
        "something else (placement, size, transport); the figure is suspect: rerun, and check "
        "the floor's parameters",
    )


def speedup_flag(derived: dict[str, Any], usable_cores: int) -> NoiseFlag | None:
    """``impossible`` when a speedup exceeds its parallelism (workers, capped by cores)."""
    speedup, parallelism = derived.get("speedup"), derived.get("parallelism") or usable_cores
    if not isinstance(speedup, (int, float)) or not parallelism:
        return None
    low = derived.get("speedup_ci_low")
    lowest = low if isinstance(low, (int, float)) else speedup / (1 + SLACK_WITHOUT_INTERVAL)
    if lowest <= parallelism:
        return None
    return NoiseFlag(
        "impossible",
        f"speedup {speedup:.2f}x on {parallelism} usable core(s), above what the cores allow "
        "even at the interval's low end: the one-worker baseline ran slower than the same work "
        "per worker here (placement, clock); not a result: rerun, or pin with taskset",
    )
