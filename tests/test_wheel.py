"""Installed from a wheel, mpbench runs: the wheel carries the benchmarks (as
bench_lib/benchmarks), their conftest and the package data, and `mpbench run` outside a checkout
drives that copy and writes results/ and reports/ in the current folder."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from bench_lib.cli import common
from bench_lib.cli import suite as suite_files
from bench_lib.supervision import run_registry

DATA_SUFFIXES = (".css", ".json", ".ini", ".html", ".js")  # pyproject.toml's package-data
NOT_SOURCE = (".venv", ".git", ".tox", "build", "*.egg-info", "__pycache__", ".*_cache")
COMMITTED_RUNS = {"results", "reports"}  # top-level folders: not in the package, and big
OFFLINE = ("No matching distribution", "Could not find a version", "Network is unreachable")


def source_packages() -> list[str]:
    return sorted(
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "bench_lib").rglob("__init__.py")
    )


def test_pyproject_lists_every_package_and_maps_the_benchmarks() -> None:
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert sorted(setuptools["packages"]) == sorted([*source_packages(), "bench_lib.benchmarks"])
    assert setuptools["package-dir"] == {"bench_lib.benchmarks": "benchmarks"}


def test_in_a_checkout_run_drives_its_benchmarks_folder_and_writes_beside_it() -> None:
    found = suite_files.find()
    assert not found.installed and found.folder == REPO / "benchmarks"
    assert found.pytest_config_args() == [f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml")]
    assert common.BENCHMARKS == REPO / "benchmarks" and common.WORK_ROOT == REPO


def test_outside_a_checkout_run_drives_the_installed_copy_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suite_files, "CHECKOUT", tmp_path / "site-packages")
    found = suite_files.find(cwd=tmp_path / "work")
    assert found.installed and found.folder == suite_files.PACKAGE / "benchmarks"
    assert found.rootdir == suite_files.PACKAGE  # fullnames read benchmarks/test_x.py::...
    assert found.inifile == suite_files.INSTALLED_INI and found.inifile.is_file()
    assert found.work_root == tmp_path / "work"


def copy_source(target: Path) -> Path:
    """The checkout without its virtualenv, build leftovers and committed runs: a stale build/
    folder would put files in the wheel that the source no longer has."""
    leftovers = shutil.ignore_patterns(*NOT_SOURCE)

    def ignored(folder: str, names: list[str]) -> set[str]:
        runs = COMMITTED_RUNS & set(names) if Path(folder) == REPO else set()
        return set(leftovers(folder, names)) | runs

    shutil.copytree(REPO, target, ignore=ignored)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = copy_source(tmp / "source")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0 and any(text in proc.stdout + proc.stderr for text in OFFLINE):
        pytest.skip("pip could not get the build backend (setuptools) offline")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = tmp.glob("mpbench-*.whl")
    return built


def test_the_wheel_carries_the_benchmarks_the_modules_and_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    benchmarks = sorted(p.name for p in (REPO / "benchmarks").glob("*.py"))
    assert "conftest.py" in benchmarks and "test_spawn.py" in benchmarks
    missing = [f"bench_lib/benchmarks/{name}" for name in benchmarks]
    bench_lib = sorted((REPO / "bench_lib").rglob("*"))
    missing += [
        p.relative_to(REPO).as_posix()
        for p in bench_lib
        if p.suffix in (".py", *DATA_SUFFIXES) and "__pycache__" not in p.parts
    ]
    assert (
        "bench_lib/results/result.schema.json" in missing and "bench_lib/cli/suite.ini" in missing
    )
    assert sorted(set(missing) - names) == []
    assert not [n for n in names if n.startswith(("benchmarks/", "tests/", "tools/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert (
        "mpbench = bench_lib.cli.main:main" in text and "mpbench = bench_lib.plugin.hooks" in text
    )


def fresh_venv(folder: Path) -> Path:
    """A new virtualenv that takes mpbench's dependencies from this one (a .pth file names its
    site-packages; the .pth files there, such as an editable install's, are not run), so the
    wheel installs with --no-deps and nothing is downloaded."""
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(folder)], capture_output=True, text=True, timeout=300
    )
    if made.returncode != 0:
        pytest.skip(f"cannot make a virtualenv here: {made.stderr.strip()[-200:]}")
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "mpbench-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def test_an_installed_wheel_runs_in_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)]
    installed = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    where = subprocess.run(
        [str(python), "-c", "import bench_lib; print(bench_lib.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout + where.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env[run_registry.RUNS_DIR_ENV] = str(tmp_path / "runs")
    mpbench = str(tmp_path / "venv" / "bin" / "mpbench")
    listed = subprocess.run(
        [mpbench, "run", "--list", "--profile", "smoke", "--only", "spawn"],
        capture_output=True, text=True, cwd=empty, env=env, timeout=300,
    )  # fmt: skip
    assert listed.returncode == 0 and "test_process_start[" in listed.stdout, listed.stderr
    ran = subprocess.run(
        [mpbench, "run", "--profile", "smoke", "--only", "spawn", "--label", "wheel", "-q"],
        capture_output=True, text=True, cwd=empty, env=env, timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    (result,) = empty.glob("results/*/*_wheel.json")
    assert (empty / "reports" / result.parent.name / result.stem / "index.html").is_file()
    data = json.loads(result.read_text())
    fullnames = [b["fullname"] for b in data["benchmarks"]]
    assert fullnames and all(f.startswith("benchmarks/test_spawn.py::") for f in fullnames)
    assert data["mpbench"]["failures"] == []
    assert sorted(p.name for p in empty.iterdir()) == ["reports", "results"]


UNRAISABLE = """
import gc


class Broken:
    def __del__(self):
        raise ValueError("raised in __del__")


def test_leaves_an_unraisable_exception():
    Broken()
    gc.collect()
"""


@pytest.mark.parametrize("with_conftest", [True, False])
def test_the_suite_conftest_fails_an_unraisable_exception_without_pyproject(
    tmp_path: Path, with_conftest: bool
) -> None:
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    if with_conftest:
        shutil.copy(REPO / "benchmarks" / "conftest.py", folder)
    (folder / "test_unraisable.py").write_text(UNRAISABLE)
    proc = installed_pytest(tmp_path, str(folder))
    out = proc.stdout + proc.stderr
    assert (proc.returncode == 1) is with_conftest, out  # the conftest's filter does it
    assert "raised in __del__" in out


def installed_pytest(rootdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest as `mpbench run` starts it on the installed copy: suite.ini, not pyproject.toml."""
    settings = ["-c", str(suite_files.INSTALLED_INI), f"--rootdir={rootdir}"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "-q", *settings],
        capture_output=True,
        text=True,
        cwd=rootdir,
        timeout=300,
    )


def test_the_suite_conftest_registers_its_markers_without_pyproject(tmp_path: Path) -> None:
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    shutil.copy(REPO / "benchmarks" / "conftest.py", folder)
    proc = installed_pytest(tmp_path, str(folder), "--markers")
    assert proc.returncode == 0, proc.stderr
    assert "@pytest.mark.mpbench_grid(**axes):" in proc.stdout
    assert "@pytest.mark.subject(name):" in proc.stdout
