"""What the distributed subject times: dask task round trips, batches, and data movement.

Each operation returns what it got back, so the benchmark checks every round (principle 4):
results of no-op and CPU-bound tasks against a serial run, transferred bytes by length and
CRC-32. Keys are never reused (``pure=False``, ``hash=False``): dask would otherwise answer a
repeated task or scatter from memory without doing the work.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

from bench_lib.subjects.distributed import workloads as dw
from bench_lib.subjects.distributed.cluster import Cluster, dask
from bench_lib.workers import workloads

Job = tuple[int, int]  # (seed, iterations) of workloads.spin, as in bench_lib.pools
DASK_APIS = ("dask_submit", "dask_map")
POOL_APIS = ("pool_apply", "pool_apply_async", "executor_submit")  # bench_lib.pools names
ROUND_TRIP_APIS = ("dask_submit", "pool_apply")  # one task at a time: a full round trip each


def submit_each(cluster: Cluster, jobs: Sequence[Job], workers: list[str]) -> list[int]:
    """``client.submit`` one task and wait for its result, then the next: round trips."""
    c = cluster.client
    return [
        int(c.submit(workloads.spin, s, i, pure=False, workers=workers).result()) for s, i in jobs
    ]


def map_all(cluster: Cluster, jobs: Sequence[Job], workers: list[str]) -> list[int]:
    """``client.map`` every task at once and gather the results (in job order)."""
    c = cluster.client
    seeds, iterations = [s for s, _ in jobs], [i for _, i in jobs]
    futures = c.map(workloads.spin, seeds, iterations, pure=False, workers=workers)
    return [int(r) for r in c.gather(futures)]


def scatter_gather(cluster: Cluster, data: bytes, worker: str) -> bytes:
    """Send ``data`` to one worker with ``scatter`` and fetch it back with ``gather``."""
    c = cluster.client
    future = c.scatter(data, workers=[worker], hash=False)
    back: bytes = c.gather(future)
    future.release()
    return back


@dataclass
class Produced:
    """A payload made on the source worker (off the clock), waiting to be moved."""

    future: Any  # distributed.Future on the source worker
    expected: tuple[int, int]  # digest of the payload


def produce(cluster: Cluster, size: int, seed: int, worker: str) -> Produced:
    c = cluster.client
    future = c.submit(dw.payload, size, seed, pure=False, workers=[worker])
    dask.wait(future)
    return Produced(future, dw.digest(dw.payload(size, seed)))


def consume_on(cluster: Cluster, produced: Produced, worker: str) -> tuple[int, int]:
    """A task on ``worker`` that needs the payload: dask moves it worker to worker."""
    c = cluster.client
    future = c.submit(
        dw.digest, produced.future, pure=False, workers=[worker], allow_other_workers=False
    )
    result = future.result()
    future.release()
    produced.future.release()
    return int(result[0]), int(result[1])


@dataclass
class EchoPeer:
    """A child that sends back what it gets, over a Pipe or through shared memory."""

    mode: str  # "pipe" or "shm"
    size: int
    conn: Any
    process: Any
    shm: shared_memory.SharedMemory | None = None

    def round_trip(self, data: bytes) -> bytes:
        if self.shm is None:
            self.conn.send_bytes(data)
            back: bytes = self.conn.recv_bytes()
            return back
        n, buf = len(data), dw.buffer(self.shm)
        buf[:n] = data
        self.conn.send_bytes(n.to_bytes(8, "little"))
        self.conn.recv_bytes()
        return bytes(buf[:n])

    def close(self) -> None:
        try:
            if self.shm is None:
                self.conn.send_bytes(b"")
            else:
                self.conn.send_bytes((0).to_bytes(8, "little"))
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        if self.shm is not None:
            self.shm.close()
            self.shm.unlink()


def open_echo(mode: str, size: int, start: str) -> EchoPeer:
    """Start the echo child for ``mode`` (``pipe`` or ``shm``) with start method ``start``."""
    ctx: Any = multiprocessing.get_context(start)
    mine, theirs = ctx.Pipe()
    if mode == "pipe":
        proc = ctx.Process(target=dw.pipe_echo, args=(theirs,), daemon=True)
        proc.start()
        theirs.close()
        return EchoPeer(mode, size, mine, proc)
    if mode != "shm":
        raise ValueError(f"unknown echo mode {mode!r}; choose pipe or shm")
    shm = shared_memory.SharedMemory(create=True, size=max(1, size))
    proc = ctx.Process(target=dw.shm_echo, args=(shm.name, theirs), daemon=True)
    proc.start()
    theirs.close()
    return EchoPeer(mode, size, mine, proc, shm)
