"""`mpbench compare`: matching, verdicts on known differences, the report folder, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REPO, run_smoke

from bench_lib.cli import main as cli
from bench_lib.compare import match as compare_match
from bench_lib.compare import pairs as compare
from bench_lib.compare.text import md_escape, terminal_report
from bench_lib.results import files as results


def bench(
    case: str,
    rounds_s: list[float],
    params: dict[str, Any] | None = None,
    subject: str = "demo",
    figures: list[dict[str, Any]] | None = None,
    metrics: dict[str, Any] | None = None,
    noisy: bool = False,
    blocks: int = 3,
) -> dict[str, Any]:
    """A benchmark whose rounds came in ``blocks`` equal blocks (the last takes the rest)."""
    params = params or {}
    n = len(rounds_s)
    size = n // blocks if n >= blocks else n
    block_rounds = [size] * (blocks - 1) + [n - size * (blocks - 1)] if n >= blocks else [n]
    name = f"test_{case}" + (
        f"[{'-'.join(f'{k}={v}' for k, v in params.items())}]" if params else ""
    )
    return {
        "name": name,
        "stats": {"data": rounds_s},
        "extra_info": {
            "mpbench": {
                "subject": subject,
                "case": case,
                "params": params,
                "figures": [
                    {"median": float(np.median(rounds_s)), **f}
                    for f in figures
                    or [{"name": "op", "unit": "s", "kind": "time", "per_round": 1}]
                ],
                "metrics": metrics or {},
                "info": {"block_rounds": block_rounds, "block_order": "passes"},
                "noise": {"flags": [{"code": "high-cv", "message": "m"}] if noisy else []},
            }
        },
    }


def result(
    benches: list[dict[str, Any]],
    label: str = "a",
    profile: str = "quick",
    python: str = "3.11.7",
    cores: int = 2,
    cpu: str = "Test CPU",
) -> dict[str, Any]:
    data = {
        "mpbench": {
            "schema": 1,
            "profile": profile,
            "label": label,
            "started_utc": label,
            "load_average_1m": 0.1,
            "partial": False,
            "failures": [],
            "skipped": [],
        },
        "machine_info": {
            "mpbench": {
                "schema": 1,
                "machine_id": f"host-{cores}c",
                "hostname": "host",
                "cpu_model": cpu,
                "usable_cores": cores,
                "logical_cores": 2,
                "memory_bytes": 2**33,
                "os_release": "Linux",
                "kernel": "6.0",
                "virtualisation": "none",
                "python_implementation": "CPython",
                "python_version": python,
                "gil_enabled": True,
                "start_methods": ["fork", "spawn"],
                "default_start_method": "fork",
            }
        },
        "benchmarks": benches,
    }
    return results.validate(data)  # the synthetic files stay real result files


def noisy_rounds(center: float, n: int = 30, seed: int = 1, spread: float = 0.02) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(x) for x in center * (1 + spread * rng.standard_normal(n))]


def two_runs() -> tuple[dict[str, Any], dict[str, Any]]:
    base = result(
        [
            bench("steady", noisy_rounds(1e-3, seed=1)),
            bench("regressed", noisy_rounds(1e-3, seed=2)),
            bench("improved", noisy_rounds(1e-3, seed=3), {"workers": 2}),
            bench("tiny", noisy_rounds(1e-3, n=3, seed=4), blocks=1),
            bench("only_base", noisy_rounds(1e-3)),
        ],
        label="base",
    )
    cand = result(
        [
            bench("steady", noisy_rounds(1e-3, seed=11)),
            bench("regressed", noisy_rounds(1.5e-3, seed=12)),
            bench("improved", noisy_rounds(0.5e-3, seed=13), {"workers": 2}),
            bench("tiny", noisy_rounds(3e-3, n=3, seed=14), blocks=1),
            bench("only_cand", noisy_rounds(1e-3)),
        ],
        label="cand",
    )
    return base, cand


def test_each_figure_and_point_carries_both_runs_flag_codes_for_the_charts() -> None:
    base, cand = two_runs()
    base["benchmarks"][0]["extra_info"]["mpbench"]["noise"]["flags"] = [
        {"code": "wide-interval", "message": "m"}
    ]
    cand["benchmarks"][0]["extra_info"]["mpbench"]["noise"]["flags"] = [
        {"code": "erratic", "message": "m"},
        {"code": "steal", "message": "m"},
    ]
    c = compare.build([("base.json", base), ("cand.json", cand)])
    flagged = {f.name: f.flags for f in c.pairs[0].figures}
    assert flagged["steady"] == "wide-interval,erratic,steal" and flagged["regressed"] == ""
    steady = {p.run: p.flags for p in c.points if p.case == "steady"}
    assert steady == {0: "wide-interval", 1: "erratic,steal"}


def verdicts(comparison: compare.Comparison) -> dict[str, str]:
    return {f.name: f.verdict for f in comparison.pairs[0].figures}


def test_known_differences_get_the_right_words() -> None:
    base, cand = two_runs()
    c = compare.build([("base.json", base), ("cand.json", cand)])
    assert verdicts(c) == {
        "steady": "same",
        "regressed": "slower",
        "improved workers=2": "faster",
        "tiny": "inconclusive",  # 3 rounds: never significant, however large the change
    }
    pair = c.pairs[0]
    assert pair.only_in_baseline == ("demo only_base: op",)
    assert pair.only_in_candidate == ("demo only_cand: op",)
    assert any("only in the baseline" in w for w in c.warnings)
    (subject,) = pair.subjects
    # "tiny" has one block, no replicate: it stays out of the geometric mean's per-block means
    assert subject.figures == 3 and subject.geomean_speed is not None
    assert subject.geomean_ci is not None
    assert dict(subject.counts) == {"faster": 1, "slower": 1, "same": 1, "inconclusive": 1}


def test_rate_figures_are_recomputed_per_round_on_their_own_scale() -> None:
    rate = [{"name": "messages", "unit": "msg/s", "kind": "rate", "per_round": 1000}]
    base = result([bench("ipc", noisy_rounds(1e-2, seed=5), figures=rate)])
    cand = result([bench("ipc", noisy_rounds(2e-2, seed=6), figures=rate)], label="b")
    (f,) = compare.build([("a", base), ("b", cand)]).pairs[0].figures
    assert f.baseline == pytest.approx(1e5, rel=0.05) and f.higher_is_better is True
    assert f.ratio == pytest.approx(0.5, rel=0.05)  # half the messages per second
    assert f.speed == pytest.approx(f.ratio) and f.verdict == "slower"


def test_back_to_back_identical_runs_are_same_or_inconclusive_never_different() -> None:
    benches = [bench(f"case{i}", noisy_rounds(1e-3, seed=i)) for i in range(20)]
    again = [bench(f"case{i}", noisy_rounds(1e-3, seed=100 + i)) for i in range(20)]
    c = compare.build([("a", result(benches)), ("b", result(again, label="b"))])
    assert set(verdicts(c).values()) <= {"same", "inconclusive"}


def test_metrics_with_samples_are_tested_and_single_values_only_get_a_ratio() -> None:
    metrics_a = {
        "p99": {"value": 1.0, "unit": "s", "samples": noisy_rounds(1.0, seed=7)},
        "effective_cores": {"value": 1.9, "unit": "cores"},
        "missing": {"value": None, "unit": "s"},
    }
    metrics_b = {
        "p99": {"value": 2.0, "unit": "s", "samples": noisy_rounds(2.0, seed=8)},
        "effective_cores": {"value": 0.95, "unit": "cores"},
        "missing": {"value": None, "unit": "s"},
    }
    base = result([bench("pool", noisy_rounds(1e-3), metrics=metrics_a)])
    cand = result([bench("pool", noisy_rounds(1e-3, seed=9), metrics=metrics_b)], label="b")
    figs = {f.figure: f for f in compare.build([("a", base), ("b", cand)]).pairs[0].figures}
    assert set(figs) == {"op", "p99", "effective_cores"}
    assert figs["p99"].verdict == "slower" and figs["p99"].source == "metric samples"
    cores = figs["effective_cores"]
    assert cores.ratio == pytest.approx(0.5) and cores.verdict == "inconclusive"
    assert cores.p_value is None and cores.higher_is_better is None


def test_derived_block_is_compared_like_metrics() -> None:
    a = bench("pool", noisy_rounds(1e-3))
    b = bench("pool", noisy_rounds(1e-3, seed=3))
    a["extra_info"]["mpbench"]["derived"] = {"speedup": {"value": 1.8, "unit": "x"}}
    b["extra_info"]["mpbench"]["derived"] = {"speedup": {"value": 0.9, "unit": "x"}}
    figs = compare.build([("a", result([a])), ("b", result([b]))]).pairs[0].figures
    assert [f.figure for f in figs] == ["op", "speedup"]
    assert figs[1].ratio == pytest.approx(0.5)


def test_figure_values_follow_engine_figure_of() -> None:
    from bench_lib.engine.bench import Figure
    from bench_lib.results.records import FigureRecord

    for fig in (Figure("x", "s", "time", 4.0), Figure("y", "B/s", "rate", 1e6)):
        saved = {"name": fig.name, "median": 1.0, "kind": fig.kind, "per_round": fig.per_round}
        record = FigureRecord.of(saved)
        assert compare_match.figure_values(record, [0.5, 2.0]) == [fig.of(0.5), fig.of(2.0)]


def test_machine_differences_and_mixing_warnings() -> None:
    base = result([bench("x", noisy_rounds(1e-3))], profile="quick")
    cand = result(
        [bench("x", noisy_rounds(1e-3))], label="b", profile="standard", python="3.13.0", cores=1
    )
    c = compare.build([("a", base), ("b", cand)])
    differs = {m.name for m in c.machine if m.differs}
    assert {"profile", "usable cores", "Python"} <= differs and "CPU" not in differs
    text = " ".join(c.warnings)
    assert "profiles differ" in text and "both machine and Python" in text
    report = terminal_report(c)
    assert report.index("what differs") < report.index("against baseline")


def test_three_files_compare_each_to_the_first() -> None:
    base, cand = two_runs()
    c = compare.build([("a", base), ("b", cand), ("c", cand)])
    assert [(p.baseline, p.candidate) for p in c.pairs] == [(0, 1), (0, 2)]
    assert {p.run for p in c.points} == {0, 1, 2}


def test_everything_moving_together_is_flagged_as_possible_drift() -> None:
    base = [bench(f"case{i}", noisy_rounds(1e-3, seed=i)) for i in range(6)]
    slower = [bench(f"case{i}", noisy_rounds(1.3e-3, seed=50 + i)) for i in range(6)]
    c = compare.build([("a", result(base)), ("b", result(slower, label="b"))])
    assert set(verdicts(c).values()) == {"slower"}
    assert any("6 of 6 decided figures" in w and "slower" in w for w in c.warnings)
    base2, cand2 = two_runs()  # one faster, one slower: no drift
    assert not any(
        "decided figures" in w for w in compare.build([("a", base2), ("b", cand2)]).warnings
    )


def test_nothing_in_common_is_an_error() -> None:
    a = result([bench("x", [1.0] * 5)])
    b = result([bench("y", [1.0] * 5)], label="b")
    with pytest.raises(compare.NothingInCommonError):
        compare.build([("a", a), ("b", b)])


def test_markdown_escape_defuses_html_links_and_tables() -> None:
    assert "<" not in md_escape("<script>alert(1)</script>")
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("[x](javascript:alert(1))").startswith("\\[x\\]")
    assert md_escape("# title").startswith("\\#")


# --- the command ---------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["compare", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_writes_summary_and_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, cand = two_runs()
    cand["mpbench"]["label"] = "<script>x</script> $\\frac$"  # HTML, and a broken mathtext
    for run in (base, cand):  # a second workers value: a scaling curve
        run["benchmarks"].append(bench("improved", noisy_rounds(2e-3), {"workers": 4}))
    a, b = write(tmp_path, "a.json", base), write(tmp_path, "b.json", cand)
    code, out, _ = run_cli([str(a), str(b), "-o", str(tmp_path / "rep")], capsys)
    assert code == 0 and "slower" in out and "faster" in out
    summary = (tmp_path / "rep" / "summary.md").read_text()
    assert "<script>" not in summary and "&lt;script&gt;" in summary
    charts = sorted(p.name for p in (tmp_path / "rep" / "charts").iterdir())
    assert any(n.startswith("ratio_1_") and n.endswith(".png") for n in charts)
    assert any(n.startswith("scaling_demo_improved") and n.endswith(".png") for n in charts)
    assert all(c.endswith(".png") and c in summary for c in charts)  # one file a chart, all used


@pytest.mark.parametrize(("pct", "expected"), [("10", 1), ("80", 0)])
def test_fail_if_slower_gates_on_slower_verdicts_beyond_pct(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pct: str, expected: int
) -> None:
    base, cand = two_runs()  # "regressed" takes 50% longer; "tiny" is 3x but inconclusive
    a, b = write(tmp_path, "a.json", base), write(tmp_path, "b.json", cand)
    code, out, _ = run_cli([str(a), str(b), "--fail-if-slower", pct], capsys)
    assert code == expected
    gate = [line for line in out.splitlines() if line.startswith("REGRESSION")]
    assert len(gate) == expected
    assert all("regressed" in line and "takes 50% longer" in line for line in gate)


def test_bad_inputs_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, cand = two_runs()
    a, b = write(tmp_path, "a.json", base), write(tmp_path, "b.json", cand)
    other = write(tmp_path, "c.json", result([bench("zzz", [1.0] * 5)], label="c"))
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    newer = dict(cand, mpbench={**cand["mpbench"], "schema": 3})
    cases = {
        "one file": [str(a)],
        "not a result": [str(a), str(junk)],
        "missing": [str(a), str(tmp_path / "nope.json")],
        "nothing in common": [str(a), str(other)],
        "bad pct": [str(a), str(b), "--fail-if-slower", "lots"],
    }
    for what, args in cases.items():
        code, _out, err = run_cli(args, capsys)
        assert code == 2, what
        assert err.count("\n") == 1 and err.startswith("mpbench compare: error:"), (what, err)
    monkeypatch.setattr(results, "SUPPORTED_SCHEMAS", (1, 2, 3))
    code, _, err = run_cli([str(a), str(write(tmp_path, "n.json", newer))], capsys)
    assert code == 2 and "different schema versions" in err


# --- pytest-benchmark keeps reading our files ---------------------------------------------


@pytest.fixture(scope="module")
def smoke_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cmp-smoke")
    code, _data, output = run_smoke(tmp, "benchmarks/test_spawn.py", extra=("-k", "raw_fork"))
    assert code == 0, output
    return tmp / "smoke.json"


def test_pytest_benchmark_compare_reads_our_result_file(smoke_file: Path, tmp_path: Path) -> None:
    script = shutil.which("pytest-benchmark", path=str(Path(sys.executable).parent))
    assert script is not None
    copy = shutil.copy(smoke_file, tmp_path / "again.json")  # the same path twice trips it up
    proc = subprocess.run(
        [script, "compare", str(smoke_file), str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "raw_fork" in proc.stdout


def test_mpbench_compare_reads_a_real_smoke_file(
    smoke_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli([str(smoke_file), str(smoke_file), "--all"], capsys)
    assert code == 0 and "raw_fork" in out and "looks like the same run" in out


def test_benchmark_compare_option_keeps_working(tmp_path: Path) -> None:
    # Run from tmp_path so pytest-benchmark's default storage (./.benchmarks) lands there: with
    # a storage outside the working directory, pytest-benchmark 5.3 crashes while warning that
    # machine_info differs (its FileStorage.location), which our per-run load average ensures.
    def run(*extra: str) -> str:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(REPO / "benchmarks" / "test_spawn.py"),
                "--benchmark-only",
                "--mpbench-profile=smoke",
                "-k",
                "raw_fork",
                f"--rootdir={REPO}",
                "-c",
                str(REPO / "pyproject.toml"),
                "-p",
                "no:cacheprovider",
                *extra,
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout + proc.stderr

    run("--benchmark-save=base")
    output = run("--benchmark-compare")
    assert "Comparing against benchmarks from" in output and "0001_base" in output


def test_scaling_groups_need_a_numeric_axis_with_two_values() -> None:
    from bench_lib.compare.charts import scaling_groups

    def point(run: int, **params: str) -> compare.Point:
        return compare.Point(
            run, "pool", "map", tuple(params.items()), "tasks", "task/s", 1.0, None, 5, False
        )

    points = (
        point(0, workers="1", kind="process"),
        point(0, workers="2", kind="process"),
        point(1, workers="1", kind="process"),
        point(0, workers="1", kind="thread"),  # one workers value only: no curve
        point(0, size="64", kind="thread"),
    )
    groups = scaling_groups(points)
    assert list(groups) == [("pool", "map", "tasks", "workers", (("kind", "process"),))]
    assert len(groups[next(iter(groups))]) == 3


def test_whole_round_times_of_rounds_with_different_work_are_not_compared() -> None:
    def run(tasks: int, label: str) -> dict[str, Any]:
        figures = [
            {"name": "batch", "unit": "s", "kind": "time", "per_round": 1.0},
            {"name": "per task", "unit": "s", "kind": "time", "per_round": float(tasks)},
        ]
        return result([bench("scaling", noisy_rounds(tasks * 1e-3), figures=figures)], label=label)

    c = compare.build([("a", run(10, "a")), ("b", run(16, "b"))])
    by_figure = {f.figure: f for f in c.pairs[0].figures}
    assert by_figure["batch"].verdict == "inconclusive"
    assert "different work" in by_figure["batch"].reason
    assert by_figure["per task"].verdict == "same"  # 1 ms per task in both runs


def test_busy_start_is_judged_by_the_sampled_cores_not_the_lagging_load() -> None:
    def run(label: str, load: float, busy: float | None) -> dict[str, Any]:
        data = result([bench("x", noisy_rounds(1e-3))], label=label)
        data["mpbench"]["load_average_1m"] = load
        if busy is not None:
            data["mpbench"]["busy_cores"] = busy
        return data

    after_a_run = compare.build([("a", run("a", 1.9, 0.0)), ("b", run("b", 0.1, 0.0))])
    assert not any("busy" in w for w in after_a_run.warnings)  # load lags: the cores were idle
    busy = compare.build([("a", run("a", 0.1, 0.9)), ("b", run("b", 0.1, None))])
    assert any("kept 0.90 of 2 cores busy" in w for w in busy.warnings), busy.warnings
    old_file = compare.build([("a", run("a", 0.1, 0.0)), ("b", run("b", 1.9, None))])
    assert any("load 1.9 on 2 cores" in w for w in old_file.warnings), old_file.warnings


def _drifting_run(seed: int, label: str, benchmarks: int = 20) -> dict[str, Any]:
    """Each block lands somewhere else (placement, a fresh pool): +-3% between blocks, 0.2%
    between rounds of one block; the same code in every run."""
    rng = np.random.default_rng(seed)
    benches = []
    for i in range(benchmarks):
        rounds: list[float] = []
        for _ in range(3):
            shift = 1 + 0.03 * rng.standard_normal()
            rounds += [float(x) for x in 1e-3 * shift * (1 + 0.002 * rng.standard_normal(10))]
        benches.append(bench(f"case{i}", rounds))
    return result(benches, label=label)


def test_same_code_with_block_drift_is_never_called_faster_or_slower() -> None:
    a, b = _drifting_run(1, "a"), _drifting_run(2, "b")
    c = compare.build([("a", a), ("b", b)])
    assert not {"faster", "slower"} & set(verdicts(c).values())


def test_one_test_per_benchmark_in_the_holm_family() -> None:
    figures = [
        {"name": "per op", "unit": "s", "kind": "time", "per_round": 100},
        {"name": "ops", "unit": "op/s", "kind": "rate", "per_round": 100},
    ]
    base = result([bench("x", noisy_rounds(1e-3, seed=1), figures=figures)])
    cand = result([bench("x", noisy_rounds(2e-3, seed=2), figures=figures)], label="b")
    per_op, ops = compare.build([("a", base), ("b", cand)]).pairs[0].figures
    # two figures of the same rounds: one test, not a family of two
    assert per_op.p_adjusted == pytest.approx(per_op.p_value)
    assert ops.p_adjusted == pytest.approx(per_op.p_adjusted, rel=0.05)  # medians of 1/x
    summary = compare.build([("a", base), ("b", cand)]).pairs[0].subjects[0]
    assert summary.figures == 1  # one benchmark in the geometric mean, not two figures
    assert summary.geomean_ci is not None
    assert summary.geomean_ci[0] < summary.geomean_speed < summary.geomean_ci[1]  # type: ignore[operator]
