"""Noise: recorded, flagged, explained (DESIGN.md, principle 8).

A figure is flagged when its rounds spread too much, when other processes used
the CPUs while it ran, when the hypervisor stole time, or when it has too few
rounds to trust. Each flag carries the cause and the remedy.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

import psutil

from bench_lib.cpu import CpuUsage

NOISY_CV = 0.10  # robust spread over 10% hides the 5% changes comparisons look for
FOREIGN_CORES = 0.30  # other processes kept a third of a core busy: they took turns with ours
STEAL_FRACTION = 0.05  # the hypervisor took 5% of CPU time: a busy neighbour
FEW_ROUNDS = 5  # below this the interval is too wide to rank two figures
MIN_WALL_FOR_CPU_S = 0.5  # /proc/stat counts 10 ms ticks: shorter windows misread load by > 2%


@dataclass(frozen=True)
class NoiseSample:
    load_average_1m: float
    steal_s: float  # cumulative steal seconds since boot, all CPUs

    @classmethod
    def now(cls) -> NoiseSample:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        return cls(load, float(getattr(psutil.cpu_times(), "steal", 0.0)))


@dataclass(frozen=True)
class NoiseFlag:
    code: str  # short, stable: "high-cv", "busy-machine", "steal", "few-rounds"
    message: str  # cause and remedy, for people

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def noise_flags(
    cv: float | None,
    rounds: int,
    usage: CpuUsage | None,
    steal_fraction: float | None,
    cores: int,
    min_rounds: int = FEW_ROUNDS,
) -> list[NoiseFlag]:
    flags = []
    if cv is not None and cv > NOISY_CV:
        flags.append(
            NoiseFlag(
                "high-cv",
                f"rounds vary by {cv:.0%} (> {NOISY_CV:.0%}): the figure is unstable; rerun on an "
                "idle machine or with --profile full for more rounds",
            )
        )
    if (
        usage is not None
        and usage.wall_s >= MIN_WALL_FOR_CPU_S
        and usage.foreign_cores > FOREIGN_CORES
    ):
        flags.append(
            NoiseFlag(
                "busy-machine",
                f"other processes used {usage.foreign_cores:.2f} of {cores} cores while this ran "
                f"(> {FOREIGN_CORES}): stop them, or pin mpbench to idle cores with taskset",
            )
        )
    if steal_fraction is not None and steal_fraction > STEAL_FRACTION:
        flags.append(
            NoiseFlag(
                "steal",
                f"the hypervisor stole {steal_fraction:.0%} of CPU time (> {STEAL_FRACTION:.0%}): "
                "a "
                "noisy neighbour; rerun later or on a dedicated instance",
            )
        )
    if rounds < min_rounds:
        flags.append(
            NoiseFlag(
                "few-rounds",
                f"only {rounds} measured round(s) (< {min_rounds}): no trustworthy interval; "
                "use --profile standard or full",
            )
        )
    return flags


def steal_between(before: NoiseSample, after: NoiseSample, usage: CpuUsage, cores: int) -> float:
    """Share of the available CPU time stolen between two samples."""
    available = usage.wall_s * cores
    return (after.steal_s - before.steal_s) / available if available > 0 else 0.0


def describe(
    before: NoiseSample,
    after: NoiseSample,
    usage: CpuUsage,
    cores: int,
    cv: float | None,
    rounds: int,
    flag_few_rounds: bool,
) -> dict[str, Any]:
    steal = (
        steal_between(before, after, usage, cores) if usage.wall_s >= MIN_WALL_FOR_CPU_S else None
    )
    flags = noise_flags(
        cv, rounds, usage, steal, cores, min_rounds=FEW_ROUNDS if flag_few_rounds else 0
    )
    return {
        "load_before": before.load_average_1m,
        "load_after": after.load_average_1m,
        "steal_fraction": steal,
        "foreign_cores": usage.foreign_cores,
        "cv": cv,
        "flags": [f.as_dict() for f in flags],
    }
