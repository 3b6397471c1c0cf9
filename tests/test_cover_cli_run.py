"""`mpbench run` in-process, without measuring: --list through a real collection, and the
ends of a run whose pytest saved nothing (supervise is a stand-in returning its outcome)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_lib.cli import main as cli
from bench_lib.cli import run as cli_run
from bench_lib.cli.common import EXIT_INTERRUPTED
from bench_lib.supervision import runner
from bench_lib.supervision.run_registry import RUNS_DIR_ENV


def test_list_prints_each_benchmark_and_an_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        ["run", "--list", "--only", "spawn", "--profile", "smoke", "-k", "thread_start"]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("test_spawn.py::test_thread_start")
    assert out[-1].startswith(f"{len(out) - 1} benchmarks, profile smoke: about ")
    assert out[-1].endswith(" (estimate)")


def test_list_of_nothing_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--list", "--only", "spawn", "-k", "no_such_benchmark"]) == 1
    assert capsys.readouterr().out.startswith("0 benchmarks, profile ")


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (runner.Outcome(4, interrupted=False, orphans_killed=0), 4),
        (runner.Outcome(0, interrupted=False, orphans_killed=0), 1),  # no file is no success
        (runner.Outcome(-2, interrupted=True, orphans_killed=0), EXIT_INTERRUPTED),
    ],
)
def test_a_pytest_that_saved_nothing_ends_the_run_with_its_reason(
    outcome: runner.Outcome,
    code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path / "runs"))
    monkeypatch.setattr(cli_run, "supervise", lambda plan, args, work: outcome)
    argv = ["run", "--profile", "smoke", "--only", "spawn", "--no-report"]
    assert cli.main([*argv, "--output", str(tmp_path / "results")]) == code
    err = capsys.readouterr().err
    assert f"mpbench run: pytest exited with {outcome.exit_code} and saved no result" in err
    assert list((tmp_path / "runs").iterdir()) == []  # the work folder is gone
