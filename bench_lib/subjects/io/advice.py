"""Advice about the io subject: sentences with this run's own numbers.

What it speaks of: servers ranked by CPU, echo rates and their bounds, selectors, unit spawn.

Each sentence appears only when the figures it needs exist. The report and the end of
``mpbench run`` call :func:`rules` through :mod:`bench_lib.registry`.
"""

from __future__ import annotations

import pandas as pd

from bench_lib.results import tidy
from bench_lib.results.run_figures import RunFigures, median_of
from bench_lib.subjects.io import bounds as io_bounds
from bench_lib.units import format_value


def _flagged(rows: pd.DataFrame, code: str) -> pd.Series:
    flags = rows["flags"] if "flags" in rows else pd.Series("", index=rows.index)
    return flags.fillna("").map(lambda text: code in str(text).split(","))


def echo_rank_rule(frame: pd.DataFrame, metrics: pd.DataFrame) -> list[str]:
    """Servers ranked by server CPU per request (the client cannot cap it), at most connections."""
    cpu = tidy.select(metrics, "io", "echo", headline_only=False)
    if cpu.empty or "p_connections" not in cpu:
        return []
    cpu = cpu[cpu["metric"] == io_bounds.RANK_METRIC]
    cpu = cpu[cpu["p_connections"] == cpu["p_connections"].max()].sort_values("value")
    if len(cpu) < 2 or cpu["value"].iloc[0] <= 0:
        return []
    best, worst = cpu.iloc[0], cpu.iloc[-1]
    order = ", ".join(f"{r['p_model']} {format_value(r['value'], 's')}" for _, r in cpu.iterrows())
    return [
        f"At {int(best['p_connections'])} connections, ranked by server CPU per request "
        f"(which the client cannot cap): {order}; the {worst['p_model']} server burns "
        f"{worst['value'] / best['value']:.1f}x the {best['p_model']} server's CPU per request."
    ]


def echo_rate_rule(frame: pd.DataFrame) -> list[str]:
    """The fastest rate measured, as a lower bound when the client was the limit."""
    echo = tidy.select(frame, "io", "echo")
    if echo.empty or "p_connections" not in echo:
        return []
    most = echo[echo["p_connections"] == echo["p_connections"].max()]
    bound = _flagged(most, io_bounds.CLIENT_BOUND_FLAG)
    best = most.loc[most["median"].idxmax()]
    rate = format_value(best["median"], "req/s")
    where = f"At {int(best['p_connections'])} connections the {best['p_model']} server"
    if bound[best.name]:
        also = sorted(set(most[bound]["p_model"]) - {best["p_model"]})
        more = f" (so were {', '.join(also)})" if also else ""
        return [
            f"{where} answered at least {rate}: the one-thread client was the limit{more}, "
            "so these rates are lower bounds and do not rank the servers."
        ]
    worst = most.loc[most["median"].idxmin()]
    worst_rate = format_value(worst["median"], "req/s")
    if bound[worst.name]:
        worst_rate = "at least " + worst_rate
    return [
        f"{where} answered {rate}, {best['median'] / worst['median']:.1f}x the "
        f"{worst['p_model']} server ({worst_rate})."
    ]


def io_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
    out = echo_rank_rule(frame, metrics) + echo_rate_rule(frame)
    poll = tidy.select(frame, "io", "selector_check")
    if not poll.empty and "p_fds" in poll:
        top = poll[poll["p_fds"] == poll["p_fds"].max()].set_index("p_selector")["median"]
        if "epoll" in top and "poll" in top:
            out.append(
                f"With {int(poll['p_fds'].max())} idle descriptors one poll() check "
                f"costs {format_value(top['poll'], 's')}, epoll "
                f"{format_value(top['epoll'], 's')}: use selectors.DefaultSelector."
            )
    spawn = {
        k: median_of(frame, "io", "task_spawn", kind=k)
        for k in ("greenlet", "asyncio_task", "thread")
    }
    if all(spawn.values()):
        g, a, t = (format_value(spawn[k], "s") for k in ("greenlet", "asyncio_task", "thread"))
        out.append(f"Starting a greenlet costs {g}, an asyncio task {a}, a thread {t}.")
    return out


def rules(run: RunFigures) -> list[str]:
    return io_rules(run.figures, run.metrics, run.cores)
