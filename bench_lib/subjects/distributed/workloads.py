"""Child-side tasks of the distributed subject: what dask workers and echo children run.

Stdlib only: dask workers (and the Pipe / shared-memory echo children) import this module,
so it must stay as lean as :mod:`bench_lib.workers.workloads` (docs/design.md, principle 1).
The no-op task and the CPU-bound task are :func:`bench_lib.workers.workloads.spin`, shared with the
pool subject.
"""

from __future__ import annotations

import zlib
from multiprocessing import shared_memory
from typing import Any

PAYLOAD_BLOCK = 4096  # the payload repeats one seeded block: cheap to build, seed-dependent


def payload(size: int, seed: int) -> bytes:
    """``size`` bytes that depend on ``seed`` (a transfer that mixes up payloads is caught)."""
    block = bytes((seed * 31 + i * 7) & 0xFF for i in range(PAYLOAD_BLOCK))
    reps, rest = divmod(size, PAYLOAD_BLOCK)
    return block * reps + block[:rest]


def digest(data: bytes) -> tuple[int, int]:
    """(length, CRC-32) of a payload: what a consumer returns instead of the bytes."""
    return len(data), zlib.crc32(data)


def buffer(shm: shared_memory.SharedMemory) -> memoryview:
    """The segment's bytes (typeshed says the buffer may be None once closed)."""
    buf = shm.buf
    if buf is None:
        raise ValueError(f"shared memory {shm.name} is closed")
    return buf


def pipe_echo(conn: Any) -> None:
    """Send every bytes message back until an empty one arrives (the Pipe reference)."""
    while True:
        data = conn.recv_bytes()
        if not data:
            return
        conn.send_bytes(data)


def shm_echo(name: str, conn: Any) -> None:
    """Shared-memory reference: on each signal copy the segment out and back in, then answer.

    A round is the parent writing ``n`` bytes in, this copy out and back (what a receiver that
    keeps the data and replies with it does), and the parent copying them out.
    """
    shm = shared_memory.SharedMemory(name=name)
    try:
        while True:
            n = int.from_bytes(conn.recv_bytes(), "little")
            if n == 0:
                return
            buf = buffer(shm)
            kept = bytes(buf[:n])
            buf[:n] = kept
            conn.send_bytes(b"1")
    finally:
        shm.close()
