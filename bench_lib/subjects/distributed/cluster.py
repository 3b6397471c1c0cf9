"""The dask cluster a distributed benchmark talks to: embedded by default, or given by address.

``embedded``: a ``LocalCluster`` of ``workers`` worker processes (one thread each, each
under a nanny, dask's default) on 127.0.0.1, started and closed inside one benchmark body, so
every block gets fresh processes (docs/design.md, principle 15). ``address``: an existing
scheduler (``mpbench run --scheduler tcp://HOST:PORT``, pytest's ``--mpbench-scheduler``);
only the client is ours, and it is closed.
Either way :meth:`Cluster.describe` records what the figures came from.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import dask.config as _dask_config
import distributed as _distributed
import psutil

from bench_lib.machine import cpu

dask: Any = _distributed  # dask.distributed is only partly annotated: its calls are untyped

CONNECT_TIMEOUT_S = 5.0  # a client that cannot greet a scheduler in 5 s will not do better
WORKERS_TIMEOUT_S = 60.0  # embedded workers on a loaded 2-core machine take seconds to start
CONNECT_SLACK_S = 1.0  # beyond dask's own timeout before the connecting thread is abandoned
# dask starts its nannies' worker processes with its own setting, never Python's default:
# named here, so a run on 3.14 (forkserver default) starts the same workers as on 3.11.
WORKER_START_METHOD = "spawn"
KILL_GRACE_S = 0.5  # SIGTERM to SIGKILL: a nanny that does not stop at once is killed
WORKER_MODULES = (
    "bench_lib.workers.workloads",
    "bench_lib.subjects.distributed.workloads",
)  # tasks


class ClusterError(RuntimeError):
    """The cluster cannot be used: a one-line reason with the fix."""


@dataclass(frozen=True)
class ClusterInfo:
    kind: str  # "embedded" (LocalCluster started here) or "address" (an existing scheduler)
    scheduler: str  # tcp://HOST:PORT
    workers: int  # worker processes connected when the body started
    threads_per_worker: list[int]  # per worker, address order
    worker_cores: list[int]  # usable cores each worker's host shows (affinity mask)
    worker_python: list[str]  # "CPython 3.11.7" per worker
    dask_version: str
    nanny: bool | None  # embedded workers run under a nanny (restarts a killed worker)
    worker_start_method: str | None  # how the nannies start workers; None: not ours to say

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _worker_facts() -> tuple[int, str]:
    import os
    import platform as plat

    return len(os.sched_getaffinity(0)), f"{plat.python_implementation()} {plat.python_version()}"


@dataclass
class Cluster:
    """A client and, when embedded, the ``LocalCluster`` behind it."""

    client: Any  # distributed.Client
    local: Any  # distributed.LocalCluster, or None when the cluster is given by address
    processes: list[psutil.Process] = field(default_factory=list)  # embedded: ours to stop

    @property
    def kind(self) -> str:
        return "embedded" if self.local is not None else "address"

    def worker_addresses(self) -> list[str]:
        return sorted(self.client.nthreads())

    def describe(self) -> ClusterInfo:
        nthreads = self.client.nthreads()
        addresses = sorted(nthreads)
        facts = self.client.run(_worker_facts)
        return ClusterInfo(
            kind=self.kind,
            scheduler=str(self.client.scheduler.address),
            workers=len(addresses),
            threads_per_worker=[int(nthreads[a]) for a in addresses],
            worker_cores=[int(facts[a][0]) for a in addresses if a in facts],
            worker_python=[str(facts[a][1]) for a in addresses if a in facts],
            dask_version=str(dask.__version__),
            nanny=True if self.local is not None else None,
            worker_start_method=WORKER_START_METHOD if self.local is not None else None,
        )

    def close(self) -> None:
        """Close the client, and the embedded cluster; kill what is left of its processes."""
        with contextlib.suppress(Exception):
            self.client.close(timeout=CONNECT_TIMEOUT_S)
        if self.local is not None:
            with contextlib.suppress(Exception):
                self.local.close(timeout=CONNECT_TIMEOUT_S)
        self.kill()

    def kill(self) -> None:
        """Stop the embedded cluster's nannies and workers now (after Ctrl-C: no goodbyes)."""
        kill_now(self.processes)


def kill_now(processes: list[psutil.Process]) -> None:
    tree = list(processes)
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            tree += proc.children(recursive=True)
    cpu.kill_tree([p for p in tree if p.is_running()], grace_s=KILL_GRACE_S)


def _new_children(before: set[int]) -> list[psutil.Process]:
    return [p for p in cpu.live_children() if p.pid not in before]


def start_embedded(workers: int) -> Cluster:
    """A LocalCluster of ``workers`` single-threaded worker processes, all connected."""
    before = {p.pid for p in cpu.live_children()}
    with _dask_config.set({"distributed.worker.multiprocessing-method": WORKER_START_METHOD}):
        local = dask.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    try:
        client = dask.Client(local, timeout=CONNECT_TIMEOUT_S)
        client.wait_for_workers(workers, timeout=WORKERS_TIMEOUT_S)
    except KeyboardInterrupt:
        kill_now(_new_children(before))
        raise
    except BaseException:
        local.close()
        kill_now(_new_children(before))
        raise
    return Cluster(client, local, _new_children(before))


def connect(address: str) -> Cluster:
    """A client of the scheduler at ``address``, with at least one worker that can run our tasks."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    client = _client_within(address, CONNECT_TIMEOUT_S)
    cluster = Cluster(client, None)
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        missing = client.run(_missing_modules)
    except (OSError, TimeoutError) as exc:
        cluster.close()
        raise ClusterError(
            f"the scheduler at {address} has no worker ({exc.__class__.__name__}): start one "
            "with `dask worker ADDRESS --nthreads 1`"
        ) from None
    broken = {w: m for w, m in missing.items() if m}
    if broken:
        cluster.close()
        worker, modules = next(iter(broken.items()))
        raise ClusterError(
            f"worker {worker} cannot import {', '.join(modules)}: install mpbench on every "
            "worker (pip install -e .) or start `dask worker` with PYTHONPATH set to the checkout"
        )
    return cluster


def _client_within(address: str, timeout_s: float) -> Any:
    """``Client(address)``, or :class:`ClusterError` after ``timeout_s`` (+ a little slack).

    dask's own ``timeout`` does not cover a listener that accepts the TCP connection and
    never speaks (the handshake waits for ever), so the client starts in a daemon thread that
    is abandoned when it does not answer in time.
    """
    box: list[Any] = []

    def start() -> None:
        try:
            box.append(dask.Client(address, timeout=timeout_s))
        except BaseException as exc:  # handed to the caller below
            box.append(exc)

    thread = threading.Thread(target=start, name="mpbench dask connect", daemon=True)
    thread.start()
    thread.join(timeout_s + CONNECT_SLACK_S)
    if not box or isinstance(box[0], BaseException):
        why = f"{type(box[0]).__name__}" if box else "no dask greeting"
        raise ClusterError(
            f"cannot connect to a dask scheduler at {address} within {timeout_s:g} s ({why}): "
            "is it a dask scheduler, and reachable from here?"
        )
    return box[0]


def verify(address: str) -> None:
    """Raise :class:`ClusterError` unless ``address`` is a dask scheduler with usable workers."""
    connect(address).close()


def _missing_modules() -> list[str]:
    import importlib

    missing = []
    for name in WORKER_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


# Embedded clusters kept for the next benchmark's same block: (workers, block) -> cluster. A block
# is still a fresh cluster of its own, and benchmarks share it: starting and closing one costs
# 1-3 s, and 45 starts made this subject half of a standard run. Only one size is kept at a
# time (a 64-core machine must not hold three 128-worker clusters idle).
_KEPT: dict[tuple[int, int], Cluster] = {}


def _healthy(cluster: Cluster, workers: int) -> bool:
    try:
        alive = all(p.is_running() for p in cluster.processes)
        return alive and len(cluster.worker_addresses()) == workers
    except Exception:  # a broken client: start afresh
        return False


def _take(workers: int, block: int | None) -> Cluster:
    """The kept cluster of this size and block if it is whole; else a new one."""
    for key in [k for k in _KEPT if k[0] != workers]:  # another size: its time is over
        _release(_KEPT.pop(key)).close()
    kept = _KEPT.pop((workers, block), None) if block is not None else None
    if kept is not None:
        if _healthy(_release(kept), workers):
            return kept
        kept.close()
    return start_embedded(workers)


def _release(cluster: Cluster) -> Cluster:
    cpu.unkeep(p.pid for p in cluster.processes)
    return cluster


def close_kept() -> None:
    """Close every kept cluster (the subject is over, or the run is stopping)."""
    while _KEPT:
        _release(_KEPT.popitem()[1]).close()


@contextlib.contextmanager
def opened(address: str | None, workers: int, block: int | None = None) -> Iterator[Cluster]:
    """The cluster for one benchmark body, closed afterwards (also on failure or Ctrl-C).

    With ``block``, an embedded cluster that served the body well is kept for the next
    benchmark's same block instead (:func:`close_kept` ends them); one that failed is closed.
    """
    cluster = connect(address) if address else _take(workers, block)
    try:
        yield cluster
    except KeyboardInterrupt:  # the run is stopping: its result must be saved within seconds
        cluster.kill()
        while _KEPT:
            _release(_KEPT.popitem()[1]).kill()
        raise
    except BaseException:
        cluster.close()
        raise
    else:
        if address or block is None:
            cluster.close()
        else:
            if not _KEPT:
                atexit.register(close_kept)  # whatever ends the run, nothing outlives it
            cpu.keep(p.pid for p in cluster.processes)
            _KEPT[(workers, block)] = cluster
