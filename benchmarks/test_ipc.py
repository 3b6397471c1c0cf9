"""IPC throughput and latency: how fast processes talk, channel by channel, by message size.

- ``stream``: one producer child sends N ``bytes`` messages per round to the parent over a
  channel (Pipe duplex/simplex with send_bytes, Queue, SimpleQueue, JoinableQueue with
  task_done/join, Manager().Queue(), SharedMemory + Pipe token). Figures: messages/s and
  bytes/s (higher is better). ``stream_objects``: the same with pickled Python objects (a
  ``(seq, [(id, value, tag), ...])`` tuple of about the same pickled size), send/recv or put/get.
- ``fan_in``: 1 to 2x usable cores producers on one queue, one consumer (the parent).
- ``ping_pong``: round-trip latency; figure s per trip, metrics median and p99 in us.
- ``manager_proxy``: operations/s on a Manager dict/list/Namespace/Value from 1 to 2x usable
  cores concurrent processes; ``proxy_local`` is the same operation on a local object.
- Floors in the same run: ``os_pipe`` (raw os.write/os.readv between two processes) and
  ``memcpy`` (an in-process copy) for the same sizes; ping-pong's floor is its ``os_pipe``.

Off the clock: starting peer processes and managers (once per benchmark, reused by every
round), choosing the messages per round from warm-up rounds whose messages are dropped,
stopping everything. On the clock: building each message, sending, receiving, and checking it
(sequence number and body: memcmp for bytes, ``==`` for objects). A lost, repeated or
corrupted message fails the benchmark. Peak RSS of the parent and of each child is recorded.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from bench_lib import ipc_channels, ipc_pingpong, ipc_proxies, ipc_stream, spawn
from bench_lib.engine import Bench, Figure, FloorRef
from bench_lib.ipc_channels import KiB, MiB
from bench_lib.ipc_peers import parent_rss_window, round_target_s
from bench_lib.profiles import GridContext, grid, worker_counts
from bench_lib.units import format_bytes_size

DEFAULT_START = multiprocessing.get_all_start_methods()[0]  # the platform's preferred method
SIZES = {  # full straddles 16 KiB, 64 KiB (Linux pipe buffer) and 1 MiB, up to 16 MiB
    "smoke": [64],
    "quick": [64, 1 * MiB],
    "standard": [64, 64 * KiB, 1 * MiB, 16 * MiB],
    "full": [64, *(k * KiB for k in (1, 8, 16, 32, 64, 128)), *(k * MiB for k in (1, 2, 16))],
}
OBJECT_SIZES = {"smoke": [64], "standard": [64, 64 * KiB], "full": [64, 64 * KiB, 1 * MiB]}
OBJECT_CHANNELS = {
    "smoke": ["pipe", "queue"],
    "full": ["pipe", "queue", "simple_queue", "manager_queue", "shared_memory"],
}
FAN_IN_CHANNELS = ["queue", "simple_queue", "manager_queue"]
FAN_IN_SIZE = 64  # small messages: fan-in is about contention on the queue, not bandwidth
PING_CHANNELS = [c for c, spec in ipc_channels.CHANNELS.items() if spec.ping_pong] + [
    ipc_channels.RAW_PIPE
]
PING_SIZES = {"smoke": [64], "full": [64, 16 * KiB, 64 * KiB, 1 * MiB]}


def start_method(ctx: GridContext) -> list[str]:
    """Axis: the platform default (or the first asked for); every asked method in ``full``."""
    if ctx.profile.name == "full":
        return list(ctx.start_methods)
    return [DEFAULT_START if DEFAULT_START in ctx.start_methods else ctx.start_methods[0]]


def worker_axis(ctx: GridContext) -> list[int]:
    """Axis: 1 and 2x usable cores in ``quick``; ``worker_counts`` (1 .. 2x cores) otherwise."""
    if ctx.profile.name == "quick":
        return [1, 2 * ctx.cores]
    return worker_counts(ctx)


def _stream_figures(messages: int, size: int) -> list[Figure]:
    return [
        Figure("messages", "msg/s", "rate", per_round=messages),
        Figure("bytes", "B/s", "rate", per_round=messages * size),
    ]


def _describe(mpbench: Bench, start: str, size: int | None = None, **info: Any) -> None:
    mpbench.info["start_method"] = start
    if size is not None:
        mpbench.info["size"] = format_bytes_size(size)
    mpbench.info.update(info)


def _record_rss(mpbench: Bench, parent_peak_b: int, children_b: list[int]) -> None:
    mpbench.metric("peak_rss_parent_bytes", parent_peak_b, "B")
    if children_b:
        mpbench.metric("peak_rss_child_bytes", max(children_b), "B", per_child=children_b)


def _stream(mpbench: Bench, session: ipc_stream.Session, size: int, floor: FloorRef | None) -> None:
    """Calibrate, measure, check: the body of every stream-shaped benchmark."""
    parent_peak = parent_rss_window()
    with session:
        messages = session.calibrate(round_target_s(mpbench.profile.name), size)
        mpbench.info["messages_per_round"] = messages
        mpbench.measure(session.round, figures=_stream_figures(messages, size), floor=floor)
        peak = parent_peak()
    mpbench.check("every message arrived intact", not session.problems, "; ".join(session.problems))
    _record_rss(mpbench, peak, session.peers.peak_rss_b)


@grid(start=start_method, channel=list(ipc_channels.CHANNELS), size=SIZES)
def test_stream(mpbench: Bench, start: str, channel: str, size: int) -> None:
    _describe(mpbench, start, size, channel=ipc_channels.CHANNELS[channel].what)
    if channel != "pipe" and channel.endswith("queue"):
        mpbench.info["queue_depth"] = ipc_channels.queue_depth(size)
    floor = (
        FloorRef("memcpy", {"size": size})
        if channel == "shared_memory"
        else FloorRef("os_pipe", {"start": start, "size": size})
    )
    session = ipc_stream.StreamSession(spawn.context(start), channel, "bytes", size)
    _stream(mpbench, session, size, floor)


@grid(start=start_method, channel=OBJECT_CHANNELS, size=OBJECT_SIZES)
def test_stream_objects(mpbench: Bench, start: str, channel: str, size: int) -> None:
    session = ipc_stream.StreamSession(spawn.context(start), channel, "objects", size)
    items = len(session.body)
    _describe(mpbench, start, size, channel=ipc_channels.CHANNELS[channel].what, tuples=items)
    _stream(mpbench, session, size, FloorRef("os_pipe", {"start": start, "size": size}))


@grid(start=start_method, channel=FAN_IN_CHANNELS, producers=worker_axis)
def test_fan_in(mpbench: Bench, start: str, channel: str, producers: int) -> None:
    _describe(mpbench, start, FAN_IN_SIZE, channel=ipc_channels.CHANNELS[channel].what)
    session = ipc_stream.StreamSession(
        spawn.context(start), channel, "bytes", FAN_IN_SIZE, producers
    )
    floor = FloorRef("os_pipe", {"start": start, "size": FAN_IN_SIZE})
    _stream(mpbench, session, FAN_IN_SIZE, floor)


@grid(start=start_method, size=SIZES)
def test_os_pipe(mpbench: Bench, start: str, size: int) -> None:
    _describe(mpbench, start, size, channel="os.pipe: os.write / os.readv, no framing")
    session = ipc_stream.RawPipeStream(spawn.context(start), size)
    _stream(mpbench, session, size, FloorRef("memcpy", {"size": size}))


@grid(size=SIZES)
def test_memcpy(mpbench: Bench, size: int) -> None:
    mpbench.info.update(size=format_bytes_size(size), channel="bytearray slice copy, in-process")
    session = ipc_stream.MemcpyFloor(spawn.context(DEFAULT_START), size)
    _stream(mpbench, session, size, None)


@grid(start=start_method, channel=PING_CHANNELS, size=PING_SIZES)
def test_ping_pong(mpbench: Bench, start: str, channel: str, size: int) -> None:
    _describe(mpbench, start, size)
    session = ipc_pingpong.PingPongSession(spawn.context(start), channel, size)
    floor = None
    if channel != ipc_channels.RAW_PIPE:
        floor = FloorRef("ping_pong", {"start": start, "channel": "os_pipe", "size": size})
    parent_peak = parent_rss_window()
    with session:
        trips = session.calibrate(round_target_s(mpbench.profile.name), size)
        session.trips_s.clear()
        mpbench.info["trips_per_round"] = trips
        mpbench.measure(
            session.round, figures=[Figure("round trip", "s", "time", trips)], floor=floor
        )
        peak = parent_peak()
    mpbench.check(
        "every echo equals its message", not session.problems, "; ".join(session.problems)
    )
    median_us, p99_us, n = session.latency_us(skip_rounds=mpbench.profile.warmup_rounds)
    mpbench.metric("rtt_median_us", median_us, "us", trips=n)
    mpbench.metric("rtt_p99_us", p99_us, "us", trips=n)
    _record_rss(mpbench, peak, session.peers.peak_rss_b)


@grid(start=start_method, op=list(ipc_proxies.PROXY_OPS), workers=worker_axis)
def test_manager_proxy(mpbench: Bench, start: str, op: str, workers: int) -> None:
    _describe(mpbench, start)
    parent_peak = parent_rss_window()
    with ipc_proxies.ProxySession(spawn.context(start), op, workers) as session:
        ops = session.calibrate(round_target_s(mpbench.profile.name))
        mpbench.info["ops_per_worker_per_round"] = ops
        per_round = ops * workers
        mpbench.measure(
            session.round,
            figures=[
                Figure("operations", "op/s", "rate", per_round),
                Figure("proxy calls", "call/s", "rate", per_round * ipc_proxies.PROXY_OPS[op]),
            ],
            floor=FloorRef("proxy_local", {"op": op}),
        )
        problems = session.problems()
        peak = parent_peak()
    mpbench.check("every proxy read returned its write", not problems, "; ".join(problems))
    _record_rss(mpbench, peak, session.peers.peak_rss_b)


@grid(op=list(ipc_proxies.PROXY_OPS))
def test_proxy_local(mpbench: Bench, op: str) -> None:
    session = ipc_proxies.LocalOps(op)
    ops = session.calibrate(round_target_s(mpbench.profile.name))
    mpbench.info["ops_per_round"] = ops
    mpbench.measure(
        session.round,
        figures=[
            Figure("operations", "op/s", "rate", ops),
            Figure("calls", "call/s", "rate", ops * ipc_proxies.PROXY_OPS[op]),
        ],
    )
    mpbench.check("every read returned its write", session.mismatches == 0)
