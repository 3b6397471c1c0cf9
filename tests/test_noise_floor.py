"""tools/noise_floor.py: how far apart two blocks of the same work come out on this machine."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tools" / "noise_floor.py"


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("noise_floor", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pair_sd_is_zero_for_a_steady_machine_and_sees_a_two_speed_one() -> None:
    tool = _tool()
    starts = [i * 0.01 for i in range(3000)]  # 30 s of 10 ms steps
    steady = [0.01] * 3000
    assert tool.pair_sd(starts, steady, 1.0, 1.2, "median")[0] == 0.0
    # 2 s fast, 2 s at 1.8x: blocks 1.2 s apart often sit in different states
    flipping = [0.01 * (1.8 if int(t / 2) % 2 else 1.0) for t in starts]
    sd, pairs = tool.pair_sd(starts, flipping, 1.0, 1.2, "mean")
    assert pairs > 40 and 0.1 < sd < math.log(1.8)


def test_it_runs_alone_and_prints_a_row_per_block_pair_and_statistic() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", str(TOOL), "2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "bench_lib" not in out.stderr  # an independent check imports nothing of mpbench
    rows = [line for line in out.stdout.splitlines() if "side by side" in line]
    assert {line.split()[-3] for line in rows} == {"median", "mean"}
    assert all(int(line.split()[-1]) >= 1 for line in rows)
