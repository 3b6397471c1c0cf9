"""A worker that dies mid-round fails the benchmark, with the reason and whether dask retried.

dask hides a lost worker: the scheduler re-runs its tasks elsewhere (up to
``distributed.scheduler.allowed-failures`` times), so the round finishes, slower, with right
results. A figure that silently contains a retry is not a figure: after each round (off the
clock) the guard compares the connected workers with those at the start, and a round that
raised (``KilledWorker``, a closed connection) is reported with the same record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from bench_lib.engine.bench import Bench
from bench_lib.subjects.distributed.cluster import Cluster

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerLoss:
    lost: list[str]  # worker addresses gone since the body started
    retried: bool  # the round still finished with right results: dask re-ran the tasks
    error: str  # the exception that ended the round, "" when it finished

    def message(self) -> str:
        who = ", ".join(self.lost) or "a worker"
        if self.retried:
            return (
                f"worker {who} left the cluster during a round; dask retried its tasks on "
                "other workers and the results were right, but the time includes the retry: "
                "rerun on a stable cluster"
            )
        return f"worker {who} died during a round and the round failed ({self.error})"


class WorkerGuard:
    """Remembers the workers at the start; :meth:`check` says what changed since."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.start = set(cluster.worker_addresses())
        self.loss: WorkerLoss | None = None

    def check(self, results_right: bool) -> WorkerLoss | None:
        """After a finished round: a loss (retried when the results were right), or None."""
        lost = sorted(self.start - set(self.cluster.worker_addresses()))
        if lost and self.loss is None:
            self.loss = WorkerLoss(lost, retried=results_right, error="")
        return self.loss

    def run(self, call: Callable[..., T]) -> Callable[..., T]:
        """Wrap a measured round: an exception from a lost worker is recorded, then re-raised."""

        def guarded(*args: Any, **kwargs: Any) -> T:
            try:
                return call(*args, **kwargs)
            except Exception as exc:
                lost = sorted(self.start - set(_addresses_or_empty(self.cluster)))
                if not lost and type(exc).__name__ != "KilledWorker":
                    raise  # not a worker's death (a timeout, a bug): as it is
                self.loss = WorkerLoss(lost, retried=False, error=f"{type(exc).__name__}: {exc}")
                raise WorkerLostError(self.loss.message()) from exc

        return guarded

    def record(self) -> dict[str, Any] | None:
        return asdict(self.loss) if self.loss else None


class WorkerLostError(RuntimeError):
    """A round ended by a worker's death; the message says which and what dask did."""


def _addresses_or_empty(cluster: Cluster) -> list[str]:
    try:
        return cluster.worker_addresses()
    except Exception:  # the scheduler itself may be gone
        return []


def measure_guarded(
    mpbench: Bench,
    cluster: Cluster,
    call: Callable[..., Any],
    right: Callable[[], bool],
    **kwargs: Any,
) -> None:
    """``mpbench.measure`` with the worker guard around each round and its check after."""
    guard = WorkerGuard(cluster)
    teardown = kwargs.pop("teardown", None)

    def after(*args: Any) -> None:
        if teardown is not None:
            teardown(*args)
        loss = guard.check(right())
        if loss is not None:
            mpbench.info["worker_lost"] = guard.record()
            mpbench.check("no worker lost", False, loss.message())

    try:
        mpbench.measure(guard.run(call), teardown=after, **kwargs)
    finally:
        if guard.loss is not None:
            mpbench.info["worker_lost"] = guard.record()
    mpbench.check("no worker lost", True)
