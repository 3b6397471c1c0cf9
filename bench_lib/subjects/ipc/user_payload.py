"""The user's own payload through IPC: ``--mpbench-payload module:factory`` (or PATH.py:factory).

The factory is called once in the parent (what every message is checked against) and once in
each producer. The payload goes through Queue, Pipe and Manager().Queue() as ``(seq, object)``
with the checks of the built-in payloads: every sequence number once, and the object equal to
the parent's (``==``, or the pickles where ``==`` answers no bool, as numpy's does); through
shared memory only where it is bytes-like (a buffer to copy), otherwise the point is skipped
with the reason. Pickling is timed alone, in the parent: its share of a message's time says how
much of the channel's cost is the pickle, not the transport.
"""

from __future__ import annotations

import multiprocessing.context
import pickle
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bench_lib.measure.target import TargetError, load_callable
from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import stream as ipc_stream
from bench_lib.subjects.ipc import user_producer
from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.workers import placement

CHANNELS = ("pipe", "queue", "manager_queue", "shared_memory")  # Queue, Pipe, Manager, shm
PICKLE_TIMING_S = 0.05  # repeat dumps + loads this long: one small object is sub-microsecond


@dataclass(frozen=True)
class Payload:
    spec: str  # as given: "mymod:make" or "/abs/path/mine.py:make"
    importable: str  # module:qualname as the children import it
    obj: Any
    type_name: str
    bytes_like: bool  # a buffer: what shared memory can carry without pickling
    pickled_bytes: int
    pickle_roundtrip_s: float  # pickle.dumps + loads of the payload alone

    def wire(self, channel: str) -> str:
        return "bytes" if channel == "shared_memory" else "objects"

    def message_bytes(self, channel: str) -> int:
        """What one message moves: the pickle, or the sequence number and the buffer."""
        if self.wire(channel) == "bytes":
            return ipc_workloads.IPC_HEADER_BYTES + memoryview(self.obj).nbytes
        return self.pickled_bytes

    def skip_reason(self, channel: str) -> str | None:
        if channel == "shared_memory" and not self.bytes_like:
            return (
                f"shared memory moves a buffer, and the payload is a {self.type_name}, not "
                "bytes-like (bytes, bytearray, memoryview, array); a Queue or Pipe pickles it"
            )
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "type": self.type_name,
            "bytes_like": self.bytes_like,
            "pickled_bytes": self.pickled_bytes,
        }


def _bytes_like(obj: Any) -> bool:
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def _roundtrip_s(obj: Any) -> float:
    n, start = 0, time.perf_counter()
    while n == 0 or time.perf_counter() - start < PICKLE_TIMING_S:
        pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
        n += 1
    return (time.perf_counter() - start) / n


@lru_cache(maxsize=4)
def load(spec: str) -> Payload:
    """The payload ``spec`` names, built and described; a ValueError says why it cannot be."""
    try:
        factory = load_callable(spec)
    except TargetError as exc:
        raise ValueError(f"--mpbench-payload {spec}: {exc}") from None
    try:
        obj = factory()
        data = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise ValueError(
            f"--mpbench-payload {spec}: the factory's object cannot be built and pickled "
            f"({type(exc).__name__}: {exc}); return a picklable object from a module-level function"
        ) from None
    importable = f"{factory.__module__}:{factory.__qualname__}"
    if "<locals>" in importable:
        raise ValueError(f"--mpbench-payload {spec}: define the factory at module level")
    return Payload(
        spec, importable, obj, type(obj).__name__, _bytes_like(obj), len(data), _roundtrip_s(obj)
    )


def checked_spec(value: str) -> str:
    """`mpbench run --payload`: usable, as an absolute path where it names a file."""
    load(value)
    where, _, name = value.rpartition(":")
    if where.endswith(".py") or "/" in where:
        from pathlib import Path

        return f"{Path(where).resolve()}:{name}"
    return value


class UserStreamSession(ipc_stream.StreamSession):
    """One producer sends the user's payload to the parent over ``channel``; all are checked."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        channel: str,
        payload: Payload,
        cpus: placement.Cpus | None = None,
    ) -> None:
        # not StreamSession's: the size limits of the built-in payloads do not apply
        ipc_stream.Session.__init__(self, ctx, cpus)
        self.channel, self.payload = channel, payload.wire(channel)
        self.size = payload.message_bytes(channel)
        self.producers, self.fault, self.user = 1, None, payload
        self.body = user_producer.body_of(self.payload, payload.obj)
        self.manager: Any = None
        self.opened: ipc_channels.Opened | None = None
        self.next_seq = 0
        self.pending: tuple[int, int, ipc_channels.MessageCheck] | None = None
        self.arrived: list[Any] = []
        self.checking: ipc_channels.MessageCheck | None = None
        self.round_s: list[float] = []  # every measured round's time, warm-up ones first

    def open(self) -> None:
        if self.channel == "manager_queue":
            self.manager = self.ctx.Manager()
            self.peers.helpers.append(self.manager._process)
        self.opened = ipc_channels.open_channel(
            self.ctx, self.channel, self.payload, self.size, self.manager
        )
        self.peers.start(
            user_producer.user_producer,
            self.channel,
            self.opened.child_end,
            self.payload,
            self.user.importable,
        )

    def round(self) -> None:
        start = time.perf_counter()
        super().round()
        self.round_s.append(time.perf_counter() - start)

    def pickling_shares(self, skip_rounds: int) -> list[float]:
        """Per measured round: pickle + unpickle of the payload alone / the time per message."""
        if self.payload == "bytes":
            return []  # shared memory copies the buffer: nothing is pickled
        per_message = [t / self.timed_messages for t in self.round_s[skip_rounds:]]
        return [self.user.pickle_roundtrip_s / t for t in per_message if t > 0]
