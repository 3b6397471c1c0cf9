"""Every measured round of every figure, per block, as seconds per operation: what exports
hand to other tools (pyperf, csv), which know nothing of mpbench's figures.

A figure divides a round's time by the work the round did (``per_round``): a ``time`` figure
is that quotient, a ``rate`` its inverse. Seconds per operation is the one direction-free
value both kinds share and that tools built for timings (pyperf) read as they are: lower is
faster. The blocks are kept apart (``info.block_rounds``): each is a fresh set of processes,
the level at which mpbench's rounds are independent (docs/design.md, principle 15).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bench_lib.results.records import Benchmark, FigureRecord, Run


@dataclass(frozen=True)
class FigureRounds:
    """One figure of one benchmark with the rounds behind it, block by block."""

    bench: Benchmark
    figure: FigureRecord
    blocks_s: tuple[tuple[float, ...], ...]  # each block's round times, as measured

    @property
    def work(self) -> float:
        """Operations (or bytes) one round did: what a round's time is divided by."""
        return self.figure.work

    @property
    def name(self) -> str:
        """``spawn/test_process_start[start=fork] start+join``: the benchmark's pytest id
        under its subject, then the figure; unique in a run (duplicates are left out)."""
        return f"{self.bench.subject}/{self.bench.name} {self.figure.name}"

    def per_op_s(self, round_s: float) -> float:
        return round_s / self.work

    def figure_value(self, round_s: float) -> float | None:
        """The round as the figure reads it, in its unit; None for a rate of a 0 s round."""
        if self.figure.kind == "rate":
            return self.work / round_s if round_s > 0 else None
        return round_s / self.work

    @property
    def rounds(self) -> int:
        return sum(map(len, self.blocks_s))


def split_blocks(rounds_s: tuple[float, ...], info: Any) -> tuple[tuple[float, ...], ...]:
    """The rounds cut into their blocks by ``info.block_rounds``; one block when the file
    does not say, or says something that does not add up to the rounds it holds."""
    sizes = info.get("block_rounds") if isinstance(info, dict) else None
    valid = (
        isinstance(sizes, list)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in sizes)
        and sum(sizes) == len(rounds_s)
    )
    if not valid or not sizes:
        return (rounds_s,) if rounds_s else ()
    blocks, start = [], 0
    for n in sizes:
        blocks.append(rounds_s[start : start + n])
        start += n
    return tuple(b for b in blocks if b)


def figure_rounds(data: dict[str, Any]) -> Iterator[FigureRounds]:
    """Each benchmark once (a duplicate is skipped, as every reader does), each figure once."""
    for bench in Run.of(data).first():
        blocks = split_blocks(bench.round_times_s, bench.block.get("info"))
        seen: set[str] = set()
        for figure in bench.figures:
            if figure.name not in seen:
                seen.add(figure.name)
                yield FigureRounds(bench, figure, blocks)
