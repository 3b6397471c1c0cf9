"""Recommendations derived from one run's figures: sentences with this machine's numbers.

Each rule reads the tidy table and says something only when the figures it needs
exist, so a partial run gets fewer sentences, never a canned one.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Callable

import numpy as np
import pandas as pd

from bench_lib import distributed_advice, io_bounds, scaling, tidy
from bench_lib.units import format_bytes_size, format_value

Rule = Callable[[pd.DataFrame, pd.DataFrame, int], list[str]]  # figures, metrics, cores


def median_of(frame: pd.DataFrame, subject: str, case: str, **params: Any) -> float | None:
    rows = tidy.select(frame, subject, case)
    for key, value in params.items():
        column = tidy.PARAM_PREFIX + key
        if column not in rows:
            return None
        rows = rows[rows[column] == value]
    return float(rows["median"].iloc[0]) if len(rows) else None


def spawn_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
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


def metric_of(
    metrics: pd.DataFrame, subject: str, case: str, name: str, **params: Any
) -> float | None:
    rows = tidy.select(metrics, subject, case, headline_only=False)
    if rows.empty:
        return None
    rows = rows[rows["metric"] == name]
    for key, value in params.items():
        column = tidy.PARAM_PREFIX + key
        if column not in rows:
            return None
        rows = rows[rows[column] == value]
    return float(rows["value"].iloc[0]) if len(rows) else None


def locks_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
    out = []
    lock = median_of(frame, "locks", "contention", primitive="lock", workers=cores)
    alone = median_of(frame, "locks", "contention", primitive="lock", workers=1)
    if lock and alone and cores > 1:
        out.append(
            f"{cores} processes fighting over a multiprocessing.Lock get "
            f"{format_value(lock, 'acq/s')} together, {lock / alone:.2f}x one process "
            f"alone ({format_value(alone, 'acq/s')})."
        )
    manager = median_of(frame, "locks", "contention", primitive="manager_lock", workers=1)
    if manager and alone:
        out.append(
            f"A Manager().Lock() is {alone / manager:.0f}x slower than a "
            "multiprocessing.Lock (a round trip to the manager per take): use it only "
            "when processes cannot share memory."
        )
    lost = metric_of(metrics, "locks", "lost_updates", "lost_fraction", locked=False)
    if lost is not None:
        out.append(
            f"Without a lock, concurrent `value += 1` on a shared Value lost {lost:.0%} "
            "of the increments; with the lock, none."
        )
    torn = metric_of(metrics, "locks", "torn_lines", "torn_lines", locked=False)
    if torn is not None:
        out.append(
            f"Ten processes printing without a lock tore {torn:.0f} lines per round; "
            "under the lock, none."
        )
    return out


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


def derived_of(
    data_derived: pd.DataFrame, subject: str, case: str, column: str, **params: Any
) -> float | None:
    rows = tidy.select(data_derived, subject, case, headline_only=False)
    for key, value in params.items():
        if rows.empty or tidy.PARAM_PREFIX + key not in rows:
            return None
        rows = rows[rows[tidy.PARAM_PREFIX + key] == value]
    if rows.empty or column not in rows or pd.isna(rows[column].iloc[0]):
        return None
    return float(rows[column].iloc[0])


def gil_rules(derived: pd.DataFrame, cores: int, impossible: Collection[str] = ()) -> list[str]:
    """Thread and process speedups at N = cores; none if either is flagged impossible."""
    if not derived.empty and impossible:
        derived = derived[~derived["name"].isin(list(impossible))]
    threads = derived_of(derived, "gil", "cpu_split", "speedup", mode="thread", n=cores)
    procs = derived_of(derived, "gil", "cpu_split", "speedup", mode="process", n=cores)
    if threads is None or procs is None:
        return []
    t_cores = derived_of(derived, "gil", "cpu_split", "effective_cores", mode="thread", n=cores)
    p_cores = derived_of(derived, "gil", "cpu_split", "effective_cores", mode="process", n=cores)
    used = (
        f" (they kept {t_cores:.2f} and {p_cores:.2f} cores busy)"
        if t_cores is not None and p_cores is not None
        else ""
    )
    return [
        f"CPU-bound Python on {cores} cores: threads {threads:.2f}x, processes "
        f"{procs:.2f}x{used}: the side-step factor is {procs / threads:.2f}x."
    ]


def pool_rules(frame: pd.DataFrame, cores: int) -> list[str]:
    out = []
    chunk1 = median_of(frame, "pool", "task_overhead", api="map_chunk1", pool="process")
    default = median_of(frame, "pool", "task_overhead", api="map", pool="process")
    if chunk1 and default:
        out.append(
            f"Pool.map with chunksize 1 costs {format_value(chunk1, 's')} per task; "
            f"the default chunking {format_value(default, 's')}: keep the chunks."
        )
    apply = median_of(frame, "pool", "task_overhead", api="apply", pool="process")
    asyncs = median_of(frame, "pool", "task_overhead", api="apply_async", pool="process")
    if apply and asyncs:
        out.append(
            f"apply waits for each result ({format_value(apply, 's')} per task); "
            f"apply_async keeps the pool busy ({format_value(asyncs, 's')} per task)."
        )
    fork = median_of(frame, "pool", "pool_start", start="fork", pool="pool")
    spawn = median_of(frame, "pool", "pool_start", start="spawn", pool="pool")
    if fork and spawn:
        out.append(
            f"A Pool of {cores} workers is ready (every worker answered) in "
            f"{format_value(fork, 's')} with fork, {format_value(spawn, 's')} with spawn: "
            "build it once and reuse it."
        )
    return out


def _shown_placement(rows: pd.DataFrame) -> dict[str, str]:
    """{"placement": "cross_core"} where the run has it (else its first), {} without the axis."""
    column = tidy.PARAM_PREFIX + "placement"
    if column not in rows or rows[column].dropna().empty:
        return {}
    present = {str(p) for p in rows[column].dropna().unique()}
    return {"placement": "cross_core" if "cross_core" in present else sorted(present)[0]}


def ipc_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
    out: list[str] = []
    stream = tidy.select(frame, "ipc", "stream")
    if stream.empty or "p_size" not in stream:
        return out
    where = _shown_placement(stream)  # one placement for every comparison below
    if where:
        stream = stream[stream["p_placement"] == where["placement"]]
    small, large = int(stream["p_size"].min()), int(stream["p_size"].max())
    pipe = median_of(frame, "ipc", "stream", channel="pipe_simplex", size=small, **where)
    queue = median_of(frame, "ipc", "stream", channel="queue", size=small, **where)
    if pipe and queue:
        out.append(
            f"Pipe(duplex=False).send_bytes moves {small}-byte messages "
            f"{pipe / queue:.1f}x faster than a Queue ({format_value(pipe, 'msg/s')} vs "
            f"{format_value(queue, 'msg/s')})."
        )
    big = stream[(stream["p_size"] == large) & (stream["p_channel"] == "queue")]
    if len(big) and pd.notna(big["floor_ratio"].iloc[0]):
        out.append(
            f"At {format_bytes_size(large)} a Queue reaches "
            f"{big['floor_ratio'].iloc[0]:.0%} of a raw os.pipe."
        )
    shm = median_of(frame, "ipc", "stream", channel="shared_memory", size=large, **where)
    pipe_large = median_of(frame, "ipc", "stream", channel="pipe", size=large, **where)
    if shm and pipe_large and large >= 2**20:
        out.append(
            f"For {format_bytes_size(large)} payloads shared memory is "
            f"{shm / pipe_large:.1f}x a Pipe: it skips pushing the bytes through the "
            "kernel."
        )
    out += _placement_rule(frame)
    pings = tidy.select(frame, "ipc", "ping_pong")
    where = _shown_placement(pings)
    manager = median_of(frame, "ipc", "ping_pong", channel="manager_queue", size=small, **where)
    if manager and not pings.empty:
        if where:
            pings = pings[pings["p_placement"] == where["placement"]]
        best = pings.sort_values("median").iloc[0]
        out.append(
            f"A Manager queue round trip takes {format_value(manager, 's')}, "
            f"{manager / best['median']:.0f}x the fastest channel ({best['p_channel']})."
        )
    return out


def _placement_rule(frame: pd.DataFrame) -> list[str]:
    """How much placement moves a raw os.pipe, at the largest size measured both ways."""
    raw = tidy.select(frame, "ipc", "os_pipe")
    if raw.empty or "p_placement" not in raw or "p_size" not in raw:
        return []
    both = raw.groupby("p_size")["p_placement"].nunique()
    sizes = both[both >= 2].index
    if not len(sizes):
        return []
    size = int(max(sizes))
    same = median_of(frame, "ipc", "os_pipe", size=size, placement="same_core")
    cross = median_of(frame, "ipc", "os_pipe", size=size, placement="cross_core")
    if not same or not cross:
        return []
    one_first = same > cross  # pragma: no mutate (a tie reads "1.0x" either way)
    faster, slower = ("one core", "two cores") if one_first else ("two cores", "one core")
    return [
        f"Placement matters: {format_bytes_size(size)} messages over a raw os.pipe move "
        f"{max(same, cross) / min(same, cross):.1f}x faster with both processes on {faster} "
        f"than on {slower} (pinned); compare IPC figures at one placement only."
    ]


RULES: dict[str, Rule] = {
    "spawn": spawn_rules,
    "ipc": ipc_rules,
    "locks": locks_rules,
    "io": io_rules,
    "distributed": distributed_advice.distributed_rules,
}


def recommendations(data: dict[str, Any], frame: pd.DataFrame | None = None) -> list[str]:
    frame = tidy.figures(data) if frame is None else frame
    if frame.empty:
        return []
    metrics = tidy.metrics(data)
    cores = int(data["machine_info"]["mpbench"]["usable_cores"])
    present = set(frame["subject"])
    impossible = scaling.impossible_names(data["benchmarks"])
    out = gil_rules(tidy.derived(data), cores, impossible) if "gil" in present else []
    out += pool_rules(frame, cores) if "pool" in present else []
    return out + [
        line
        for subject, rule in RULES.items()
        if subject in present
        for line in rule(frame, metrics, cores)
    ]
