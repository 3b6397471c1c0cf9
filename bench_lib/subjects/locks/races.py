"""What goes wrong without a lock: lost updates and torn lines, counted.

``v.value += 1`` on a ``Value(lock=False)`` is a read then a write; two processes
that read the same value both write value + 1, and one increment is lost. A line
written in several ``write()`` calls can have another process's piece land in its
middle: the classic "ten processes print under a lock" example, made measurable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench_lib.subjects.locks import crew
from bench_lib.workers import workloads

CLASSIC_WRITERS = 10  # the multiprocessing docs' example: ten processes printing
LINE_BYTES = 120  # long enough to split into several writes, short enough to write many
PIECES_PER_LINE = 4  # write() calls per line: each is atomic on O_APPEND, the line is not


@dataclass(frozen=True)
class LostUpdates:
    """One round of increments from several workers on one shared value."""

    expected: int  # increments the workers report doing
    final: int  # the shared value at the end

    @property
    def lost(self) -> int:
        return self.expected - self.final

    @property
    def error(self) -> str | None:
        if self.final > self.expected:
            return f"value {self.final} exceeds the {self.expected} increments done"
        return None


def increment_crew(
    ctx: Any, value: Any, workers: int, times: int, locked: bool
) -> crew.ProcessCrew:
    """Workers that each add 1 to ``value`` ``times`` times per round, with or without its lock."""
    return crew.ProcessCrew(ctx, [(workloads.increment, (value, times, locked))] * workers)


def increment_round(team: crew.ProcessCrew, value: Any) -> LostUpdates:
    """On the clock: one round of increments; ``value`` must be zeroed before (off the clock)."""
    done = team.run_round()
    return LostUpdates(expected=sum(done), final=int(value.value))


@dataclass(frozen=True)
class TornLines:
    """What a file written by several writers holds, line by line."""

    lines: int  # newline-terminated lines found
    intact: int  # lines that are exactly one writer's line
    torn: int  # lines with another writer's piece inside (or a piece missing)
    missing: int  # expected lines not found intact (a torn line hides up to two)
    bytes_ok: bool  # the file holds the bytes written (as a multiset): none lost or doubled


@functools.cache
def expected_lines(writers: int, lines: int, line_bytes: int) -> frozenset[bytes]:
    return frozenset(
        workloads.line_for(w, seq, line_bytes) for w in range(writers) for seq in range(lines)
    )


def _byte_histogram(data: bytes) -> tuple[int, ...]:
    return tuple(np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256).tolist())


@functools.cache
def _expected_histogram(writers: int, lines: int, line_bytes: int) -> tuple[int, ...]:
    return _byte_histogram(b"".join(expected_lines(writers, lines, line_bytes)))


def count_torn(data: bytes, writers: int, lines: int, line_bytes: int) -> TornLines:
    """Sort the file's lines into intact (exactly an expected line, once) and torn."""
    expected = expected_lines(writers, lines, line_bytes)
    found = data.split(b"\n")
    if found and found[-1] == b"":
        found.pop()
    seen: set[bytes] = set()
    intact = 0
    for raw in found:
        line = raw + b"\n"
        if line in expected and line not in seen:
            seen.add(line)
            intact += 1
    same_bytes = _byte_histogram(data) == _expected_histogram(writers, lines, line_bytes)
    return TornLines(
        lines=len(found),
        intact=intact,
        torn=len(found) - intact,
        missing=len(expected) - intact,
        bytes_ok=same_bytes,
    )


def writer_crew(
    ctx: Any, path: str, lock: Any | None, writers: int, lines: int
) -> crew.ProcessCrew:
    """``writers`` processes that each append ``lines`` lines to ``path`` per round."""
    jobs: list[crew.Job] = [
        (workloads.write_lines, (path, lock, w, lines, LINE_BYTES, PIECES_PER_LINE))
        for w in range(writers)
    ]
    return crew.ProcessCrew(ctx, jobs)


def empty_file(path: str) -> None:
    """Off the clock: create or truncate the shared file."""
    with open(path, "wb"):
        pass


def read_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()
