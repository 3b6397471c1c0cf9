"""pytest-benchmark's ``stats`` of an mpbench benchmark: time per operation of its first figure.

So ``pytest-benchmark compare`` and ``mpbench compare`` name the same faster side, also when the
work in a round was calibrated differently in each run (the bug: whole-round seconds ranked
the slower run first), and old files are migrated so they read the same way.
"""

from __future__ import annotations

import copy
import json
import os
import re
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO
from figure_checks import assert_figures_come_from_rounds

from bench_lib.cli import merge
from bench_lib.compare import pairs
from bench_lib.results import files as results
from bench_lib.results import per_op

NAPS = textwrap.dedent("""
    import os, time
    from bench_lib.engine.bench import Figure

    OPS = int(os.environ["NAPS_PER_ROUND"])  # the work in a round: calibrated per run
    NAP_S = float(os.environ["NAP_S"])

    def test_naps(mpbench):
        mpbench.measure(
            lambda: time.sleep(OPS * NAP_S),
            figures=[
                Figure("naps", "nap/s", "rate", per_round=OPS),
                Figure("nap", "s", "time", per_round=OPS),
            ],
        )
""")
COMMITTED = sorted((REPO / "results").glob("*/*.json"))


def run_naps(folder: Path, name: str, per_round: int, nap_s: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_naps.py").write_text(NAPS)
    out = folder / name
    env = dict(os.environ, NAPS_PER_ROUND=str(per_round), NAP_S=str(nap_s))
    cmd = [sys.executable, "-m", "pytest", "test_naps.py", "--benchmark-only", "-q"]
    cmd += ["-p", "no:cacheprovider", "--mpbench-profile=quick", "--mpbench-blocks=3"]
    proc = subprocess.run(
        [*cmd, f"--benchmark-json={out}"], cwd=folder, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def recalibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two runs: the candidate does 4x the naps a round, each half as long: per nap it is
    2x faster, per round 2x slower."""
    tmp = tmp_path_factory.mktemp("per-op")
    return run_naps(tmp, "0001_base.json", 4, 0.004), run_naps(tmp, "0002_cand.json", 16, 0.002)


def test_stats_are_seconds_per_operation_and_rounds_stay_recomputable(
    recalibrated: tuple[Path, Path],
) -> None:
    data = json.loads(recalibrated[0].read_text())
    (bench,) = data["benchmarks"]
    m = bench["extra_info"]["mpbench"]
    rate, per_nap = m["figures"]
    assert bench["stats"]["iterations"] == rate["per_round"] == 4
    rounds = per_op.round_times_s(bench)
    # pytest-benchmark's median of the per-operation rounds; the figures are the blocks' (the
    # geometric mean of their medians, checked below): the same quantity, two estimators
    assert bench["stats"]["median"] == pytest.approx(statistics.median(rounds) / 4, rel=1e-12)
    assert (rate["unit"], per_nap["unit"]) == ("nap/s", "s")
    assert len(rounds) == bench["stats"]["rounds"] == m["rounds"]
    assert min(rounds) >= 4 * 0.004  # whole rounds again: each slept four naps
    assert_figures_come_from_rounds(bench)  # every figure recomputes from data x iterations
    assert bench["group"] == "naps naps: naps"  # subject, case, first figure: same every run


def _pytest_benchmark_faster(base: Path, cand: Path) -> str:
    """Which file pytest-benchmark's own compare table marks best (1.0) on the median."""
    cmd = [sys.executable, "-m", "pytest_benchmark", "compare", str(base), str(cand)]
    proc = subprocess.run(
        [*cmd, "--columns=median", "--sort=name", "--group-by=name"],
        capture_output=True,
        text=True,
        cwd=base.parent,
    )
    assert proc.returncode == 0, proc.stderr
    best = [line for line in proc.stdout.splitlines() if re.search(r"\(1\.0\)", line)]
    assert len(best) == 1, proc.stdout
    return "candidate" if cand.stem in best[0] else "baseline"


def test_pytest_benchmark_compare_names_the_faster_side_mpbench_names(
    recalibrated: tuple[Path, Path],
) -> None:
    base, cand = recalibrated
    named = [(str(p), results.load(p)) for p in recalibrated]
    (first, *_) = pairs.build(named).pairs[0].figures
    assert first.figure == "naps" and first.verdict == "faster", first
    assert _pytest_benchmark_faster(base, cand) == "candidate"
    whole = [per_op.round_times_s(data["benchmarks"][0]) for _, data in named]
    assert min(whole[1]) > max(whole[0])  # per round the candidate is slower: stats must not be


def test_a_schema_1_file_is_migrated_to_per_operation_stats_as_it_loads(tmp_path: Path) -> None:
    raw = json.loads(COMMITTED[0].read_text())
    assert raw["mpbench"]["schema"] == 1
    loaded = results.load(COMMITTED[0])
    assert loaded["mpbench"]["schema"] == results.SCHEMA_VERSION == 2
    assert loaded["mpbench"]["migrated_from"] == 1
    scaled = 0
    for old, new in zip(raw["benchmarks"], loaded["benchmarks"]):
        m = new["extra_info"]["mpbench"]
        ops = per_op.ops_per_round(m)
        assert new["stats"]["iterations"] == ops
        assert per_op.round_times_s(new) == pytest.approx(old["stats"]["data"], rel=1e-12)
        assert new["stats"]["median"] == pytest.approx(old["stats"]["median"] / ops, rel=1e-12)
        assert new["group"] == per_op.group_name(m["subject"], m["case"], m["figures"][0]["name"])
        assert m["figures"] == old["extra_info"]["mpbench"]["figures"]  # figures unchanged
        scaled += ops != 1
    assert scaled > 0  # the file has benchmarks whose stats changed meaning
    resaved = tmp_path / "resaved.json"
    resaved.write_text(json.dumps(loaded))
    assert results.load(resaved)["benchmarks"] == loaded["benchmarks"]  # once is enough


@pytest.mark.skipif(len(COMMITTED) < 2, reason="needs the two committed reference runs")
def test_on_the_committed_runs_both_compares_name_the_same_faster_side() -> None:
    """tools/pb_agreement.py on the 3.11 and 3.13t reference runs (schema 1, migrated)."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "pb_agreement.py"), *map(str, COMMITTED[:2])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = re.search(r"(\d+) of (\d+) changes named alike", proc.stdout)
    assert found and found[1] == found[2] and int(found[2]) > 0, proc.stdout  # changes exist


def test_joined_runs_keep_per_operation_stats() -> None:
    one = {"name": "t", "fullname": "f::t", "group": None, "stats": {}}
    block = {
        "subject": "s",
        "case": "c",
        "params": {},
        "figures": [{"name": "msgs", "unit": "msg/s", "kind": "rate", "per_round": 10}],
        "info": {"block_rounds": [3]},
        "checks": {},
    }
    one["extra_info"] = {"mpbench": block}
    runs = []
    for rounds_s in ([0.1, 0.2, 0.3], [0.4, 0.5, 0.6]):
        b = copy.deepcopy(one)
        b["stats"] = per_op.stats_block(rounds_s, 10)
        runs.append({"mpbench": {"label": "x"}, "machine_info": {}, "benchmarks": [b]})
    (joined,) = merge.merge_runs(runs, "ab-a")["benchmarks"]
    assert joined["stats"]["iterations"] == 10
    assert per_op.round_times_s(joined) == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert joined["stats"]["median"] == pytest.approx(0.035)
    rates = joined["extra_info"]["mpbench"]["figures"][0]
    assert rates["median"] == pytest.approx((10 / 0.3 + 10 / 0.4) / 2)  # from whole rounds
