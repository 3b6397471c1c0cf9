"""Manager proxies: operations/s on a ``Manager()`` dict, list, Namespace and Value.

Like the classic example where ten processes share a ``manager.dict()`` and a
``manager.list()``: ``workers`` long-lived processes each run N operations per round on
shared proxies, concurrently; every proxy call is a socket round trip to the manager's server
process. The floor is the same operation on a plain local object in this process.

Each worker has its own dict key, Namespace attribute and Value, so every read must return
what that worker just wrote; ``list_append`` is checked by the list's length and sum.
"""

from __future__ import annotations

import multiprocessing.context
import time
import types
from typing import Any

from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.subjects.ipc.peers import (
    CALIBRATION_TIMEOUT_S,
    Peers,
    calibrate,
    start_servers_unpinned,
    watched,
)
from bench_lib.workers import placement

# operation -> proxy calls per operation (a set and a get, or one append)
PROXY_OPS = {"dict_setget": 2, "list_append": 1, "namespace_attr": 2, "value": 2}
MAX_WORKERS = 256  # a sanity bound: a typo, not a benchmark, goes above it
APPEND_BASE = 1_000_000_000  # list_append values are wid * APPEND_BASE + i (ipc_workloads)
CALIBRATION_OPS = 16  # operations per worker in the first warm-up round


def check_op(op: str, workers: int = 1) -> None:
    if op not in PROXY_OPS:
        raise ValueError(f"unknown proxy operation {op!r}; choose one of: {', '.join(PROXY_OPS)}")
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"{workers} workers: use 1 .. {MAX_WORKERS}")


def local_target(op: str) -> Any:
    """A plain local object that takes the same operation as the proxy."""
    check_op(op)
    if op == "dict_setget":
        return {}
    if op == "list_append":
        return []
    return types.SimpleNamespace(value=0)


class LocalOps:
    """The floor: the operation on a local object, in this process."""

    def __init__(self, op: str) -> None:
        self.op = op
        self.target = local_target(op)
        self.ops = CALIBRATION_OPS  # per round, set by calibrate()
        self.mismatches = 0

    def run(self, n: int) -> None:
        self.mismatches += ipc_workloads.ipc_proxy_ops(self.op, self.target, 0, n)
        if self.op == "list_append":
            self.target.clear()

    def round(self) -> None:
        self.run(self.ops)

    def calibrate(self, target_s: float) -> int:
        self.ops = calibrate(_timer(self.run), target_s, start=CALIBRATION_OPS)
        return self.ops


def _timer(run: Any) -> Any:
    def timed(n: int) -> float:
        start = time.perf_counter()
        run(n)
        return time.perf_counter() - start

    return timed


class ProxySession:
    """A manager, its shared objects, and ``workers`` processes that hammer them per round."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        op: str,
        workers: int,
        cpus: placement.Cpus | None = None,
    ) -> None:
        check_op(op, workers)
        self.ctx, self.op, self.workers = ctx, op, workers
        self.cpus = cpus  # the workers and the manager's server share cpus.peer_cpu
        self.peers = Peers(ctx)
        self._pinned: placement.Pinned | None = None
        self.manager: Any = None
        self.shared: Any = None
        self.ops = CALIBRATION_OPS  # per worker per round, set by calibrate()
        self.mismatches = 0
        self.appended = 0  # list_append: how many items the list must hold
        self.appended_sum = 0

    def __enter__(self) -> ProxySession:
        try:
            if self.cpus is not None:
                start_servers_unpinned(self.ctx)
                self._pinned = placement.Pinned(self.cpus.parent_cpu).__enter__()
            with watched(self.peers, "starting the manager and workers", CALIBRATION_TIMEOUT_S):
                self._open()
            if self.cpus is not None:
                self.peers.pin(self.cpus.peer_cpu)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        self.manager = self.ctx.Manager()
        self.peers.helpers.append(self.manager._process)
        m = self.manager
        targets: list[Any]
        if self.op == "dict_setget":
            self.shared = m.dict()
            targets = [self.shared] * self.workers
        elif self.op == "list_append":
            self.shared = m.list()
            targets = [self.shared] * self.workers
        elif self.op == "namespace_attr":
            self.shared = m.Namespace()
            targets = [self.shared] * self.workers
        else:  # one Value per worker: a ValueProxy has no lock, a shared one would race
            targets = [m.Value("q", 0) for _ in range(self.workers)]
            self.shared = targets
        for wid, target in enumerate(targets):
            self.peers.start(ipc_workloads.ipc_proxy_worker, self.op, target, wid)

    def close(self) -> None:
        try:
            self.peers.stop()
            if self.manager is not None:
                self.manager.shutdown()
                self.manager = None
        finally:
            if self._pinned is not None:
                self._pinned.__exit__(None, None, None)
                self._pinned = None

    def run(self, n: int) -> None:
        self.peers.go([("go", n)] * self.workers)
        self.mismatches += sum(self.peers.done())
        if self.op == "list_append":
            self.appended += n * self.workers
            self.appended_sum += sum(w * APPEND_BASE for w in range(self.workers)) * n
            self.appended_sum += self.workers * n * (n - 1) // 2

    def round(self) -> None:
        self.run(self.ops)

    def calibrate(self, target_s: float) -> int:
        with watched(self.peers, "calibration", CALIBRATION_TIMEOUT_S):
            self.ops = calibrate(_timer(self.run), target_s, start=CALIBRATION_OPS)
        return self.ops

    def where_ran(self) -> dict[str, Any]:
        """Where the parent and every peer (and a manager's server) ran, beside their pins."""
        return self.peers.where_ran(self.cpus)

    def problems(self) -> list[str]:
        """What went wrong over all rounds (call before close)."""
        found = []
        if self.mismatches:
            found.append(f"{self.mismatches} reads did not return what the worker wrote")
        if self.op == "list_append":
            items = self.shared[:]  # one proxy call: a copy of the whole list
            if len(items) != self.appended or sum(items) != self.appended_sum:
                found.append(
                    f"list holds {len(items)} items (sum {sum(items)}), "
                    f"expected {self.appended} (sum {self.appended_sum})"
                )
        return found
