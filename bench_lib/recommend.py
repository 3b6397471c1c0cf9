"""Recommendations derived from one run's figures: sentences with this machine's numbers.

Each rule reads the tidy table and says something only when the figures it needs
exist, so a partial run gets fewer sentences, never a canned one.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from bench_lib import tidy
from bench_lib.units import format_value

Rule = Callable[[pd.DataFrame], list[str]]


def median_of(frame: pd.DataFrame, subject: str, case: str, **params: Any) -> float | None:
    rows = tidy.select(frame, subject, case)
    for key, value in params.items():
        column = tidy.PARAM_PREFIX + key
        if column not in rows:
            return None
        rows = rows[rows[column] == value]
    return float(rows["median"].iloc[0]) if len(rows) else None


def spawn_rules(frame: pd.DataFrame) -> list[str]:
    out = []
    starts = {
        m: median_of(frame, "spawn", "process_start", start=m)
        for m in ("fork", "forkserver", "spawn")
    }
    have = {m: v for m, v in starts.items() if v}
    if "fork" in have and "spawn" in have:
        out.append(
            f"fork starts a process {have['spawn'] / have['fork']:.0f}x faster than spawn "
            f"here ({format_value(have['fork'], 's')} vs {format_value(have['spawn'], 's')})."
        )
    thread = median_of(frame, "spawn", "thread_start")
    if thread and have:
        best = min(have, key=lambda m: have[m])
        out.append(
            f"A thread starts {have[best] / thread:.0f}x faster than the fastest process "
            f"({best}, {format_value(have[best], 's')}): use threads for I/O-bound work."
        )
    boot = median_of(frame, "spawn", "forkserver_boot")
    if boot and "forkserver" in have:
        out.append(
            f"forkserver pays {format_value(boot, 's')} once to boot its server, then "
            f"{format_value(have['forkserver'], 's')} per start."
        )
    floor = median_of(frame, "spawn", "interpreter", python="site")
    if floor and "spawn" in have:
        out.append(
            f"spawn costs {have['spawn'] / floor:.1f}x a plain `python -c pass` "
            f"({format_value(floor, 's')}): most of it is starting Python itself."
        )
    memory = tidy.select(frame, "spawn", "fork_memory")
    if "p_how" in memory:
        forks = memory[memory["p_how"] == "process"].sort_values("p_mib")
        if forks["p_mib"].nunique() >= 2:
            slope = np.polyfit(forks["p_mib"] / 1024, forks["median"], 1)[0]
            out.append(
                f"Each GiB of touched parent memory adds {format_value(slope, 's')} to a "
                "fork start (page tables); start workers before loading big data."
            )
    return out


RULES: dict[str, Rule] = {"spawn": spawn_rules}


def recommendations(data: dict[str, Any], frame: pd.DataFrame | None = None) -> list[str]:
    frame = tidy.figures(data) if frame is None else frame
    if frame.empty:
        return []
    return [line for rule in RULES.values() for line in rule(frame)]
