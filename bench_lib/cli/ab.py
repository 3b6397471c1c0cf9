"""`mpbench ab`: two interpreters (or two settings) measured round by round, in the same seconds.

Two runs made minutes apart differ by the machine's drift, and even two blocks side by side
differ by the machine's speed states (``tools/noise_floor.py`` measures by how much).
So each block is one `mpbench run` of **both sides at once**, taking turns (:mod:`bench_lib.
turnstile`): they run the same benchmarks in the same order, and in each one their rounds
alternate, A B A B, each side's setup inside its own turns, so that nothing of one side runs
while the other measures. The side that goes first alternates between benchmarks and blocks.
Each side's runs are then joined into one result file whose blocks are those runs, and the two
files are compared block by block (run k of A was made with run k of B).

A side is an interpreter path or a command line that runs one (``"taskset -c 0
.venv/bin/python"``); mpbench must be importable there (install this checkout into that
interpreter's venv with ``pip install -e .``).
"""

from __future__ import annotations

import os
import shlex
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_lib.engine import turnstile
from bench_lib.plugin.selection import NODES_ENV
from bench_lib.results import files as results
from bench_lib.results import records
from bench_lib.supervision import runner

START_TIMEOUT_S = 120.0  # a side's pytest collects within this, or the other starts anyway
DEFAULT_BLOCKS = 30  # per side, at most: the budget or the benchmarks' settling ends it first
DEFAULT_BUDGET_S = 360.0  # six minutes: the bound for an A/A of spawn, locks, pool
# and gil (docs/statistics.md says how far that gets); every subject takes longer


class AbError(Exception):
    """A side could not run (no interpreter, mpbench not importable, nothing saved)."""


@dataclass(frozen=True)
class Side:
    name: str  # "a" or "b"
    command: list[str]  # the interpreter command line, split

    @classmethod
    def parse(cls, name: str, text: str) -> Side:
        words = shlex.split(text)
        if not words:
            raise AbError(f"side {name.upper()} is empty: give an interpreter or a command line")
        return cls(name, words)


def _block_command(side: Side, run_args: list[str], folder: Path) -> list[str]:
    cmd = [*side.command, "-m", "bench_lib.cli", "run", *run_args, "--blocks", "1"]
    return [*cmd, "--output", str(folder), "--no-report", "--label", f"ab-{side.name}"]


@dataclass(frozen=True)
class Block:
    """One block of both sides: their result files, and how many benchmarks the two ran in
    turns (a benchmark only one side has runs alone)."""

    a: dict[str, Any]
    b: dict[str, Any]
    shared_benchmarks: int


def run_block(
    sides: tuple[Side, Side],
    run_args: list[str],
    out: Path,
    repo: Path,
    k: int,
    nodes: set[str] | None = None,
) -> Block:
    """Block ``k``: one `mpbench run` of each side with one block per benchmark, both at once,
    taking turns round by round; their result files, loaded. ``nodes``: only these benchmarks
    (the ones still open), else all."""
    env = dict(os.environ)
    if nodes is not None:
        listed = out / f"nodes-{k}.txt"
        listed.write_text("".join(f"{n}\n" for n in sorted(nodes)))
        env[NODES_ENV] = str(listed)
    baton = turnstile.Baton(str(out / f"baton-{k}.sock"))
    baton.start("a" if k % 2 == 0 else "b")  # A B, then B A: a steady drift cancels
    folders = [out / f"{side.name}-{k}" for side in sides]
    jobs = [
        runner.Job(
            _block_command(side, run_args, folder),
            {**env, turnstile.ENV: baton.path, turnstile.ENV + "_SIDE": side.name},
            out / f"{side.name}-{k}.log",
        )
        for side, folder in zip(sides, folders)
    ]
    try:
        outcomes = runner.run_supervised_together(
            jobs,
            repo,
            exited=lambda i: baton.gone(sides[i].name),
            started=lambda i, alive: baton.wait_planned(sides[i].name, alive, START_TIMEOUT_S),
        )
    finally:
        baton.close()
    if any(o.interrupted for o in outcomes):
        raise KeyboardInterrupt
    loaded = []
    for side, folder, job, outcome in zip(sides, folders, jobs, outcomes):
        files = sorted(folder.glob("*/*.json"))
        if not files:
            tail = job.log.read_text(errors="replace").strip().splitlines()[-5:]
            raise AbError(
                f"side {side.name.upper()} ({shlex.join(side.command)}) saved no result "
                f"(exit {outcome.exit_code}); is mpbench installed for that interpreter?"
                + "".join(f"\n  | {line}" for line in tail)
            )
        loaded.append(results.load(files[0]))
    return Block(loaded[0], loaded[1], baton.paired_items)


def run_ab(
    sides: tuple[Side, Side],
    run_args: list[str],
    blocks: int,
    repo: Path,
    progress: Callable[[str], None] = print,
    budget_s: float = DEFAULT_BUDGET_S,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run both sides together, block by block, at most ``blocks`` each; from block
    FIRST_LOOK_BLOCKS on, only the benchmarks whose interval is still open run again, until
    none is or the next block would overrun ``budget_s``. Each side's joined result."""
    from bench_lib.cli import ab_stop
    from bench_lib.stats.sequential import FIRST_LOOK_BLOCKS

    made: list[Block] = []
    ab_id = uuid.uuid4().hex[:12]  # both files: run k of A was made with run k of B
    open_nodes: set[str] | None = None  # None: every benchmark
    started = time.monotonic()
    next_s = 0.0  # what the next block is expected to take
    with tempfile.TemporaryDirectory(prefix="mpbench-ab-") as tmp:
        for k in range(blocks):
            if made and time.monotonic() - started + next_s > budget_s:
                progress(f"mpbench ab: budget {budget_s:.0f} s reached after {k} blocks")
                break
            which = "every benchmark" if open_nodes is None else f"{len(open_nodes)} open"
            progress(
                f"mpbench ab: block {k + 1}/{blocks}, A and B taking turns round by round ({which})"
            )
            t0 = time.monotonic()
            block = run_block(sides, run_args, Path(tmp), repo, k, open_nodes)
            made.append(block)
            ran = len(block.a.get("benchmarks", [])) or 1
            progress(f"  {block.shared_benchmarks} benchmarks in turns; {_outcome(block)}")
            if k + 1 >= FIRST_LOOK_BLOCKS:
                open_nodes = ab_stop.open_benchmarks(*_joined(sides, made, ab_id))
                progress(f"  {len(open_nodes)} benchmark(s) still open")
                if not open_nodes:
                    break
            share = len(open_nodes) / ran if open_nodes is not None else 1.0
            next_s = (time.monotonic() - t0) * min(1.0, share)
    return _joined(sides, made, ab_id)


def _joined(
    sides: tuple[Side, Side], made: list[Block], ab_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each side's blocks so far joined into one result file whose blocks are those runs."""
    from bench_lib.cli import merge  # pytest-benchmark's statistics: only once there is a run

    record = {
        "id": ab_id,
        "runs": len(made),
        "turns": "round",
        "shared_benchmarks": [b.shared_benchmarks for b in made],
    }
    return (
        merge.merge_runs([b.a for b in made], f"ab-{sides[0].name}", {**record, "side": "a"}),
        merge.merge_runs([b.b for b in made], f"ab-{sides[1].name}", {**record, "side": "b"}),
    )


def _outcome(block: Block) -> str:
    """Each side's passes and failures in one block (the sides' own output goes to a log)."""
    parts = []
    for name, data in (("A", block.a), ("B", block.b)):
        log = records.RunLog.of(data)
        failed = [f.get("test", "?") for f in log.failures]
        parts.append(
            f"{name} {len(data['benchmarks'])} measured"
            + (f", {len(failed)} failed: {', '.join(failed[:3])}" if failed else "")
        )
    return "; ".join(parts)


def save(data: dict[str, Any], out_root: Path, label: str) -> Path:
    machine = records.Machine.of(data).machine_id
    data["mpbench"]["label"] = label
    return results.write_atomic(results.result_path(out_root, machine, label), data)
