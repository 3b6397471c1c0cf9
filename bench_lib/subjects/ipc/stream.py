"""Streams: producers send N messages per round to the parent, which checks every one.

:class:`StreamSession` covers stream (one producer) and fan-in (several producers on one
queue) for every channel of :mod:`bench_lib.ipc_channels`; the floors measured beside them
(:mod:`bench_lib.ipc_floors`) share :class:`Session`. A session is a context manager:
peers start on entry (off the clock) and are stopped on exit, whatever happened.
"""

from __future__ import annotations

import multiprocessing.context
import time
from types import TracebackType
from typing import Any

from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.subjects.ipc.peers import (
    CALIBRATION_TIMEOUT_S,
    Peers,
    calibrate,
    start_messages,
    start_servers_unpinned,
    watched,
)
from bench_lib.workers import placement

MIN_STREAM_MESSAGES = 5  # one primes the pipeline off the clock, four or more are timed
PRIMED_MESSAGES = 1  # received in prime(), before the clock starts


def _split(n: int, parts: int) -> list[int]:
    """``n`` messages over ``parts`` producers, as even as possible (the first get the rest)."""
    if parts < 1 or n < 0:
        raise ValueError(f"cannot split {n} messages over {parts} producers")
    return [n // parts + (k < n % parts) for k in range(parts)]


class Session:
    """What every session shares: peers, placement, the messages per round, the problems seen.

    A round is split in two so that filling the pipeline stays off the clock: ``prime()``
    (pytest-benchmark's setup) starts the producers and takes the first message, building
    and moving it while nothing else flows; ``round()`` (the timed target) takes the rest, so
    ``timed_messages`` = messages - PRIMED_MESSAGES are counted per round.
    """

    def __init__(
        self, ctx: multiprocessing.context.BaseContext, cpus: placement.Cpus | None = None
    ) -> None:
        self.ctx = ctx
        self.cpus = cpus  # None: left to the scheduler
        self.peers = Peers(ctx)
        self.messages = MIN_STREAM_MESSAGES  # per round, set by calibrate()
        self.problems: list[str] = []  # what the consumer found wrong, over all rounds
        self.rounds = 0
        self._pinned: placement.Pinned | None = None
        self.primed = False  # prime() began the next round

    def __enter__(self) -> Session:
        try:
            if self.cpus is not None:
                start_servers_unpinned(self.ctx)
                self._pinned = placement.Pinned(self.cpus.parent_cpu).__enter__()
            with watched(self.peers, "starting the peers", CALIBRATION_TIMEOUT_S):
                self.open()
            if self.cpus is not None:
                self.peers.pin(self.cpus.peer_cpu)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.close()
        finally:
            if self._pinned is not None:
                self._pinned.__exit__(None, None, None)
                self._pinned = None

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.peers.stop()

    def settle(self) -> None:
        """Called in every block once all of a benchmark's sessions are open, before its
        rounds. Process peers keep their own pins; a session whose peer is a thread of this
        process re-pins it here, since opening another session pins the whole process."""

    def begin(self, n: int) -> None:
        """Start a round of ``n`` messages and take the first (off the clock when primed)."""
        raise NotImplementedError

    def rest(self) -> None:
        """The rest of the round begun last: every remaining message, received."""
        raise NotImplementedError

    def verify(self) -> None:
        """Off the clock, after a round: check what it received (sessions that keep it)."""

    def run(self, n: int) -> None:
        """A whole round of ``n`` messages, unchecked (:meth:`timed` checks after the clock)."""
        self.begin(n)
        self.rest()

    @property
    def timed_messages(self) -> int:
        """Messages counted in one measured round (the primed one is off the clock)."""
        return self.messages - PRIMED_MESSAGES

    def prime(self) -> None:
        """Setup of one measured round: begin it, under a deadline (a peer may have died)."""
        with watched(self.peers, "priming a round", CALIBRATION_TIMEOUT_S):
            self.begin(self.messages)
        self.primed = True

    def round(self) -> None:
        """One measured round: the messages after the primed one (without prime(): all of
        them, fill included); :meth:`verify` checks them after the clock stops."""
        if not self.primed:
            self.begin(self.messages)
        self.primed = False
        self.rest()
        self.rounds += 1

    def timed(self, n: int) -> float:
        """Seconds of a whole round of ``n`` messages; checked after the clock stops."""
        start = time.perf_counter()
        self.run(n)
        elapsed = time.perf_counter() - start
        self.verify()
        return elapsed

    def calibrate(self, target_s: float, size: int) -> int:
        """Set messages per round from warm-up rounds (their messages are checked, not timed)."""
        with watched(self.peers, "calibration", CALIBRATION_TIMEOUT_S):
            self.messages = calibrate(
                self.timed, target_s, start=start_messages(size), minimum=MIN_STREAM_MESSAGES
            )
        return self.messages

    def where_ran(self) -> dict[str, Any]:
        """Where the parent and every peer (and a manager's server) ran, beside their pins."""
        return self.peers.where_ran(self.cpus)


class StreamSession(Session):
    """``producers`` children send to the parent over ``channel``; the parent checks all."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        channel: str,
        payload: str,
        size: int,
        producers: int = 1,
        fault: str | None = None,
        cpus: placement.Cpus | None = None,
    ) -> None:
        ipc_channels.check_params(channel, payload, size, producers)
        if fault is not None and fault not in ipc_workloads.IPC_FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {ipc_workloads.IPC_FAULTS}")
        super().__init__(ctx, cpus)
        self.channel, self.payload, self.size = channel, payload, size
        self.producers, self.fault = producers, fault
        self.body = ipc_workloads.ipc_body(payload, size)
        self.manager: Any = None
        self.opened: ipc_channels.Opened | None = None
        self.next_seq = 0
        self.pending: tuple[int, int, ipc_channels.MessageCheck] | None = None
        self.arrived: list[Any] = []  # the last round's messages, until verify() checks them
        self.checking: ipc_channels.MessageCheck | None = None

    def open(self) -> None:
        if self.channel == "manager_queue":
            self.manager = self.ctx.Manager()
            self.peers.helpers.append(self.manager._process)
        self.opened = ipc_channels.open_channel(
            self.ctx, self.channel, self.payload, self.size, self.manager
        )
        for _ in range(self.producers):
            self.peers.start(
                ipc_workloads.ipc_producer,
                self.channel,
                self.opened.child_end,
                self.payload,
                self.size,
            )

    def close(self) -> None:
        self.verify()
        self.peers.stop()
        if self.opened is not None:
            self.opened.close()
        if self.manager is not None:
            self.manager.shutdown()
            self.manager = None

    def begin(self, n: int) -> None:
        assert self.opened is not None, "open the session first"
        self.verify()  # a round nobody verified yet (run() alone) is checked before the next
        first, commands = self.next_seq, []
        for share in _split(n, self.producers):
            commands.append(("go", first, share, self.fault))
            first += share
        check = ipc_channels.MessageCheck(self.payload, self.body, range(self.next_seq, first))
        self.peers.go(commands)
        self.pending = (n - PRIMED_MESSAGES, first, check)
        check.accept(self.opened.recv())

    def rest(self) -> None:
        assert self.opened is not None and self.pending is not None, "begin a round first"
        left, first, check = self.pending
        recv = self.opened.recv
        self.arrived = [recv() for _ in range(left)]  # checked after the clock stops: checking
        # each 64-byte message as it came (a set, a compare) ran a Pipe at 0.64x a plain loop
        self.peers.done()
        self.next_seq, self.pending, self.checking = first, None, check

    def verify(self) -> None:
        if self.checking is None:
            return
        for message in self.arrived:
            self.checking.accept(message)
        self.problems += self.checking.finish()
        self.arrived, self.checking = [], None
