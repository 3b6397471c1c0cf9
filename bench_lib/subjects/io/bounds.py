"""Echo rates the client may have capped: marked as lower bounds; servers ranked by server CPU.

The echo client is one thread. When it keeps (nearly) a whole core busy, the rate it drives
is the client's limit, not the server's: the server could answer faster, so the figure is a
lower bound ("at least"), and two such rates do not rank two servers. Server CPU seconds per
request do not depend on how fast the client asks, so servers are ranked by that.

A client-bound echo benchmark records ``info.client_bound``; when the result file is written
(:func:`flag_lower_bounds`, from ``benchmarks/conftest.py``) it also gets the noise flag
``client-bound``, so the result table shows it beside the rate; charts and sentences read
:func:`is_lower_bound`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

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


def mark(block: dict[str, Any], client_cores: float | None = None) -> bool:
    """Flag a benchmark's ``mpbench`` block whose rate is client-bound; returns whether it is.

    With ``client_cores`` it is judged from that figure (and ``info.client_bound`` set);
    without, from ``info.client_bound`` as the benchmark recorded it. Idempotent.
    """
    info = block.setdefault("info", {})
    if client_cores is not None:
        info["client_bound"] = client_bound(client_cores)
    if not info.get("client_bound"):
        return False
    cores = (block.get("metrics") or {}).get("client_cores", {}).get("value")
    noise = block.setdefault("noise", {})
    flags = noise.setdefault("flags", [])
    if not any(f.get("code") == CLIENT_BOUND_FLAG for f in flags):
        used = client_cores if client_cores is not None else cores
        flags.append(client_bound_flag(float(used) if used is not None else CLIENT_BOUND_CORES))
    return True


def flag_lower_bounds(benchmarks: list[dict[str, Any]]) -> None:
    """Add the ``client-bound`` flag to every echo benchmark that recorded a client-bound rate.

    Runs when the result file is written (after the engine recorded each benchmark's noise),
    so the flag sits where the result table reads flags.
    """
    for b in benchmarks:
        block = b.get("extra_info", {}).get("mpbench")
        if isinstance(block, dict) and block.get("subject") == "io" and block.get("case") == "echo":
            mark(block)


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
