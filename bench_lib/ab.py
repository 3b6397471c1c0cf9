"""`mpbench ab`: two interpreters (or two settings) measured alternately, in the same minutes.

Two runs made minutes apart differ by the machine's drift; an A/B made of interleaved blocks
lets drift hit both sides alike (DESIGN.md, statistics). Each block is one `mpbench run` of one
side with one block per benchmark, in the order A B, B A, A B, ... (so a steady drift cancels);
each side's runs are then joined into one result file whose blocks are those runs, and the two
files are compared at the block level.

A side is an interpreter path or a command line that runs one (``"taskset -c 0
.venv/bin/python"``); mpbench must be importable there (install this checkout into that
interpreter's venv with ``pip install -e .``).
"""

from __future__ import annotations

import shlex
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_lib import records, results, runner

DEFAULT_BLOCKS = 4  # per side; see README for what an A/A needed on the reference machine


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


def block_order(blocks: int) -> list[int]:
    """Side indexes in run order: 0 1, 1 0, 0 1, ... (ABBA): a linear drift hits both alike."""
    return [i if k % 2 == 0 else 1 - i for k in range(blocks) for i in (0, 1)]


def run_block(side: Side, run_args: list[str], out: Path, repo: Path) -> dict[str, Any]:
    """One `mpbench run` of one side with one block per benchmark; its result file, loaded."""
    folder = out / f"{side.name}-{len(list(out.glob(side.name + '-*')))}"
    cmd = [*side.command, "-m", "bench_lib.cli", "run", *run_args, "--blocks", "1"]
    cmd += ["--output", str(folder), "--no-report", "--label", f"ab-{side.name}"]
    outcome = runner.run_supervised(cmd, repo)
    files = sorted(folder.glob("*/*.json"))
    if outcome.interrupted:
        raise KeyboardInterrupt
    if not files:
        raise AbError(
            f"side {side.name.upper()} ({shlex.join(side.command)}) saved no result "
            f"(exit {outcome.exit_code}); is mpbench installed for that interpreter?"
        )
    return results.load(files[0])


def run_ab(
    sides: tuple[Side, Side],
    run_args: list[str],
    blocks: int,
    repo: Path,
    progress: Callable[[str], None] = print,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run both sides alternately, ``blocks`` runs each; return each side's joined result."""
    from bench_lib import merge  # pytest-benchmark's statistics: only once there is a run

    runs: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    with tempfile.TemporaryDirectory(prefix="mpbench-ab-") as tmp:
        for k, i in enumerate(block_order(blocks)):
            side = sides[i]
            progress(f"mpbench ab: block {k // 2 + 1}/{blocks}, side {side.name.upper()}")
            runs[i].append(run_block(side, run_args, Path(tmp), repo))
    pairing = uuid.uuid4().hex[:12]  # both files: run k of A was made next to run k of B
    return (
        merge.merge_runs(runs[0], f"ab-{sides[0].name}", interleave(pairing, sides[0], blocks)),
        merge.merge_runs(runs[1], f"ab-{sides[1].name}", interleave(pairing, sides[1], blocks)),
    )


def interleave(pairing: str, side: Side, blocks: int) -> dict[str, Any]:
    return {"id": pairing, "side": side.name, "runs": blocks}


def save(data: dict[str, Any], out_root: Path, label: str) -> Path:
    machine = records.Machine.of(data).machine_id
    data["mpbench"]["label"] = label
    return results.write_atomic(results.result_path(out_root, machine, label), data)
