"""tools/debian-pythons.sh and its launchers: what runs without a root here, and, where the
Debian root exists (made by the script, never on CI), the launcher's promises: the
interpreter of the root, the caller's directory, environment and exit status, its signals,
and venvs usable from the host."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench_lib.cli import matrix_run

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tools" / "debian-pythons.sh"
BODY = REPO / "tools" / "debian-launcher.bash"
LAUNCHERS = matrix_run.debian_root_cache() / "bin"
IN_THE_ROOT = Path("/etc/mpbench-debian-root").exists()  # launchers exec directly in there
ROOT_ABSENT = "no Debian root here: tools/debian-pythons.sh makes it (as root, needs network)"


def run(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def test_the_scripts_parse() -> None:
    for script in (SCRIPT, BODY, REPO / "tools" / "build-freethreaded-python.sh"):
        assert run(["bash", "-n", str(script)]).returncode == 0, script


def test_status_remove_and_a_wrong_argument_on_an_empty_cache(tmp_path: Path) -> None:
    env = {**os.environ, "MPBENCH_DEBIAN_CACHE": str(tmp_path / "cache")}
    status = run([str(SCRIPT), "--status"], env=env)
    assert status.returncode == 0 and "root: absent" in status.stdout
    assert "launcher: absent (python3.14)" in status.stdout
    (tmp_path / "cache" / "bin").mkdir(parents=True)
    removed = run([str(SCRIPT), "--remove"], env=env)
    assert removed.returncode == 0 and not (tmp_path / "cache").exists()
    wrong = run([str(SCRIPT), "--frobnicate"], env=env)
    assert wrong.returncode == 2 and "use no argument, --status" in wrong.stderr


@pytest.mark.skipif(IN_THE_ROOT, reason="inside the Debian root a launcher runs its interpreter")
def test_a_launcher_without_its_root_says_how_to_make_it(tmp_path: Path) -> None:
    launcher = tmp_path / "python3.14"
    launcher.write_text(
        f"#!/bin/bash\nMPBENCH_ROOT='{tmp_path}/none'\nMPBENCH_REAL=/usr/bin/python3.14\n"
        f"MPBENCH_CACHE='{tmp_path}'\nsource '{BODY}'\n"
    )
    launcher.chmod(0o755)
    out = run([str(launcher), "-c", "pass"])
    assert out.returncode == 127 and "run tools/debian-pythons.sh" in out.stderr


def test_the_matrix_finds_the_launchers_and_puts_their_venvs_on_a_bound_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPBENCH_DEBIAN_CACHE", str(tmp_path / "forky"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MPBENCH_FT_CACHE", raising=False)
    monkeypatch.delenv("MPBENCH_FT_VENV", raising=False)
    (tmp_path / "forky" / "bin").mkdir(parents=True)
    (tmp_path / "forky" / "bin" / "python3.14").touch()
    found = {i.name: i for i in matrix_run.discover()}
    assert found["3.14"].python == tmp_path / "forky" / "bin" / "python3.14"
    assert found["3.14"].venv == tmp_path / "forky" / "venvs" / "venv-3.14"
    assert found["3.15"].python is None and "tools/debian-pythons.sh" in found["3.15"].reason
    assert found["3.14t"].python is None and "--source" in found["3.14t"].reason
    assert matrix_run.venv_python(found["3.14"], dry_run=True).parent.parent == found["3.14"].venv


def test_root_first_prefers_the_launcher_and_a_python314t_on_path_is_picked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPBENCH_DEBIAN_CACHE", str(tmp_path / "forky"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MPBENCH_FT_CACHE", raising=False)
    on_path = tmp_path / "path"
    on_path.mkdir()
    for name in ("python3.13", "python3.14t"):
        (on_path / name).touch()
        (on_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    (tmp_path / "forky" / "bin").mkdir(parents=True)
    (tmp_path / "forky" / "bin" / "python3.13").touch()
    assert matrix_run.discover()[2].python == on_path / "python3.13"
    assert matrix_run.discover(root_first=True)[2].python == tmp_path / "forky/bin/python3.13"
    ft = {i.name: i for i in matrix_run.discover()}["3.14t"]
    assert ft.python == on_path / "python3.14t"
    assert ft.venv == tmp_path / "xdg" / "mpbench" / "venv-3.14t"
    made: list[dict[str, str]] = []
    monkeypatch.setattr(matrix_run.subprocess, "run", lambda cmd, env, check: made.append(env))
    monkeypatch.setattr(matrix_run, "_has_mpbench", lambda python: False)
    assert matrix_run.venv_python(ft) == ft.venv / "bin" / "python"
    assert made[0]["MPBENCH_FT_PYTHON"] == str(ft.python)  # the free-threaded tool makes it
    assert made[0]["MPBENCH_FT_VENV"] == str(ft.venv)


needs_root = pytest.mark.skipif(
    IN_THE_ROOT or not (LAUNCHERS / "python3.14").exists() or os.geteuid() != 0,
    reason="inside the Debian root already" if IN_THE_ROOT else ROOT_ABSENT,
)


@needs_root
def test_the_launcher_runs_the_roots_interpreter_here_with_this_environment() -> None:
    code = (
        "import os, sys; print(sys.version_info[:2] == (3, 14), os.getcwd(),"
        " os.environ['MPBENCH_PROBE'], sys.executable,"
        " 'forky' in open('/etc/os-release').read())"
    )
    out = run(
        [str(LAUNCHERS / "python3.14"), "-c", code],
        cwd=REPO,
        env={**os.environ, "MPBENCH_PROBE": "passed"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "True",
        str(REPO),
        "passed",
        str(LAUNCHERS / "python3.14"),
        "True",
    ]


@needs_root
def test_the_launcher_passes_exit_status_and_signals_through() -> None:
    assert (
        run([str(LAUNCHERS / "python3.14"), "-c", "raise SystemExit(7)"], cwd=REPO).returncode == 7
    )
    proc = subprocess.Popen(
        [str(LAUNCHERS / "python3.14"), "-c", "import time; print(1, flush=True); time.sleep(60)"],
        cwd=REPO,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"1"
    proc.send_signal(signal.SIGTERM)  # the interpreter has the launcher's pid: it gets it
    assert proc.wait(timeout=30) == -signal.SIGTERM


@needs_root
def test_a_venv_made_with_the_launcher_runs_from_the_host(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    made = run([str(LAUNCHERS / "python3.14"), "-m", "venv", "--without-pip", str(venv)], cwd=REPO)
    assert made.returncode == 0, made.stderr
    out = run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.prefix, sys.base_prefix)"]
    )
    assert out.returncode == 0 and out.stdout.split() == [str(venv), "/usr"], out.stderr
    assert sys.prefix != str(venv)  # this test's own interpreter is untouched


@needs_root
def test_a_working_directory_the_root_cannot_see_is_a_one_line_error(tmp_path: Path) -> None:
    unbound = Path("/var/tmp") / f"mpbench-unbound-{os.getpid()}"
    unbound.mkdir()
    try:
        out = run([str(LAUNCHERS / "python3.14"), "-c", "pass"], cwd=unbound)
    finally:
        unbound.rmdir()
    assert out.returncode == 126 and "MPBENCH_DEBIAN_BINDS" in out.stderr


def test_the_free_threaded_build_refuses_what_is_not_a_cpython_source(tmp_path: Path) -> None:
    """--source takes a tree or tarball with Include/patchlevel.h; anything else stops before
    any download, package install or build."""
    build = REPO / "tools" / "build-freethreaded-python.sh"
    env = {**os.environ, "MPBENCH_FT_CACHE": str(tmp_path / "cache")}
    (tmp_path / "not-cpython").mkdir()
    out = run([str(build), "--source", str(tmp_path / "not-cpython")], env=env)
    assert out.returncode == 1 and "not a CPython source tree or tarball" in out.stderr
    assert not (tmp_path / "cache").exists()
    wrong = run([str(build), "--frobnicate"], env=env)
    assert wrong.returncode == 2 and "--source PATH" in wrong.stderr
