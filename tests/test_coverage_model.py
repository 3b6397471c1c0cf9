"""tools/coverage_model.py: on a seeded model of the two-speed VM, the real statistics code
gives intervals that hold at their nominal rate and comparisons that call the same code same.

These are statistical targets on a model (a seeded simulation: the same numbers every time),
not timing thresholds: the model replays a machine whose speed state (1.6x apart) is drawn
afresh after each round with probability 1/dwell, through the functions the engine, compare
and ab call.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bench_lib.engine.profiles import PROFILES

TOOL = Path(__file__).resolve().parents[1] / "tools" / "coverage_model.py"
STANDARD_BLOCKS = PROFILES["standard"].blocks
SUITE = 100  # benchmarks a pass: about half the standard suite, so a pass spans many dwells
COVERAGE_OF_NOMINAL = 0.93  # the target


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coverage_model", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["coverage_model"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _hold_rates(model: ModuleType, dwell: float, passes: bool) -> float:
    machine = model.Machine(dwell, random.Random(f"hold-{dwell}"))
    previous = model.run(machine, SUITE, STANDARD_BLOCKS, model.ROUNDS_PER_BLOCK, passes)
    held: list[bool] = []
    for _ in range(6):
        now = model.run(machine, SUITE, STANDARD_BLOCKS, model.ROUNDS_PER_BLOCK, passes)
        held += model.holds(previous, now)
        previous = now
    return sum(held) / len(held)


@pytest.mark.parametrize("dwell", [1, 10, 30, 100])
def test_standard_intervals_hold_the_next_runs_figure_at_their_nominal_rate(dwell: int) -> None:
    model = _tool()
    nominal = model.nominal_hold(STANDARD_BLOCKS)
    assert 0.85 < nominal < 0.92  # P(|t3| < t_0.975,3 / sqrt 2): two draws, exact intervals
    assert _hold_rates(model, dwell, passes=True) >= COVERAGE_OF_NOMINAL * nominal


def test_blocks_back_to_back_miss_the_drift_the_model_has() -> None:
    """The model has teeth: the same interval from blocks made back to back (as before
    passes) holds far less often once the speed state outlasts a benchmark's blocks."""
    model = _tool()
    nominal = model.nominal_hold(STANDARD_BLOCKS)
    assert _hold_rates(model, 100, passes=False) < 0.7 * nominal


@pytest.mark.parametrize("dwell", [10, 100])
def test_compare_of_two_runs_of_the_same_code_rarely_calls_a_change(dwell: int) -> None:
    model = _tool()
    machine = model.Machine(dwell, random.Random(f"compare-{dwell}"))
    runs = [model.run(machine, SUITE, STANDARD_BLOCKS, model.ROUNDS_PER_BLOCK, True)]
    outcomes = []
    for _ in range(3):
        runs.append(model.run(machine, SUITE, STANDARD_BLOCKS, model.ROUNDS_PER_BLOCK, True))
        outcomes.append(model.compare_aa(runs[-2], runs[-1]))
    changed = sum(o.changed for o in outcomes) / sum(o.figures for o in outcomes)
    assert changed <= 0.02  # the target: at most 2% of figures
    assert all(o.geomean_holds_1 is not None for o in outcomes)


@pytest.mark.parametrize("dwell", [10, 100])
def test_ab_of_one_side_against_itself_settles_same_and_never_changed(dwell: int) -> None:
    model = _tool()
    outcome, spent = model.ab_aa(model.Machine(dwell, random.Random(f"ab-{dwell}")), 20)
    assert outcome.changed == 0
    assert outcome.same >= 0.9 * outcome.figures  # the target: 90% "same"
    assert spent < model.MAX_AB_BLOCKS * 20  # benchmarks stopped once settled
