"""`mpbench export`: pyperf reads what it writes (one benchmark per figure, one run per block,
seconds per operation), and the csv holds every round of every figure."""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import synthetic_results as syn
from conftest import REPO
from figure_checks import expected_figure

from bench_lib.cli import main as cli
from bench_lib.results import files as results
from bench_lib.results.rounds import figure_rounds, split_blocks

pyperf = pytest.importorskip("pyperf", reason="the export tests need pyperf (the test extra)")
pd = pytest.importorskip("pandas")

COMMITTED = sorted((REPO / "results").glob("*/*.json"))


def synthetic() -> dict[str, Any]:
    """A time figure of 4 operations a round in blocks of 3 and 2 rounds, a rate figure of
    2.5 bytes a round (no whole number of inner loops), and a benchmark with a 0 s round."""
    timed = syn.bench("spawn", "process_start", 0.5, start="fork")
    timed["extra_info"]["mpbench"]["figures"][0]["per_round"] = 4
    timed["stats"]["data"] = [2.0, 2.4, 1.6, 3.0, 2.2]
    timed["extra_info"]["mpbench"]["info"] = {"block_rounds": [3, 2]}
    rate = syn.bench("ipc", "stream", 1.0, "B/s", figure="bytes", channel="pipe", size=64)
    rate["extra_info"]["mpbench"]["figures"][0]["per_round"] = 2.5
    rate["stats"]["data"] = [1.0, 0.5, 2.0]
    zero = syn.bench("locks", "contention", 1.0, workers=2)
    zero["stats"]["data"] = [0.0, 1.0]
    data = syn.run(timed, rate, zero)
    data["mpbench"]["schema"] = results.SCHEMA_VERSION
    return data


def export(tmp_path: Path, data: dict[str, Any] | Path, fmt: str, name: str) -> Path:
    source = data if isinstance(data, Path) else tmp_path / f"{name}.result.json"
    if not isinstance(data, Path):
        source.write_text(json.dumps(data))
    out = tmp_path / name
    assert cli.main(["export", "--format", fmt, str(source), "-o", str(out)]) == 0
    return out


def test_blocks_split_by_block_rounds_and_one_block_when_they_do_not_add_up() -> None:
    rounds = (1.0, 2.0, 3.0, 4.0)
    assert split_blocks(rounds, {"block_rounds": [1, 3]}) == ((1.0,), (2.0, 3.0, 4.0))
    assert split_blocks(rounds, {"block_rounds": [1, 2]}) == (rounds,)
    assert split_blocks(rounds, {}) == (rounds,)
    assert split_blocks((), {"block_rounds": []}) == ()


def test_pyperf_gets_one_benchmark_per_figure_and_one_run_per_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = pyperf.BenchmarkSuite.load(str(export(tmp_path, synthetic(), "pyperf", "s.json")))
    timed = suite.get_benchmark("spawn/test_process_start[start=fork] round")
    assert [run.values for run in timed.get_runs()] == [(0.5, 0.6, 0.4), (0.75, 0.55)]
    assert timed.get_unit() == "second" and timed.get_inner_loops() == 4
    meta = timed.get_metadata()
    assert meta["hostname"] == "synthetic" and meta["python_version"] == "3.11.7"
    assert meta["cpu_model_name"] == "Test CPU" and meta["loops"] == 1
    assert meta["mpbench_params"] == '{"start": "fork"}' and meta["mpbench_figure_unit"] == "s"
    rate = suite.get_benchmark("ipc/test_stream[channel=pipe-size=64] bytes")
    assert rate.get_values() == (0.4, 0.2, 0.8)  # seconds per byte: round / 2.5
    assert "inner_loops" not in rate.get_metadata()  # 2.5 is no whole number of loops
    assert rate.get_metadata()["mpbench_per_round"] == 2.5
    assert len(suite) == 2  # the figure with a 0 s round cannot be one: left out, saying so
    assert "left out locks/test_contention[workers=2] round: a round took 0 s" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_every_committed_result_exports_to_pyperf_figure_for_figure(
    tmp_path: Path, path: Path
) -> None:
    data = results.load(path)
    suite = pyperf.BenchmarkSuite.load(str(export(tmp_path, path, "pyperf", "r.json")))
    expected = {
        fr.name: fr for fr in figure_rounds(data) if fr.rounds and min(map(min, fr.blocks_s)) > 0
    }
    assert sorted(suite.get_benchmark_names()) == sorted(expected)
    for bench in suite:
        fr = expected[bench.get_name()]
        assert bench.get_nrun() == len(fr.blocks_s) and bench.get_nvalue() == fr.rounds
        per_op = [t / fr.work for block in fr.blocks_s for t in block]  # what pyperf holds
        sizes = [len(block) for block in fr.blocks_s]
        assert bench.median() == pytest.approx(statistics.median(per_op), rel=1e-9)
        # the figure recomputes from the exported blocks (their medians' geometric mean from 3
        # blocks on); a rate inverts the times per operation first
        own = per_op if fr.figure.kind == "time" else [1 / t for t in per_op]
        method = str(fr.figure.fields.get("interval", "pooled"))  # none: a 0.1.0 file
        assert expected_figure(own, sizes, method) == pytest.approx(fr.figure.median, rel=1e-9)


def pyperf_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyperf", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(len(COMMITTED) < 2, reason="needs two committed result files")
def test_pyperf_stats_and_compare_to_read_two_exports_and_name_every_benchmark(
    tmp_path: Path,
) -> None:
    a, b = (export(tmp_path, p, "pyperf", f"{n}.json") for n, p in zip("ab", COMMITTED))
    names_a = set(pyperf.BenchmarkSuite.load(str(a)).get_benchmark_names())
    names_b = set(pyperf.BenchmarkSuite.load(str(b)).get_benchmark_names())
    stats = pyperf_command("stats", str(a))
    assert stats.returncode == 0, stats.stderr
    assert f"Number of benchmarks: {len(names_a)}" in stats.stdout
    assert all(f"\n{name}\n" in stats.stdout for name in names_a)
    compared = pyperf_command("compare_to", str(a), str(b))
    assert compared.returncode == 0, compared.stderr
    # each name is on a line of its own, in the "not significant" list, or "ignored"
    missing = [name for name in names_a | names_b if name not in compared.stdout]
    assert missing == []


def test_csv_holds_every_round_of_every_figure(tmp_path: Path) -> None:
    path = COMMITTED[0]
    data = results.load(path)
    table = pd.read_csv(export(tmp_path, path, "csv", "r.csv"))
    assert len(table) == sum(fr.rounds for fr in figure_rounds(data))
    per_figure = table.groupby(["subject", "benchmark", "figure"]).size()
    for fr in figure_rounds(data):
        assert per_figure[(fr.bench.subject, fr.bench.name, fr.figure.name)] == fr.rounds
    assert (table["per_op_s"] * table["per_round"]).tolist() == pytest.approx(
        table["round_s"].tolist()
    )
    assert {"block", "round", "unit", "value", "machine_id", "python"} <= set(table.columns)
    assert any(c.startswith("p_") for c in table.columns)


def test_csv_of_a_synthetic_result_keeps_blocks_rounds_and_parameters(tmp_path: Path) -> None:
    table = pd.read_csv(export(tmp_path, synthetic(), "csv", "s.csv"))
    timed = table[table["case"] == "process_start"]
    assert timed[["block", "round"]].values.tolist() == [[1, 1], [1, 2], [1, 3], [2, 1], [2, 2]]
    assert timed["per_op_s"].tolist() == [0.5, 0.6, 0.4, 0.75, 0.55]
    assert set(timed["p_start"]) == {"fork"}
    rate = table[table["case"] == "stream"]
    assert rate["value"].tolist() == [2.5, 5.0, 1.25]  # bytes/s, as the figure reads it
    assert rate["unit"].tolist() == ["B/s"] * 3
    zero = table[table["case"] == "contention"]
    assert zero["round_s"].tolist() == [0.0, 1.0]  # csv keeps what pyperf cannot hold


def test_a_second_benchmark_of_the_same_name_is_left_out_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = synthetic()
    twin = copy.deepcopy(data["benchmarks"][0])
    twin["extra_info"]["mpbench"]["params"] = {"start": "fork", "edited": True}  # another key
    data["benchmarks"].append(twin)
    suite = pyperf.BenchmarkSuite.load(str(export(tmp_path, data, "pyperf", "s.json")))
    assert len(suite) == 2
    assert "another benchmark of the file has this name" in capsys.readouterr().err


def test_export_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "s.json"
    source.write_text(json.dumps(synthetic()))
    assert cli.main(["export", "--format", "pyperf", str(source), "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert pyperf.BenchmarkSuite.loads(out).get_benchmark_names()
    assert "2 pyperf benchmarks (3 runs) to -" in err


def test_without_pyperf_one_line_names_the_install(tmp_path: Path) -> None:
    (tmp_path / "pyperf.py").write_text("raise ImportError('no pyperf here')\n")
    source = tmp_path / "s.json"
    source.write_text(json.dumps(synthetic()))
    command = ["export", "--format", "pyperf", str(source), "-o", str(tmp_path / "out.json")]
    proc = subprocess.run(
        [sys.executable, "-m", "bench_lib.cli", *command],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "mpbench export: error: --format pyperf needs the pyperf package, which is not "
        "installed: pip install 'mpbench[export]' (or pip install pyperf)"
    ]
    assert not (tmp_path / "out.json").exists()


def test_an_unwritable_output_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "s.json"
    source.write_text(json.dumps(synthetic()))
    out = tmp_path / "missing" / "r.csv"
    assert cli.main(["export", "--format", "csv", str(source), "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"mpbench export: error: cannot write {out}")


def test_a_result_without_rounds_exports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = synthetic()
    data["benchmarks"] = []
    source = tmp_path / "s.json"
    source.write_text(json.dumps(data))
    for fmt in ("pyperf", "csv"):
        assert cli.main(["export", "--format", fmt, str(source), "-o", str(tmp_path / fmt)]) == 2
        assert "no" in capsys.readouterr().err and not (tmp_path / fmt).exists()
