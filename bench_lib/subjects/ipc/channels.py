"""IPC channels: the catalogue, parameter checks, how a channel is opened, and message checks.

A channel is one of multiprocessing's ways to move data between processes. Each is opened
through an explicit start-method context; the parent is always the consumer (stream, fan-in)
or the initiator (ping-pong), children are the producers or echo peers
(:mod:`bench_lib.ipc_workloads`). Every message carries a sequence number, and the consumer
checks each one against what the producer must have sent (:class:`MessageCheck`).
"""

from __future__ import annotations

import contextlib
import multiprocessing.context
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing import shared_memory
from typing import Any

from bench_lib.subjects.ipc import workloads as ipc_workloads

KiB = 2**10
MiB = 2**20

PAYLOADS = ("bytes", "objects")
MIN_SIZE_B = ipc_workloads.IPC_HEADER_BYTES  # a message must hold its 8-byte sequence number
MAX_SIZE_B = 256 * MiB  # beyond this one message is a memory test, not an IPC test
MAX_OBJECT_SIZE_B = 4 * MiB  # a list of tuples takes ~6x its pickle in memory: keep it small
MAX_PRODUCERS = 256  # a sanity bound for fan-in; a typo, not a benchmark, goes above it
IN_FLIGHT_BYTES = 64 * MiB  # a bounded queue holds at most about this much (4 x 16 MiB)
MIN_QUEUE_DEPTH = 2  # so a 256 MiB message still lets the producer run one message ahead
MAX_QUEUE_DEPTH = 1024  # small messages: deep enough that put() rarely waits


@dataclass(frozen=True)
class Channel:
    """What a channel is and what it allows."""

    name: str  # the id used in parameters: "pipe", "queue", ...
    what: str  # the multiprocessing call, in words
    producers: int | None  # most producers on one channel; None = any number
    ping_pong: bool = True  # a return path exists (or can be opened the same way)


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel("pipe", "Pipe() duplex: a socketpair", producers=1),
        Channel("pipe_simplex", "Pipe(duplex=False): an os.pipe", producers=1),
        Channel("queue", "Queue(maxsize): pipe + feeder thread + semaphore", producers=None),
        Channel("simple_queue", "SimpleQueue(): pipe + lock, no feeder thread", producers=None),
        Channel("joinable_queue", "JoinableQueue(): put/get + task_done/join", producers=None),
        Channel("manager_queue", "Manager().Queue(): a proxy, one socket call each", None),
        Channel(
            "shared_memory",
            "SharedMemory block for the payload + Pipe token and ack",
            producers=1,
            ping_pong=False,
        ),
    )
}
RAW_PIPE = "os_pipe"  # a floor: os.write/os.readv on an os.pipe, no framing or pickling
RAW_SOCKET = "socketpair"  # a floor: the same on a Unix socketpair
RAW_TRANSPORTS = (RAW_PIPE, RAW_SOCKET)
MEMCPY = "memcpy"  # the floor of shared memory: one copy inside one process

# The raw transport each channel is built on: its floor, at the same size and placement.
# Pipe() is a socketpair and a Manager talks over a Unix socket; Pipe(duplex=False) and the
# queues write into an os.pipe; shared memory moves the payload with copies, no kernel.
FLOOR_OF = {
    "pipe": RAW_SOCKET,
    "pipe_simplex": RAW_PIPE,
    "queue": RAW_PIPE,
    "simple_queue": RAW_PIPE,
    "joinable_queue": RAW_PIPE,
    "manager_queue": RAW_SOCKET,
    "shared_memory": MEMCPY,
}


def raw_ends(ctx: multiprocessing.context.BaseContext, transport: str) -> tuple[Any, Any]:
    """(reader, writer) connections over the raw ``transport``; a socketpair's ends are both."""
    if transport == RAW_SOCKET:
        return ctx.Pipe(duplex=True)
    return ctx.Pipe(duplex=False)


def check_params(
    channel: str, payload: str, size: int, producers: int = 1, *, ping_pong: bool = False
) -> Channel:
    """The channel, or a ValueError that says in one line what is wrong and what is allowed."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; choose one of: {', '.join(CHANNELS)}")
    spec = CHANNELS[channel]
    if payload not in PAYLOADS:
        raise ValueError(f"unknown payload {payload!r}; choose one of: {', '.join(PAYLOADS)}")
    if not isinstance(size, int) or not MIN_SIZE_B <= size <= MAX_SIZE_B:
        raise ValueError(
            f"message size {size!r} B is out of range: a message holds an 8-byte sequence "
            f"number, so use {MIN_SIZE_B} B .. {MAX_SIZE_B // MiB} MiB"
        )
    if payload == "objects" and size > MAX_OBJECT_SIZE_B:
        raise ValueError(
            f"objects payload of {size} B is too big: use at most {MAX_OBJECT_SIZE_B // MiB} MiB "
            "(the list of tuples takes several times its pickle in memory)"
        )
    limit = spec.producers if spec.producers is not None else MAX_PRODUCERS
    if not 1 <= producers <= limit:
        raise ValueError(
            f"{producers} producers on {channel!r}: it takes 1 .. {limit}"
            + (" (one writer; use a queue for fan-in)" if spec.producers == 1 else "")
        )
    if ping_pong and not spec.ping_pong:
        raise ValueError(f"no ping-pong over {channel!r}: it is a Pipe round trip plus copies")
    return spec


def queue_depth(size: int) -> int:
    """maxsize of a bounded queue: about IN_FLIGHT_BYTES of messages in flight."""
    return max(MIN_QUEUE_DEPTH, min(MAX_QUEUE_DEPTH, IN_FLIGHT_BYTES // size))


@dataclass
class Opened:
    """A channel opened in the parent: what children get, how the parent uses it, cleanup."""

    child_end: Any  # passed to every producer
    recv: Callable[[], Any]  # the parent's receive call
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()


def _shm_receiver(shm: shared_memory.SharedMemory, conn: Any, payload: str) -> Callable[[], Any]:
    def recv() -> Any:
        n = int.from_bytes(conn.recv_bytes(), "little")
        with shm.buf[:n] as view:  # type: ignore[index]
            message = bytes(view) if payload == "bytes" else pickle.loads(view)
        conn.send_bytes(b"k")
        return message

    return recv


def _unlinker(shm: shared_memory.SharedMemory) -> Callable[[], None]:
    """Unlink the block; one already gone (a machine-wide /dev/shm sweep by another process
    ran while we held it mapped) is not our failure: the data never depended on the name."""

    def unlink() -> None:
        with contextlib.suppress(FileNotFoundError):
            shm.unlink()

    return unlink


def _queue(ctx: multiprocessing.context.BaseContext, channel: str, size: int, manager: Any) -> Any:
    depth = queue_depth(size)
    if channel == "queue":
        return ctx.Queue(depth)
    if channel == "joinable_queue":
        return ctx.JoinableQueue(depth)
    if channel == "simple_queue":
        return ctx.SimpleQueue()
    return manager.Queue(depth)


def open_channel(
    ctx: multiprocessing.context.BaseContext,
    channel: str,
    payload: str,
    size: int,
    manager: Any = None,
) -> Opened:
    """Open a one-way channel from children to the parent (a manager_queue needs ``manager``)."""
    if channel in ("pipe", "pipe_simplex"):
        reader, writer = ctx.Pipe(duplex=channel == "pipe")
        recv = reader.recv_bytes if payload == "bytes" else reader.recv
        return Opened(writer, recv, [reader.close, writer.close])
    if channel == "shared_memory":
        slot = size if payload == "bytes" else 2 * size + 4 * KiB  # room for the pickle
        shm = shared_memory.SharedMemory(create=True, size=slot)
        mine, theirs = ctx.Pipe()
        opened = Opened((shm, theirs), _shm_receiver(shm, mine, payload))
        # Closers run last first: the name goes while the block is still mapped, so no other
        # run's leak check on this machine ever sees a segment that nobody holds.
        opened.closers += [mine.close, theirs.close, shm.close, _unlinker(shm)]
        return opened
    queue = _queue(ctx, channel, size, manager)
    closers: list[Callable[[], None]] = []
    if channel in ("queue", "joinable_queue"):
        closers = [queue.join_thread, queue.close]  # run in reverse: close, then join the feeder
    elif channel == "simple_queue":
        closers = [queue.close]
    return Opened(queue, ipc_workloads.ipc_receiver(channel, queue, payload), closers)


def same_object(got: Any, sent: Any) -> bool:
    """``==``; where it answers no bool (a numpy array's elementwise ==), the pickles."""
    try:
        equal = got == sent
        if isinstance(equal, bool):
            return equal
    except Exception:  # an __eq__ that refuses to compare: the bytes still can
        pass
    return bool(pickle.dumps(got) == pickle.dumps(sent))


def seq_of(payload: str, message: Any) -> int:
    if payload == "bytes":
        return int.from_bytes(message[: ipc_workloads.IPC_HEADER_BYTES], "little")
    return int(message[0])


class MessageCheck:
    """What a consumer saw in one round, against what the producers must have sent.

    Each message must carry an expected sequence number once, and the body the producer
    built (bytes compared with memcmp via ``endswith``, objects with ``==``).
    """

    def __init__(self, payload: str, body: Any, expected: Iterable[int]) -> None:
        self.payload = payload
        self.body = body
        self.missing = set(expected)
        self.count = 0
        self.problems: list[str] = []

    def accept(self, message: Any) -> None:
        self.count += 1
        try:
            seq = seq_of(self.payload, message)
        except (TypeError, IndexError, ValueError) as exc:
            self._problem(f"message {self.count} is not a message: {exc}")
            return
        if seq not in self.missing:
            self._problem(f"unexpected or repeated message seq={seq}")
            return
        self.missing.discard(seq)
        if not self._body_ok(message):
            self._problem(f"message seq={seq} arrived corrupted")

    def _body_ok(self, message: Any) -> bool:
        if self.payload == "bytes":
            size = ipc_workloads.IPC_HEADER_BYTES + len(self.body)
            return (
                isinstance(message, bytes) and len(message) == size and message.endswith(self.body)
            )
        return same_object(message[1], self.body)

    def _problem(self, text: str) -> None:
        if len(self.problems) < 5:  # the first few say enough
            self.problems.append(text)

    def finish(self) -> list[str]:
        """Everything wrong with the round (empty = every message arrived intact, once)."""
        if self.missing:
            first = sorted(self.missing)[:3]
            self._problem(f"{len(self.missing)} message(s) lost, first seq={first}")
        return self.problems
