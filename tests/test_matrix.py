"""Several Pythons lined up: baseline choice, compare's geometric means, headlines, the report,
the committed files, and the tox env that makes the runs."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from browser import needs_chromium, render_in_chromium
from conftest import REPO
from synthetic_builds import gil_run, process_start
from test_compare import bench, noisy_rounds

from bench_lib.cli import main as cli
from bench_lib.cli import matrix_run
from bench_lib.compare import pairs as compare
from bench_lib.report import matrix

COMMITTED = REPO / "results" / "vm-2c-4df4a7d9"


def run(python: str, free_threaded: bool, slow: float, seed: int) -> dict[str, Any]:
    """A gil run plus a 'demo' subject whose figures take ``slow`` times the 3.9 time."""
    demo = [
        bench(f"op{i}", noisy_rounds(1e-3 * slow * (1 + i / 10), seed=seed + i), subject="demo")
        for i in range(3)
    ]
    return gil_run(
        python,
        free_threaded,
        threads_2=1.9 if free_threaded else 0.9,
        processes_2=1.9,
        serial_s=0.3 if free_threaded else 0.2,
        label=f"py{python}",
        extra=[*demo, process_start(5e-3 * slow)],
    )


def three() -> list[tuple[str, dict[str, Any]]]:
    # given newest first: the matrix orders them oldest first and picks 3.9 as the baseline
    return [
        ("ft.json", run("3.13.5", True, 1.5, 30)),
        ("311.json", run("3.11.7", False, 0.8, 20)),
        ("39.json", run("3.9.18", False, 1.0, 10)),
    ]


def test_runs_are_ordered_oldest_first_and_the_oldest_is_the_baseline() -> None:
    lined = matrix.build(three())
    assert [r.label for r in lined.runs] == ["3.9.18", "3.11.7", "3.13.5t"]
    assert lined.baseline == 0


def test_subject_cells_are_compares_geometric_mean_with_its_interval() -> None:
    named = three()
    lined = matrix.build(named)
    demo = dict(lined.subjects)["demo"]
    for label, path in (("3.11.7", "311.json"), ("3.13.5t", "ft.json")):
        pair = compare.build([named[2], next(n for n in named if n[0] == path)]).pairs[0]
        expected = next(s for s in pair.subjects if s.subject == "demo")
        cell = demo[[r.label for r in lined.runs].index(label)]
        assert cell is not None
        assert (cell.speed, cell.ci, cell.benchmarks) == (
            expected.geomean_speed,
            expected.geomean_ci,
            expected.figures,
        )
    speeds = [c.speed for c in demo if c is not None]
    assert speeds[0] == 1.0 and speeds[1] > 1.1 > 0.8 > speeds[2]  # 3.11 faster, 3.13t slower


@pytest.mark.parametrize(
    ("wanted", "label"),
    [("3.11", "3.11.7"), ("3.13t", "3.13.5t"), ("3.9.18", "3.9.18"), ("ft.json", "3.13.5t")],
)
def test_baseline_by_label_minor_version_or_file(wanted: str, label: str) -> None:
    lined = matrix.build(three(), baseline=wanted)
    assert lined.runs[lined.baseline].label == label


def test_a_baseline_that_names_no_run_or_several_is_refused() -> None:
    listed = re.escape("names no run; the runs are: 3.9.18, 3.11.7, 3.13.5t")
    with pytest.raises(matrix.BaselineError, match=listed):
        matrix.build(three(), baseline="3.12")
    two_311 = [*three(), ("311b.json", run("3.11.7", False, 0.8, 40))]
    lined = matrix.build(two_311)
    assert len({r.label for r in lined.runs}) == 4  # equal versions get distinct labels
    with pytest.raises(matrix.BaselineError, match="names 2 runs"):
        matrix.build(two_311, baseline="3.11")


def test_headlines_hold_each_runs_figure_and_the_gil_speedups() -> None:
    rows = {r.name: r for r in matrix.build(three()).headlines}
    fork = rows["process start, fork"]
    assert fork.unit == "s"
    assert [round(v.value, 4) for v in fork.values if v] == [0.005, 0.004, 0.0075]
    threads = rows["gil: 2 threads' speedup"]
    assert [v.value for v in threads.values if v] == [0.9, 0.9, 1.9]
    assert "Queue, 64 B messages (two cores)" not in rows  # measured by no run: no row


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def matrix_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    files = [str(write(tmp_path, name, data)) for name, data in three()]
    code = cli.main(["matrix", *files, "-o", str(tmp_path / "m"), *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_matrix_command_prints_tables_and_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = matrix_cli(tmp_path, capsys)
    assert out.startswith("baseline: 3.9.18 (")
    assert re.search(r"^demo +baseline +\d\.\d\dx \(", out, re.M) and "process start, fork" in out
    folder = tmp_path / "m"
    for stem in ("matrix_subjects", "matrix_headlines", "gil_builds"):
        assert (folder / "charts" / f"{stem}.png").stat().st_size > 0
    summary = (folder / "summary.md").read_text()
    assert "mpbench ab PYTHON_A PYTHON_B" in summary
    assert "On 3.13.5t (free-threaded, GIL off), 2 threads ran the CPU batch 1.90x" in summary


def test_matrix_command_refuses_a_bad_baseline_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(write(tmp_path, name, data)) for name, data in three()]
    assert cli.main(["matrix", *files, "--baseline", "2.7"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("mpbench matrix: error: --baseline '2.7' names no run")
        and err.count("\n") == 1
    )
    assert cli.main(["matrix", files[0]]) == 2


@needs_chromium
def test_matrix_page_renders_in_headless_chromium(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    matrix_cli(tmp_path, capsys)
    page = render_in_chromium(tmp_path / "m" / "index.html", "matrix.png")
    assert page.heading == "mpbench matrix: several Pythons lined up"
    assert len(page.images) == 3 and all(width > 0 for _, width in page.images), page.images
    assert page.errors == []


def _committed(gil_enabled: bool) -> Path | None:
    """The committed reference run of the oldest Python on a GIL (or free-threaded) build, the
    newest such run if several, if any."""
    found = []
    for path in sorted(COMMITTED.glob("*.json")):
        machine = json.loads(path.read_text())["machine_info"]["mpbench"]
        if machine["gil_enabled"] is gil_enabled:
            version = tuple(int(p) for p in machine["python_version"].split(".")[:2])
            found.append((version, path))
    if not found:
        return None
    oldest = min(version for version, _ in found)
    return max(path for version, path in found if version == oldest)


def test_matrix_of_the_committed_gil_and_free_threaded_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    std, ft = _committed(True), _committed(False)
    assert std is not None and ft is not None, "the reference runs of both builds are committed"
    assert cli.main(["matrix", str(ft), str(std), "-o", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    version = json.loads(std.read_text())["machine_info"]["mpbench"]["python_version"]
    assert out.startswith(f"baseline: {version} ({std})")  # the older Python by default
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "baseline" in lines["gil"] and "x (" in lines["gil"].split("baseline")[1]
    assert lines["spawn"].split()[1] == "baseline"
    threads = next(
        b["extra_info"]["mpbench"]["derived"]["speedup"]
        for b in json.loads(ft.read_text())["benchmarks"]
        if b["name"] == "test_cpu_split[mode=thread-n=2]"
    )
    assert f"{threads:.2f}x (95% CI" in lines["gil: 2 threads' speedup"]  # read from the file
    assert (tmp_path / "m" / "index.html").exists()


# --- the tox env ------------------------------------------------------------------------------


def tox_command() -> list[str]:
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini")
    return shlex.split(tox["testenv:bench-matrix"]["commands"].strip())


def test_tox_bench_matrix_runs_the_matrix_driver_with_a_profile_argument() -> None:
    command = tox_command()
    assert command == ["python", "-m", "bench_lib.cli.matrix_run", "{posargs:quick}"]
    parser = matrix_run.build_parser()
    assert parser.parse_args(["quick"]).profile == "quick"
    args = parser.parse_args(["standard", "--only", "gil,spawn", "--baseline", "3.11"])
    assert (args.profile, args.only, args.baseline) == ("standard", "gil,spawn", "3.11")
    assert parser.parse_args([]).profile == matrix_run.DEFAULT_PROFILE == "quick"


def test_the_driver_lists_present_interpreters_and_skips_absent_ones_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for version in ("3.11.2", "3.11.9", "3.12.1"):
        python = tmp_path / "pyenv" / "versions" / version / "bin" / f"python{version[:4]}"
        python.parent.mkdir(parents=True)
        python.touch()
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("MPBENCH_FT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MPBENCH_FT_VENV", raising=False)
    monkeypatch.setenv("MPBENCH_DEBIAN_CACHE", str(tmp_path / "no-root"))
    out_dir = tmp_path / "out"
    assert matrix_run.main(["--list", "--only", "gil", "--output", str(out_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        "bench-matrix: 3.13: skipped: no python3.13 in pyenv, on PATH or in the Debian root "
        "(tools/debian-pythons.sh makes 3.13, 3.14 and 3.15)"
    ) in out
    assert any(line.startswith("bench-matrix: 3.11: ") and "3.11.9" in line for line in out)
    skipped_ft = "bench-matrix: 3.13t: skipped: no free-threaded venv"
    assert any(line.startswith(skipped_ft) for line in out)
    runs = [line for line in out if not line.startswith("bench-matrix:")]
    assert len(runs) == 2  # 3.11 and 3.12
    venv_python = tmp_path / "cache" / "venv-3.11" / "bin" / "python"
    assert runs[0].startswith(f"{venv_python} -m bench_lib.cli run")
    assert "--profile quick --only gil --label matrix-quick-py3.11" in runs[0]
    assert f"--output {out_dir / 'results' / '3.11'} --no-report" in runs[0]
