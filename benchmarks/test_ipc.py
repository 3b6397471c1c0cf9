"""IPC throughput and latency: how fast processes talk, channel by channel, by message size.

- ``stream``: one producer child sends N ``bytes`` messages per round to the parent over a
  channel (Pipe duplex/simplex with send_bytes, Queue, SimpleQueue, JoinableQueue with
  task_done/join, Manager().Queue(), SharedMemory + Pipe token). Figures: messages/s and
  bytes/s (higher is better). ``stream_objects``: the same with pickled Python objects (a
  ``(seq, [(id, value, tag), ...])`` tuple of about the same pickled size), send/recv or put/get.
- ``fan_in``: 1 to 2x usable cores producers on one queue, one consumer (the parent).
- ``stream_payload``: the user's own object (``--mpbench-payload module:factory``; `mpbench run
  --payload`) streamed through Pipe, Queue, Manager().Queue() and, where it is bytes-like,
  shared memory, checked like the built-in payloads; metric ``pickling_share``: pickle + unpickle
  of the object alone / the time per message (``bench_lib/subjects/ipc/user_payload.py``).
- ``ping_pong``: round-trip latency; figure s per trip, metrics median and p99 in us.
- ``manager_proxy``: operations/s on a Manager dict/list/Namespace/Value from 1 to 2x usable
  cores concurrent processes; ``proxy_local`` is the same operation on a local object.
- Subinterpreters (3.14+; skipped with the reason elsewhere): ``interp_queue`` (an interpreters
  queue) and ``interp_memoryview`` (a shared memoryview block + queue token) to a subinterpreter
  in a thread pinned like a peer (``bench_lib.subjects.ipc.interp_sessions``, floors included).
- Floors in the same run, each at the same size and placement as what it bounds: the raw
  transport a channel is built on (``os_pipe`` under Pipe(duplex=False) and the queues,
  ``socketpair`` under Pipe() and the Manager: os.write/os.readv, no framing), ``memcpy`` (an
  in-process copy) under shared memory; ping-pong's floors are its raw transports.

Placement is an axis (``placement=same_core``: parent and children pinned to one CPU;
``cross_core``: the children on another CPU): both at the headline sizes, ``cross_core``
elsewhere; where each process really ran is recorded and checked. ``cross_core`` is skipped,
with the reason, on a machine with one usable CPU.

Off the clock: starting peer processes and managers (once per benchmark, reused by every
round) and pinning them, choosing the messages per round from warm-up rounds whose messages
are dropped, priming each round (the go command and the first message: building it and
filling the pipeline), checking each round's messages after it (sequence number and body:
memcmp for bytes, ``==`` for objects), stopping everything. On the clock: building each
further message, sending and receiving it. A lost, repeated or corrupted message fails the
benchmark, so does a peer that dies at any phase. Peak RSS of the parent and of each child
is recorded.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from bench_lib.engine.bench import Bench, Figure, FloorRef, Paired
from bench_lib.engine.profiles import GridContext, from_profile, grid, worker_counts
from bench_lib.plugin.grid import grid_context
from bench_lib.subjects.ipc import axes
from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import floors as ipc_floors
from bench_lib.subjects.ipc import interp_sessions as ipc_interp
from bench_lib.subjects.ipc import pingpong as ipc_pingpong
from bench_lib.subjects.ipc import proxies as ipc_proxies
from bench_lib.subjects.ipc import stream as ipc_stream
from bench_lib.subjects.ipc import user_payload as ipc_user
from bench_lib.subjects.ipc.channels import FLOOR_OF, MEMCPY, RAW_TRANSPORTS
from bench_lib.subjects.ipc.peers import parent_rss_window, round_target_s
from bench_lib.subjects.spawn import ops as spawn
from bench_lib.units import format_bytes_size
from bench_lib.workers import interp, mp_context
from bench_lib.workers.placement import Cpus, cpus_for

DEFAULT_START = mp_context.stable_method()  # fork on Linux: ids never follow the platform default
# The joint (size, placement) axis of each benchmark, read by pytest_generate_tests below.
JOINT_AXES: dict[str, axes.Points] = {
    "test_stream": axes.STREAM_POINTS,
    "test_os_pipe": axes.STREAM_POINTS,
    "test_socketpair": axes.STREAM_POINTS,
    "test_ping_pong": axes.PING_POINTS,
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """size and placement as one axis: both placements only where the table says so."""
    if metafunc.function.__name__ == "test_stream_payload":
        spec = metafunc.config.getoption("mpbench_payload", default=None)
        if spec:  # without one the benchmark is deselected (ipc/pytest_hooks.py)
            metafunc.parametrize("payload", [spec], ids=[f"payload={spec}"])
    table = JOINT_AXES.get(metafunc.function.__name__)
    if table is None:
        return
    profile = grid_context(metafunc.config).profile
    points = [(size, where) for size, wheres in profile.pick(table) for where in wheres]
    ids = [f"size={size}-placement={where}" for size, where in points]
    metafunc.parametrize(("size", "placement"), points, ids=ids)


def start_method(ctx: GridContext) -> list[str]:
    """Axis: fork on Linux (:func:`mp_context.stable_method`; or the first asked for); every
    asked method in ``full``."""
    if ctx.profile.name == "full":
        return list(ctx.start_methods)
    return [DEFAULT_START if DEFAULT_START in ctx.start_methods else ctx.start_methods[0]]


def worker_axis(ctx: GridContext) -> list[int]:
    """Axis: 1 and 2x usable cores in ``quick``; ``worker_counts`` (1 .. 2x cores) otherwise."""
    if ctx.profile.name == "quick":
        return [1, 2 * ctx.cores]
    return worker_counts(ctx)


def fan_in_producers(ctx: GridContext) -> list[int]:
    """Axis: 2x usable cores in ``quick`` (the contended case); ``worker_axis`` otherwise."""
    return [2 * ctx.cores] if ctx.profile.name == "quick" else worker_axis(ctx)


def apart(ctx: GridContext) -> list[str]:
    """Axis: cross_core (children beside, not on, the parent's CPU); same_core on one core."""
    return [axes.CROSS] if ctx.cores >= 2 else [axes.SAME]


def pinned(mpbench: Bench, where: str) -> Cpus:
    """The CPUs for ``where``, or skip the benchmark with the reason it cannot be had here."""
    if where == axes.CROSS and mpbench.cores < 2:
        pytest.skip(f"cross_core needs 2 usable cores, this machine has {mpbench.cores}")
    cpus = cpus_for(where)
    if isinstance(cpus, str):
        pytest.skip(cpus)
    mpbench.info["smt_sibling"] = cpus.smt_sibling
    return cpus


def floor_of(channel: str, start: str, size: int, where: str) -> FloorRef | None:
    """The raw transport ``channel`` is built on, at the same size and placement (one copy in
    this process for a subinterpreter channel: both ends live here). A stream of the
    interpreters' queue has none: its spinning reader bounds a round trip (it leaves out the
    10 ms sleeps), not a stream's rate, since a reader spinning on an empty queue takes the CPU
    the producer needs, and a stream outran it (ping-pong keeps it as its floor)."""
    raw = FLOOR_OF[channel] if channel in FLOOR_OF else ipc_interp.FLOOR_OF[channel]
    if raw == ipc_interp.SPIN_FLOOR:
        return None
    if raw == MEMCPY:  # in one process: no placement
        return FloorRef(MEMCPY, {"size": size})
    return FloorRef(raw, {"start": start, "size": size, "placement": where})


def _stream_figures(messages: int, size: int) -> list[Figure]:
    return [
        Figure("messages", "msg/s", "rate", per_round=messages),
        Figure("bytes", "B/s", "rate", per_round=messages * size),
    ]


def _interp_only(channel: str) -> bool:
    """Whether ``channel`` is a subinterpreter one; skipped, with the reason, where none exist."""
    if channel not in ipc_interp.INTERP_CHANNELS:
        return False
    reason = interp.missing()
    if reason is not None:
        pytest.skip(reason)
    return True


def _session(start: str, channel: str, payload: str, size: int, cpus: Cpus) -> ipc_stream.Session:
    """The stream session of ``channel``: peer processes, or a subinterpreter's thread."""
    if _interp_only(channel):
        return ipc_interp.InterpStreamSession(spawn.context(start), channel, payload, size, cpus)
    return ipc_stream.StreamSession(spawn.context(start), channel, payload, size, cpus=cpus)


def _what(channel: str) -> str:
    if channel in ipc_interp.INTERP_CHANNELS:
        return ipc_interp.INTERP_CHANNELS[channel]
    return ipc_channels.CHANNELS[channel].what


def _describe(mpbench: Bench, start: str, size: int | None = None, **info: Any) -> None:
    mpbench.info["start_method"] = start
    if size is not None:
        mpbench.info["size"] = format_bytes_size(size)
    mpbench.info.update(info)


def _record_rss(mpbench: Bench, parent_peak_b: int, children_b: list[int]) -> None:
    mpbench.metric("peak_rss_parent_bytes", parent_peak_b, "B")
    if children_b:
        mpbench.metric("peak_rss_child_bytes", max(children_b), "B", per_child=children_b)


def _check_placement(mpbench: Bench, where_ran: dict[str, Any]) -> None:
    mpbench.info["ran_on"] = where_ran
    if "ok" in where_ran:
        mpbench.check(
            "every process ran on its pinned CPU",
            where_ran["ok"],
            f"pinned parent to CPU {where_ran['parent_cpu']} and peers to "
            f"{where_ran['peer_cpu']}, they last ran on {where_ran['parent_ran_on']} and "
            f"{where_ran['peers_ran_on']}: something reset the affinity masks",
        )


def _floor_session(
    ref: FloorRef, start: str, size: int, cpus: Cpus | None, payload: str = "bytes"
) -> ipc_stream.Session:
    """The raw transport (or in-process copy) ``ref`` names, as a session of its own."""
    if ref.case == ipc_interp.SPIN_FLOOR:  # the same queue, read without its sleeps
        ctx = spawn.context(start)
        return ipc_interp.InterpStreamSession(ctx, "interp_queue", payload, size, cpus, spin=True)
    if ref.case == MEMCPY:
        return ipc_floors.MemcpyFloor(spawn.context(start), size)
    return ipc_floors.RawStream(spawn.context(start), size, ref.case, cpus)


def _stream(
    mpbench: Bench,
    session: ipc_stream.Session,
    size: int,
    floor: FloorRef | None,
    start: str = DEFAULT_START,
) -> None:
    """Calibrate, measure, check: the body of every stream-shaped benchmark.

    A figure with a floor has its raw transport open beside it, on the same CPUs, and the two
    alternate round by round (principle 13): a floor measured apart is beaten whenever the VM
    changes speed in between (a 64 KiB Pipe() at 10.7x its socketpair floor, that way).
    """
    parent_peak = parent_rss_window()
    target_s = round_target_s(mpbench.profile.name)
    payload = getattr(session, "payload", "bytes")
    raw = _floor_session(floor, start, size, session.cpus, payload) if floor else None
    with session, raw or contextlib.nullcontext():
        session.settle()
        session.messages = mpbench.sized(
            "messages_per_round", lambda: session.calibrate(target_s, size)
        )
        mpbench.info["timed_messages_per_round"] = session.timed_messages
        paired = None
        if raw is not None and floor is not None:
            raw.messages = mpbench.sized(
                "floor_messages_per_round", lambda: raw.calibrate(target_s, size)
            )
            paired = Paired(
                "floor",
                floor,
                raw.round,
                _stream_figures(raw.timed_messages, size)[0],
                setup=raw.prime,
                teardown=raw.verify,
            )
        mpbench.measure(
            session.round,
            setup=session.prime,
            teardown=session.verify,
            figures=_stream_figures(session.timed_messages, size),
            floor=floor,
            paired=paired,
        )
        peak = parent_peak()
        where_ran = session.where_ran()
    problems = session.problems + (raw.problems if raw else [])
    mpbench.check("every message arrived intact", not problems, "; ".join(problems))
    _check_placement(mpbench, where_ran)
    _record_rss(mpbench, peak, session.peers.peak_rss_b)


@grid(start=start_method, channel=axes.STREAM_CHANNELS)
def test_stream(mpbench: Bench, start: str, channel: str, size: int, placement: str) -> None:
    _interp_only(channel)
    cpus = pinned(mpbench, placement)
    _describe(mpbench, start, size, channel=_what(channel))
    if channel != "pipe" and channel.endswith("queue"):
        mpbench.info["queue_depth"] = ipc_channels.queue_depth(size)
    session = _session(start, channel, "bytes", size, cpus)
    _stream(mpbench, session, size, floor_of(channel, start, size, placement), start)


@from_profile("standard")
@grid(start=start_method, channel=axes.OBJECT_CHANNELS, size=axes.OBJECT_SIZES, placement=apart)
def test_stream_objects(
    mpbench: Bench, start: str, channel: str, size: int, placement: str
) -> None:
    _interp_only(channel)
    cpus = pinned(mpbench, placement)
    session = _session(start, channel, "objects", size, cpus)
    items = len(getattr(session, "body", ()))
    _describe(mpbench, start, size, channel=_what(channel), tuples=items)
    _stream(mpbench, session, size, floor_of(channel, start, size, placement), start)


@from_profile("standard")
@grid(start=start_method, channel=axes.FAN_IN_CHANNELS, producers=fan_in_producers, placement=apart)
def test_fan_in(mpbench: Bench, start: str, channel: str, producers: int, placement: str) -> None:
    cpus = pinned(mpbench, placement)
    _describe(mpbench, start, axes.FAN_IN_SIZE, channel=ipc_channels.CHANNELS[channel].what)
    session = ipc_stream.StreamSession(
        spawn.context(start), channel, "bytes", axes.FAN_IN_SIZE, producers, cpus=cpus
    )
    _stream(
        mpbench,
        session,
        axes.FAN_IN_SIZE,
        floor_of(channel, start, axes.FAN_IN_SIZE, placement),
        start,
    )


def _raw(mpbench: Bench, transport: str, start: str, size: int, where: str) -> None:
    cpus = pinned(mpbench, where)
    what = "a Unix socketpair" if transport == RAW_TRANSPORTS[1] else "an os.pipe"
    _describe(mpbench, start, size, channel=f"{what}: os.write / os.readv, no framing")
    session = ipc_floors.RawStream(spawn.context(start), size, transport, cpus)
    # no floor of its own: across two cores the writer's and the reader's copies overlap, so a
    # raw transport can outrun one in-process memcpy (docs/ipc.md)
    _stream(mpbench, session, size, None)


@grid(start=start_method)
def test_os_pipe(mpbench: Bench, start: str, size: int, placement: str) -> None:
    _raw(mpbench, ipc_channels.RAW_PIPE, start, size, placement)


@grid(start=start_method)
def test_socketpair(mpbench: Bench, start: str, size: int, placement: str) -> None:
    _raw(mpbench, ipc_channels.RAW_SOCKET, start, size, placement)


@grid(size=axes.SIZES)
def test_memcpy(mpbench: Bench, size: int) -> None:
    mpbench.info.update(size=format_bytes_size(size), channel="bytearray slice copy, in-process")
    session = ipc_floors.MemcpyFloor(spawn.context(DEFAULT_START), size)
    _stream(mpbench, session, size, None)


@grid(start=start_method, channel=axes.PING_CHANNELS)
def test_ping_pong(mpbench: Bench, start: str, channel: str, size: int, placement: str) -> None:
    in_process = _interp_only(channel)
    cpus = pinned(mpbench, placement)
    _describe(mpbench, start, size)
    ctx = spawn.context(start)
    session: ipc_pingpong.PingPongSession
    raw: ipc_pingpong.PingPongSession | None = None
    floor_channel = FLOOR_OF.get(channel) or ipc_interp.FLOOR_OF.get(channel, "")
    if in_process:  # the floor: the same queues, both ends waiting without the sleeps
        session = ipc_interp.InterpPingPongSession(ctx, channel, size, cpus)
        raw = ipc_interp.InterpPingPongSession(ctx, channel, size, cpus, spin=True)
        mpbench.info["channel"] = ipc_interp.INTERP_CHANNELS[channel]
    else:
        session = ipc_pingpong.PingPongSession(ctx, channel, size, cpus)
    # the floor: a ping-pong over the raw transport, open beside it on the same CPUs and timed
    # round by round with it (A B B A): measured apart, a Pipe() round trip once came out
    # 0.24x its socketpair's
    if channel not in RAW_TRANSPORTS and not in_process:
        raw = ipc_pingpong.PingPongSession(ctx, floor_channel, size, cpus)
    parent_peak = parent_rss_window()
    with session, raw or contextlib.nullcontext():
        session.settle()
        target_s = round_target_s(mpbench.profile.name)
        trips = mpbench.sized("trips_per_round", lambda: session.calibrate(target_s, size))
        session.messages = trips
        session.trips_s.clear()
        paired = None
        if raw is not None:
            raw.messages = mpbench.sized(
                "floor_trips_per_round", lambda: raw.calibrate(target_s, size)
            )
            ref = {"start": start, "channel": floor_channel, "size": size}
            paired = Paired(
                "floor",
                FloorRef("ping_pong", {**ref, "placement": placement}),
                raw.round,
                Figure("round trip", "s", "time", raw.messages),
            )
        mpbench.measure(
            session.round, figures=[Figure("round trip", "s", "time", trips)], paired=paired
        )
        peak = parent_peak()
        where_ran = session.where_ran()
    problems = session.problems + (raw.problems if raw else [])
    mpbench.check("every echo equals its message", not problems, "; ".join(problems))
    _check_placement(mpbench, where_ran)
    median_us, p99_us, n = session.latency_us(skip_rounds=mpbench.warmup_rounds)
    mpbench.metric("rtt_median_us", median_us, "us", trips=n)
    mpbench.metric("rtt_p99_us", p99_us, "us", trips=n)
    _record_rss(mpbench, peak, session.peers.peak_rss_b)


@grid(start=start_method, op=axes.PROXY_OPS, workers=worker_axis, placement=apart)
def test_manager_proxy(mpbench: Bench, start: str, op: str, workers: int, placement: str) -> None:
    cpus = pinned(mpbench, placement)
    _describe(mpbench, start)
    parent_peak = parent_rss_window()
    with ipc_proxies.ProxySession(spawn.context(start), op, workers, cpus) as session:
        target_s = round_target_s(mpbench.profile.name)
        ops = mpbench.sized("ops_per_worker_per_round", lambda: session.calibrate(target_s))
        session.ops = ops
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
        where_ran = session.where_ran()
    mpbench.check("every proxy read returned its write", not problems, "; ".join(problems))
    _check_placement(mpbench, where_ran)
    _record_rss(mpbench, peak, session.peers.peak_rss_b)


@grid(op=axes.PROXY_OPS)
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


@grid(start=start_method, channel=list(ipc_user.CHANNELS), placement=apart)
def test_stream_payload(
    mpbench: Bench, start: str, channel: str, placement: str, payload: str
) -> None:
    user = ipc_user.load(payload)
    reason = user.skip_reason(channel)
    if reason:
        pytest.skip(reason)
    cpus = pinned(mpbench, placement)
    size = user.message_bytes(channel)
    _describe(mpbench, start, size, channel=ipc_channels.CHANNELS[channel].what)
    mpbench.info["payload"] = user.describe()
    session = ipc_user.UserStreamSession(spawn.context(start), channel, user, cpus=cpus)
    _stream(mpbench, session, size, None, start)  # no floor: the raw transports have their own
    mpbench.metric("pickle_roundtrip_us", user.pickle_roundtrip_s * 1e6, "us")
    shares = session.pickling_shares(skip_rounds=mpbench.warmup_rounds)
    if shares:
        mpbench.metric_samples("pickling_share", shares, "fraction")
