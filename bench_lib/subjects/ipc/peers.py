"""Long-lived peer processes for the IPC benchmarks, and how many messages make a round.

Peers start before the clock and serve every round: each has a control Pipe on which the
parent sends ``("go", ...)`` per round and ``("stop",)`` at the end; on stop a peer answers
with its peak RSS. :func:`calibrate` picks the messages per round from a timed warm-up whose
messages are dropped.

Every wait on a peer has a deadline: replies are awaited in short slices that look at the
peer's exit code, :func:`watched` bounds blocking receives outside the measured rounds (a peer
that died fails the benchmark with its exit code instead of hanging it), and :meth:`Peers.stop`
terminates, then kills, whatever has not stopped within STOP_GRACE_S (a producer blocked on a
full channel never reads "stop").
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing.context
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.workers import placement

STOP_GRACE_S = 0.5  # an idle peer answers "stop" in milliseconds; a blocked one never does
KILL_GRACE_S = 0.2  # after SIGTERM, then SIGKILL: an interrupted run must end in well under 2 s
REPLY_TIMEOUT_S = 30.0  # "done" comes right after the last message; longer means a hung peer
WATCH_PERIOD_S = 0.1  # how often a watched wait looks whether a peer died
CALIBRATION_TIMEOUT_S = 60.0  # calibration moves a few rounds of about 10 ms each
MAX_MESSAGES = 200_000  # per round: a round of 64 B Pipe messages stays under ~0.5 s
CALIBRATION_BYTES = 4 * 2**20  # the first warm-up round moves about this much
CALIBRATION_STEPS = 4  # rounds spent growing towards the target (x10 each: 10^4 x the start)

# Seconds one measured round should take, by profile: long enough that the per-round
# 'go'/'done' control round trip (~50 us) is noise, short enough for many rounds per budget.
ROUND_TARGET_S = {"smoke": 0.0, "quick": 0.005, "standard": 0.01, "full": 0.02}


def round_target_s(profile: str) -> float:
    return ROUND_TARGET_S.get(profile, ROUND_TARGET_S["standard"])


def calibrate(
    timed: Callable[[int], float],
    target_s: float,
    *,
    start: int,
    minimum: int = 1,
    limit: int = MAX_MESSAGES,
) -> int:
    """Messages per round so that a round takes about ``target_s``; ``timed(n)`` runs n.

    A first round at ``start`` warms up the path (cold caches, lazy imports, a feeder thread
    starting) and is not used. Then up to CALIBRATION_STEPS rounds move towards the target,
    each growing at most tenfold (timeit's autorange idea), until one takes at least half of
    it; the count is scaled from the faster of two rounds at the last count. None is kept.
    """
    if start < 1 or minimum < 1 or limit < minimum:
        raise ValueError(f"bad calibration bounds: start={start} minimum={minimum} limit={limit}")
    n = min(start, limit)
    timed(n)
    elapsed = timed(n)
    for _ in range(CALIBRATION_STEPS):
        if elapsed >= target_s / 2 or n >= limit:
            break
        grown = math.ceil(n * target_s / elapsed) if elapsed > 0 else n * 10
        n = min(limit, max(n + 1, min(n * 10, grown)))
        elapsed = timed(n)
    elapsed = min(elapsed, timed(n))  # a second look: one preempted round misleads by 5x
    wanted = math.ceil(n * target_s / elapsed) if elapsed > 0 else limit
    return max(minimum, min(limit, wanted))


def start_messages(size: int) -> int:
    """Messages in the first calibration round: about CALIBRATION_BYTES, 1 .. 16."""
    return max(1, min(16, CALIBRATION_BYTES // size))


class PeerDied(RuntimeError):
    """A peer process exited (or hung) while the parent waited on it."""


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"killed by signal {-code} ({signal.Signals(-code).name})"
    return f"exited with status {code}"


@dataclass
class Peers:
    """The child processes of one benchmark, each with its control connection."""

    ctx: multiprocessing.context.BaseContext
    procs: list[Any] = field(default_factory=list)
    controls: list[Any] = field(default_factory=list)  # parent ends
    keep: list[Any] = field(default_factory=list)  # child ends, closed at the end
    peak_rss_b: list[int] = field(default_factory=list)  # per peer, reported on stop
    helpers: list[Any] = field(default_factory=list)  # other children (a manager's server)
    pinned_run_ns: dict[int, dict[int, int]] = field(default_factory=dict)  # pid -> run_ns

    def start(self, target: Callable[..., None], *args: Any, control: bool = True) -> Any:
        """Start a daemon child running ``target(*args, control_end)``; returns the parent end."""
        mine = theirs = None
        if control:
            mine, theirs = self.ctx.Pipe()
            args = (*args, theirs)
            self.controls.append(mine)
            self.keep.append(theirs)
        proc = self.ctx.Process(target=target, args=args, daemon=True)  # type: ignore[attr-defined]
        proc.start()
        self.procs.append(proc)
        return mine

    def go(self, commands: list[tuple[Any, ...]]) -> None:
        for control, command in zip(self.controls, commands):
            control.send(command)

    def dead(self) -> str:
        """Which peers have exited, in words ("" while all run)."""
        gone = [
            f"peer {k} (pid {p.pid}) {_exit_reason(p.exitcode)}"
            for k, p in enumerate([*self.procs, *self.helpers])
            if p.exitcode is not None
        ]
        return "; ".join(gone)

    def reply(self, k: int, timeout_s: float = REPLY_TIMEOUT_S) -> Any:
        """Peer ``k``'s next control message; PeerDied if it exits or stays silent."""
        control, deadline = self.controls[k], time.monotonic() + timeout_s
        while not control.poll(WATCH_PERIOD_S):
            if self.procs[k].exitcode is not None:
                raise PeerDied(f"no reply: {self.dead()}")
            if time.monotonic() > deadline:
                raise PeerDied(f"peer {k} did not reply within {timeout_s:.0f} s: it hung")
        try:
            return control.recv()
        except EOFError:
            raise PeerDied(f"peer {k} closed its control pipe: {self.dead()}") from None

    def done(self) -> list[Any]:
        """Each peer's ``("done", result)`` answer; any other answer is a broken peer."""
        results = []
        for k in range(len(self.controls)):
            reply = self.reply(k)
            if reply[0] != "done":
                raise RuntimeError(f"peer answered {reply!r} instead of done")
            results.append(reply[1])
        return results

    def pin(self, cpu: int) -> None:
        """Pin every peer and helper to ``cpu``; remember how long each thread had run."""
        for proc in [*self.procs, *self.helpers]:
            placement.pin(proc.pid, cpu)
            self.pinned_run_ns[proc.pid] = placement.run_ns(proc.pid)

    def where_ran(self, cpus: placement.Cpus | None) -> dict[str, Any]:
        """Where the parent and every peer (then helper) ran since pinned, beside the pins."""
        return placement.where_ran(cpus, self.pids(), self.pinned_run_ns)

    def pids(self) -> list[int]:
        """Every peer's, then every helper's, process id."""
        return [p.pid for p in [*self.procs, *self.helpers]]

    def stop(self) -> None:
        """Ask every peer to stop and collect peak RSS; whatever has not stopped within
        STOP_GRACE_S is terminated, then killed. Bounded even when a peer is blocked."""
        deadline = time.monotonic() + STOP_GRACE_S
        for control in self.controls:
            with contextlib.suppress(OSError, ValueError):
                control.send(("stop",))
        for control in self.controls:
            with contextlib.suppress(OSError, EOFError, ValueError):
                if control.poll(max(0.0, deadline - time.monotonic())):
                    reply = control.recv()
                    if reply[0] == "rss":
                        self.peak_rss_b.append(int(reply[1]))
        self.join_all(deadline)

    def join_all(self, deadline: float | None = None) -> None:
        """Join every peer by ``deadline`` (default: STOP_GRACE_S from now), else end it."""
        deadline = deadline if deadline is not None else time.monotonic() + STOP_GRACE_S
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for end in ("terminate", "kill"):
            alive = [p for p in self.procs if p.is_alive()]
            for proc in alive:
                getattr(proc, end)()
            for proc in alive:
                proc.join(KILL_GRACE_S)
        for conn in self.controls + self.keep:
            conn.close()
        self.procs.clear()
        self.controls.clear()
        self.keep.clear()
        self.helpers.clear()


@contextlib.contextmanager
def watched(peers: Peers, what: str, timeout_s: float) -> Iterator[None]:
    """Bound a block that waits on peers: PeerDied as soon as one exits, or after ``timeout_s``.

    A SIGALRM every WATCH_PERIOD_S looks at the peers (so a receive blocked on a dead
    producer is interrupted); a timer already running (the engine's round deadline) is put
    back afterwards with what was left of it. Main thread only; elsewhere it only runs the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    deadline = time.monotonic() + timeout_s

    def look(signum: int, frame: object) -> None:
        gone = peers.dead()
        if gone:
            raise PeerDied(f"{what}: {gone}")
        if time.monotonic() > deadline:
            raise PeerDied(f"{what} took longer than {timeout_s:.0f} s: a peer hung")

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, look)
    left, interval = signal.setitimer(signal.ITIMER_REAL, WATCH_PERIOD_S, WATCH_PERIOD_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left > 0:
            remaining = max(1e-3, left - (time.monotonic() - started))
            signal.setitimer(signal.ITIMER_REAL, remaining, interval)


def start_servers_unpinned(ctx: multiprocessing.context.BaseContext) -> None:
    """Start the long-lived helpers of ``ctx`` before the parent is pinned: a forkserver or a
    resource tracker started inside a pinned block would keep that CPU mask for the rest of
    the session, and hand it to every child it serves (another subject's pool included)."""
    from multiprocessing import forkserver, resource_tracker

    resource_tracker.ensure_running()
    if ctx.get_start_method() == "forkserver":
        forkserver.ensure_running()


def parent_rss_window() -> Callable[[], int]:
    """Start a peak-RSS window for this process; the returned call reads its peak so far."""
    ipc_workloads.peak_rss_reset()
    return ipc_workloads.peak_rss_bytes
