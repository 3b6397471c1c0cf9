"""Long-lived peer processes for the IPC benchmarks, and how many messages make a round.

Peers start before the clock and serve every round: each has a control Pipe on which the
parent sends ``("go", ...)`` per round and ``("stop",)`` at the end; on stop a peer answers
with its peak RSS. :func:`calibrate` picks the messages per round from a timed warm-up whose
messages are dropped.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing.context
from dataclasses import dataclass, field
from typing import Any, Callable

from bench_lib import ipc_workloads

STOP_REPLY_TIMEOUT_S = 10.0  # a peer answers "stop" at once; longer means it hung
JOIN_TIMEOUT_S = 5.0  # then it is terminated: the benchmark must not leave children behind
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


@dataclass
class Peers:
    """The child processes of one benchmark, each with its control connection."""

    ctx: multiprocessing.context.BaseContext
    procs: list[Any] = field(default_factory=list)
    controls: list[Any] = field(default_factory=list)  # parent ends
    keep: list[Any] = field(default_factory=list)  # child ends, closed at the end
    peak_rss_b: list[int] = field(default_factory=list)  # per peer, reported on stop

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

    def done(self) -> list[Any]:
        """Each peer's ``("done", result)`` answer; any other answer is a broken peer."""
        results = []
        for control in self.controls:
            reply = control.recv()
            if reply[0] != "done":
                raise RuntimeError(f"peer answered {reply!r} instead of done")
            results.append(reply[1])
        return results

    def stop(self) -> None:
        """Ask every peer to stop, collect peak RSS, and make sure none is left running."""
        for control in self.controls:
            with contextlib.suppress(OSError, EOFError, ValueError):
                control.send(("stop",))
                if control.poll(STOP_REPLY_TIMEOUT_S):
                    reply = control.recv()
                    if reply[0] == "rss":
                        self.peak_rss_b.append(int(reply[1]))
        self.join_all()

    def join_all(self) -> None:
        for proc in self.procs:
            proc.join(JOIN_TIMEOUT_S)
            if proc.is_alive():
                proc.terminate()
                proc.join(JOIN_TIMEOUT_S)
        for conn in self.controls + self.keep:
            conn.close()
        self.procs.clear()
        self.controls.clear()
        self.keep.clear()

    @property
    def exitcodes(self) -> list[int | None]:
        return [p.exitcode for p in self.procs]


def parent_rss_window() -> Callable[[], int]:
    """Start a peak-RSS window for this process; the returned call reads its peak so far."""
    ipc_workloads.peak_rss_reset()
    return ipc_workloads.peak_rss_bytes
