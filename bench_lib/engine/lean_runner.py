"""Starting a lean measuring process for one block of rounds, with a deadline on every wait.

The parent side of :mod:`bench_lib.engine.lean_worker`: it sends the job, reads the rounds' lines,
and kills the process if they are late (a hung round, a dead child, a stuck setup), so no wait
on the measuring process is unbounded. Nothing here is timed: the rounds are timed in the lean
process, and only their durations travel back.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Interpreter start, imports and the job's own preparation (touching GiBs of parent memory for
# fork_memory takes seconds) must fit in this, on top of the round's own timeout.
START_GRACE_S = 60.0
WORKER_COMMAND = "from bench_lib.engine.lean_worker import main; main()"


@dataclass(frozen=True)
class LeanJob:
    """A round a stdlib-only module prepares: ``module.prepare(case, **params)``."""

    module: str  # e.g. "bench_lib.subjects.spawn.ops"
    case: str  # e.g. "process_start"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Block:
    """One fresh measuring process's measured rounds."""

    rounds_s: list[float]  # wall time of each measured round, timed in the lean process
    samples: list[Any]  # what each round's target returned (phases, counts), JSON-decoded
    state: dict[str, Any]  # the lean process: pid, rss_bytes, mappings, heavy_modules, affinity
    paired_s: list[float] = field(default_factory=list)  # the paired job's rounds, alternated


class BlockFailed(RuntimeError):
    """The measuring process died, hung or said something that is not the protocol."""


def _lines(proc: subprocess.Popen[bytes], first_s: float, each_s: float) -> Any:
    """Yield stdout lines; raise :class:`BlockFailed` when the next one is late."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buffer = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + first_s
        while True:
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line
                deadline = time.monotonic() + each_s
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise BlockFailed(
                    f"the measuring process sent nothing for {each_s:.0f} s: a round hung"
                )
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buffer += chunk


def run_block(
    job: LeanJob,
    warmup: int,
    rounds: int,
    round_timeout_s: float,
    paired: LeanJob | None = None,
    turn: Callable[[], None] | None = None,
) -> Block:
    """Run ``warmup`` + ``rounds`` rounds of ``job`` in a new lean process; keep the measured.

    With ``paired``, the process prepares that job too and times one of its rounds beside each
    of ``job``'s (A B B A ...), so a floor or baseline shares the figure's seconds. With
    ``turn`` (`mpbench ab`), ``turn()`` is called before each round and the round starts when
    it returns (:mod:`bench_lib.engine.turnstile`).
    """
    spec: dict[str, Any] = {
        "module": job.module,
        "case": job.case,
        "params": job.params,
        "warmup": warmup,
        "rounds": rounds,
        "round_timeout_s": round_timeout_s,
    }
    if paired is not None:
        spec["paired"] = {"module": paired.module, "case": paired.case, "params": paired.params}
    if turn is not None:
        spec["turns"] = True
    with tempfile.TemporaryFile() as stderr:  # a file: a chatty child never blocks on a pipe
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_COMMAND],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        return _collect(proc, spec, stderr, turn)


def _collect(
    proc: subprocess.Popen[bytes],
    spec: dict[str, Any],
    stderr: Any,
    turn: Callable[[], None] | None = None,
) -> Block:
    warmup, rounds, round_timeout_s = spec["warmup"], spec["rounds"], spec["round_timeout_s"]
    rounds_s: list[float] = []
    paired_s: list[float] = []
    samples: list[Any] = []
    state: dict[str, Any] = {}
    try:
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(spec).encode() + b"\n")
        # the lines come at the end; each round is bounded in the worker itself (SIGALRM), so
        # this is the backstop for a worker that cannot be interrupted
        first = START_GRACE_S + round_timeout_s * (warmup + rounds) * (2 if "paired" in spec else 1)
        lines = _lines(proc, first, START_GRACE_S)
        if turn is not None:
            for _ in range(warmup + rounds):
                turn()
                proc.stdin.write(b"go\n")
                proc.stdin.flush()
                if next(lines, b"") != b"done":
                    raise BlockFailed("the measuring process ended a round without saying so")
        proc.stdin.close()
        for line in lines:
            message = json.loads(line)
            if "state" in message:
                state = message["state"]
            else:
                rounds_s.append(float(message["round_s"]))
                samples.append(message.get("sample"))
                if "paired_s" in message:
                    paired_s.append(float(message["paired_s"]))
        proc.wait(timeout=START_GRACE_S)
    except (BlockFailed, subprocess.TimeoutExpired, ValueError, KeyError) as exc:
        raise BlockFailed(f"{exc}; {_stderr_tail(proc, stderr)}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if "paired" in spec and len(paired_s) != len(rounds_s):
        raise BlockFailed(f"{len(paired_s)} paired rounds for {len(rounds_s)} rounds")
    if proc.returncode != 0 or not state or len(rounds_s) != rounds:
        raise BlockFailed(
            f"the measuring process exited with {proc.returncode} after {len(rounds_s)} of "
            f"{rounds} rounds: {_stderr_tail(proc, stderr)}"
        )
    return Block(rounds_s, samples, state, paired_s)


def _stderr_tail(proc: subprocess.Popen[bytes], stderr: Any) -> str:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    stderr.seek(0)
    text = stderr.read().decode(errors="replace").strip().splitlines()
    return text[-1] if text else "(it said nothing)"
