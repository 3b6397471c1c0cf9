"""Advice about the ipc subject: sentences with this run's own numbers.

What it speaks of: Pipe vs Queue, the raw floor, shared memory, placement, Manager round trips.

Each sentence appears only when the figures it needs exist. The report and the end of
``mpbench run`` call :func:`rules` through :mod:`bench_lib.registry`.
"""

from __future__ import annotations

import pandas as pd

from bench_lib.results import tidy
from bench_lib.results.run_figures import RunFigures, median_of, metric_of
from bench_lib.units import format_bytes_size, format_value


def _shown_placement(rows: pd.DataFrame) -> dict[str, str]:
    """{"placement": "cross_core"} where the run has it (else its first), {} without the axis."""
    column = tidy.PARAM_PREFIX + "placement"
    if column not in rows or rows[column].dropna().empty:
        return {}
    present = {str(p) for p in rows[column].dropna().unique()}
    return {"placement": "cross_core" if "cross_core" in present else sorted(present)[0]}


PAYLOAD_CHANNELS = {
    "queue": "Queue",
    "pipe": "Pipe",
    "manager_queue": "Manager",
    "shared_memory": "shared memory",
}


def payload_rule(frame: pd.DataFrame, metrics: pd.DataFrame) -> list[str]:
    """The user's payload (``--mpbench-payload``): rate per channel, and the pickle's share."""
    rows = tidy.select(frame, "ipc", "stream_payload")
    if rows.empty or "p_channel" not in rows:
        return []
    parts = []
    for channel, name in PAYLOAD_CHANNELS.items():
        rate = median_of(frame, "ipc", "stream_payload", channel=channel)
        if rate is None:
            continue
        share = metric_of(metrics, "ipc", "stream_payload", "pickling_share", channel=channel)
        pickled = f" ({share:.0%} of it pickling)" if share is not None else " (not pickled)"
        parts.append(f"{name} {format_value(rate, 'msg/s')}{pickled}")
    if not parts:
        return []
    spec = rows["p_payload"].iloc[0] if "p_payload" in rows else "your payload"
    return [f"Your payload {spec}: " + ", ".join(parts) + "."]


def ipc_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
    out: list[str] = payload_rule(frame, metrics)
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


def rules(run: RunFigures) -> list[str]:
    return ipc_rules(run.figures, run.metrics, run.cores)
