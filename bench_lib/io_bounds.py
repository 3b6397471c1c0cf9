"""Echo rates the client may have capped: marked as lower bounds; servers ranked by server CPU.

The echo client is one thread. When it keeps (nearly) a whole core busy, the rate it drives
is the client's limit, not the server's: the server could answer faster, so the figure is a
lower bound ("at least"), and two such rates do not rank two servers. Server CPU seconds per
request do not depend on how fast the client asks, so servers are ranked by that.

A client-bound echo benchmark carries ``info.client_bound`` and the noise flag
``client-bound`` (so the result table shows it beside the rate); charts and sentences read
:func:`is_lower_bound`.
"""

from __future__ import annotations

import time
from typing import Any, Callable

CLIENT_BOUND_CORES = 0.9  # the one-thread client was busy this much of the wall time: the
# rate is the client's limit, a floor for the server (the rounds' gaps take the rest)
CLIENT_BOUND_FLAG = "client-bound"  # noise flag code on the benchmark
RANK_METRIC = "server_cpu_per_request_s"  # what servers are ranked by (lower is better)


class RoundClock:
    """The client's own CPU and wall time inside its measured rounds.

    The whole process's CPU over the whole measurement also counts the harness between
    rounds (statistics, psutil scans of a thousand server processes) and made idle clients
    look busy: only the rounds are the client's.
    """

    def __init__(self) -> None:
        self.cpu_s = 0.0  # CPU seconds of the client thread inside rounds
        self.wall_s = 0.0  # wall seconds of those rounds

    def timed(self, round_fn: Callable[[], Any]) -> Callable[[], None]:
        def target() -> None:
            cpu, wall = time.thread_time(), time.perf_counter()
            round_fn()
            self.wall_s += time.perf_counter() - wall
            self.cpu_s += time.thread_time() - cpu

        return target

    @property
    def cores(self) -> float:
        """Cores the client kept busy while it ran rounds (1.0: it was the limit)."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0


def client_bound(client_cores: float) -> bool:
    return client_cores > CLIENT_BOUND_CORES


def client_bound_flag(client_cores: float) -> dict[str, str]:
    """The noise flag of a client-bound rate: its cause and what to read instead."""
    return {
        "code": CLIENT_BOUND_FLAG,
        "message": (
            f"the one-thread client used {client_cores:.2f} of a core "
            f"(> {CLIENT_BOUND_CORES}): this rate is the client's limit, a lower bound for "
            "the server; rank servers by server CPU per request, or run more client processes"
        ),
    }


def mark(block: dict[str, Any], client_cores: float) -> bool:
    """Record on a benchmark's ``mpbench`` block whether its rate is client-bound; returns it."""
    bound = client_bound(client_cores)
    block.setdefault("info", {})["client_bound"] = bound
    if bound:
        noise = block.setdefault("noise", {})
        flags = noise.setdefault("flags", [])
        if not any(f.get("code") == CLIENT_BOUND_FLAG for f in flags):
            flags.append(client_bound_flag(client_cores))
    return bound


def is_lower_bound(block: dict[str, Any]) -> bool:
    """True when the benchmark's rate is client-bound (flag or info: either marks it)."""
    flags = (block.get("noise") or {}).get("flags") or []
    flagged = any(isinstance(f, dict) and f.get("code") == CLIENT_BOUND_FLAG for f in flags)
    return flagged or bool((block.get("info") or {}).get("client_bound"))


def lower_bound_names(data: dict[str, Any]) -> set[str]:
    """Names of the echo benchmarks whose rate is a lower bound (tidy rows carry the name)."""
    return {
        str(b.get("name"))
        for b in data.get("benchmarks", [])
        if is_lower_bound(b.get("extra_info", {}).get("mpbench", {}))
    }
