"""The matrix driver beyond --list: choosing interpreters, making and reusing venvs, runs that
save nothing, and where the venvs live. Interpreters and runs are stand-ins (recorded
commands, result files written by the fake run): no venv is made, nothing is measured."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from bench_lib.cli import matrix_run

Interp = matrix_run.Interpreter


def test_where_the_venvs_live(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MPBENCH_FT_CACHE", str(tmp_path / "ft"))
    assert matrix_run.cache_root() == tmp_path / "ft"
    monkeypatch.delenv("MPBENCH_FT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert matrix_run.cache_root() == tmp_path / "xdg" / "mpbench"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert matrix_run.cache_root() == Path.home() / ".cache" / "mpbench"


def test_a_venv_is_reused_when_it_has_mpbench_and_made_when_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MPBENCH_FT_CACHE", str(tmp_path))
    ran: list[list[Any]] = []
    pip_fails = False

    def fake_run(cmd: list[Any], **kw: Any) -> subprocess.CompletedProcess[str]:
        ran.append(cmd)
        failed = pip_fails and "pip" in cmd
        return subprocess.CompletedProcess(cmd, 1 if failed else 0)

    monkeypatch.setattr(matrix_run.subprocess, "run", fake_run)
    ft = Interp("3.13t", tmp_path / "ft" / "bin" / "python", "made by the tool")
    assert matrix_run.venv_python(ft) == ft.python  # the tool's venv, used as it is
    base = Interp("3.12", Path("/usr/bin/python3.12"), "PATH")
    venv_python = tmp_path / "venv-3.12" / "bin" / "python"
    assert matrix_run.venv_python(base, dry_run=True) == venv_python and ran == []
    venv_python.parent.mkdir(parents=True)
    venv_python.touch()
    monkeypatch.setattr(matrix_run, "_has_mpbench", lambda python: True)
    assert matrix_run.venv_python(base) == venv_python and ran == []
    monkeypatch.setattr(matrix_run, "_has_mpbench", lambda python: False)
    assert matrix_run.venv_python(base) == venv_python
    assert ran == [
        [base.python, "-m", "venv", tmp_path / "venv-3.12"],
        [venv_python, "-m", "pip", "install", "-q", "-e", matrix_run.REPO],
    ]
    ran.clear()
    pip_fails = True  # gevent has no wheel for this Python: the tool leaves it out instead
    assert matrix_run.venv_python(base) == venv_python
    tool = str(matrix_run.REPO / "tools" / "make-venv.sh")
    assert ran[-1] == [tool, str(base.python), str(tmp_path / "venv-3.12")]


def test_has_mpbench_probes_the_interpreter(tmp_path: Path) -> None:
    fails = tmp_path / "python"
    fails.write_text("#!/bin/sh\nexit 1\n")
    fails.chmod(0o755)
    assert matrix_run._has_mpbench(fails) is False


def _fake_pythons(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    found = [
        Interp("3.11", Path("/py/3.11"), "pyenv"),
        Interp("3.12", Path("/py/3.12"), "pyenv"),
        Interp("3.13t", None, "no free-threaded venv"),
    ]
    monkeypatch.setattr(matrix_run, "discover", lambda root_first=False: found)
    monkeypatch.setattr(matrix_run, "venv_python", lambda i, dry_run=False: tmp_path / i.name)


def test_pythons_picks_interpreters_and_rejects_unknown_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_pythons(monkeypatch, tmp_path)
    assert matrix_run.main(["--list", "--pythons", "3.12", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "bench-matrix: 3.12: pyenv" in out and "3.11" not in out
    assert "# the venv is made first" in out  # its venv python does not exist yet
    with pytest.raises(SystemExit, match=r"bench-matrix: error: .*3\.8"):
        matrix_run.main(["--list", "--pythons", "3.8"])


def test_a_run_that_saves_nothing_is_left_out_and_one_result_is_no_matrix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_pythons(monkeypatch, tmp_path)
    commands: list[list[str]] = []

    def fake_run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[bytes]:
        commands.append(cmd)
        name = cmd[cmd.index("--label") + 1].rsplit("py", 1)[1]
        if name == "3.11":  # only 3.11 saves a result
            saved = Path(cmd[cmd.index("--output") + 1]) / "machine" / "run.json"
            saved.parent.mkdir(parents=True)
            saved.write_text("{}")
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(matrix_run.subprocess, "run", fake_run)
    assert matrix_run.main(["smoke", "--only", "spawn", "--output", str(tmp_path / "o")]) == 1
    captured = capsys.readouterr()
    assert len(commands) == 2 and all("--no-report" in c for c in commands)
    assert "bench-matrix: 3.12 saved no result; left out of the report" in captured.out
    assert "bench-matrix: 1 result(s): a matrix needs two" in captured.err


def test_two_results_are_lined_up_by_mpbench_matrix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fake_pythons(monkeypatch, tmp_path)

    def fake_run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[bytes]:
        saved = Path(cmd[cmd.index("--output") + 1]) / "machine" / "run.json"
        saved.parent.mkdir(parents=True)
        saved.write_text("{}")
        return subprocess.CompletedProcess(cmd, 0)

    handed: list[list[str]] = []
    monkeypatch.setattr(matrix_run.subprocess, "run", fake_run)
    monkeypatch.setattr("bench_lib.cli.main.main", lambda argv: handed.append(argv) or 0)
    out = tmp_path / "o"
    assert matrix_run.main(["--output", str(out), "--baseline", "3.11"]) == 0
    assert handed == [
        [
            "matrix",
            str(out / "results" / "3.11" / "machine" / "run.json"),
            str(out / "results" / "3.12" / "machine" / "run.json"),
            "-o",
            str(out / "report"),
            "--baseline",
            "3.11",
        ]
    ]
