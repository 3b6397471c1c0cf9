"""mpbench on a free-threaded CPython (PEP 703): the GIL is off, and stays off, or the run says who.

Uses the interpreter built by ``tools/build-freethreaded-python.sh`` (``MPBENCH_FT_PYTHON``, or
the script's cache folder) and, for the tests that need mpbench's dependencies, a venv of it
with mpbench installed (``MPBENCH_FT_VENV``, or ``venv-3.13t`` in the same cache folder).
Each test skips with the command to run when what it needs is absent: the build is never on
the tests' required path (docs/freethreaded.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench_lib.machine import gil_runtime

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(
    os.environ.get("MPBENCH_FT_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mpbench"
)
BUILD_HINT = "run tools/build-freethreaded-python.sh (see docs/freethreaded.md)"


def _ft_python() -> Path:
    path = Path(os.environ.get("MPBENCH_FT_PYTHON") or CACHE / "python-3.13t/bin/python3.13t")
    if not path.exists():
        pytest.skip(f"no free-threaded interpreter at {path}: {BUILD_HINT}")
    return path


def _ft_venv_python() -> Path:
    venv = Path(os.environ.get("MPBENCH_FT_VENV") or CACHE / "venv-3.13t")
    python = venv / "bin/python"
    if not python.exists():
        pytest.skip(f"no free-threaded venv at {venv}: run tools/make-freethreaded-venv.sh")
    return python


def _run(python: Path, code: str, extra_path: Path | None = None) -> str:
    """Run ``code`` in ``python`` with the repo importable; its last line of output."""
    paths = [str(REPO)] + ([str(extra_path)] if extra_path else [])
    out = subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_the_built_interpreter_runs_with_the_gil_off_and_has_the_stdlib_c_modules() -> None:
    python = _ft_python()
    state = json.loads(
        _run(
            python,
            """
            import json, sys, sysconfig, ssl, ctypes, sqlite3, lzma, bz2, zlib
            print(json.dumps([sysconfig.get_config_var("Py_GIL_DISABLED"),
                              sys._is_gil_enabled(), sys.version_info[:2]]))
            """,
        )
    )
    assert state == [1, False, [3, 13]]


TINY_EXTENSION = """
#include <Python.h>
static PyModuleDef_Slot slots[] = {
#ifdef DECLARE_FREE_THREADING
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, NAME, NULL, 0, NULL, slots};
PyMODINIT_FUNC INIT(void) { return PyModuleDef_Init(&def); }
"""


def _compile_extension(python: Path, folder: Path, name: str, declares: bool) -> None:
    """A do-nothing extension module that does (or does not) declare free-threading support."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the test's extension modules")
    include = _run(python, "import sysconfig; print(sysconfig.get_paths()['include'])")
    suffix = _run(python, "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
    source = folder / f"{name}.c"
    source.write_text(TINY_EXTENSION)
    flags = ["-DDECLARE_FREE_THREADING"] if declares else []
    subprocess.run(
        [
            cc,
            "-shared",
            "-fPIC",
            f"-I{include}",
            f'-DNAME="{name}"',
            f"-DINIT=PyInit_{name}",
            *flags,
            str(source),
            "-o",
            str(folder / f"{name}{suffix}"),
        ],
        check=True,
        capture_output=True,
    )


def test_the_run_names_the_extension_module_that_switched_the_gil_back_on(tmp_path: Path) -> None:
    python = _ft_python()
    _compile_extension(python, tmp_path, "declares_ft", declares=True)
    _compile_extension(python, tmp_path, "gil_needing", declares=False)
    check = json.loads(
        _run(
            python,
            """
            import json, warnings
            from bench_lib.machine import gil_runtime
            watch = gil_runtime.GilWatch()
            import declares_ft
            watch.start()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # "GIL has been enabled"
                import gil_needing
            check = watch.finish()
            print(json.dumps({**check.as_dict(), "warning": check.warning()}))
            """,
            extra_path=tmp_path,
        )
    )
    assert check["free_threaded_build"] is True
    assert check["enabled_at_start"] is False
    assert check["enabled_at_end"] is True
    assert check["enabled_by"] == ["gil_needing"]  # declares_ft is loaded too, and innocent
    assert "gil_needing" in check["warning"] and "during the run" in check["warning"]


def test_mpbench_and_its_dependencies_keep_the_gil_off() -> None:
    """The pytest process imports everything a run needs; the GIL must still be off after."""
    python = _ft_venv_python()
    out = json.loads(
        _run(
            python,
            """
            import importlib, importlib.util, json, sys, warnings
            warnings.simplefilter("ignore", RuntimeWarning)
            import pytest, pytest_benchmark, bench_lib.plugin.hooks, bench_lib.machine.environment
            for name in ("numpy", "pandas", "matplotlib", "scipy", "bench_lib.report.render"):
                if importlib.util.find_spec(name.split(".")[0]) is not None:
                    importlib.import_module(name)
            from bench_lib.machine import gil_runtime
            fp = bench_lib.machine.environment.fingerprint()
            check = gil_runtime.GilWatch().finish()
            print(json.dumps([fp.free_threaded_build, fp.gil_enabled, check.enabled_by]))
            """,
        )
    )
    assert out == [True, False, []], f"GIL switched on by {out[2]}"


def test_smoke_run_of_the_gil_subject_records_the_gil_off(tmp_path: Path) -> None:
    python = _ft_venv_python()
    out = subprocess.run(
        [
            str(python),
            "-m",
            "bench_lib.cli",
            "run",
            "--profile",
            "smoke",
            "--only",
            "gil",
            "--output",
            str(tmp_path / "results"),
            "--no-report",
            "--label",
            "ft",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    (result,) = (tmp_path / "results").rglob("*.json")
    data = json.loads(result.read_text())
    assert data["machine_info"]["mpbench"]["free_threaded_build"] is True
    assert data["machine_info"]["mpbench"]["gil_enabled"] is False
    gil = data["mpbench"]["gil"]
    assert (gil["enabled_at_start"], gil["enabled_at_end"], gil["warning"]) == (False, False, None)
    for bench in data["benchmarks"]:
        assert bench["extra_info"]["mpbench"]["info"]["gil_enabled"] is False
    assert sys.executable != str(python)  # this test ran the other interpreter


def test_gevent_models_skip_with_the_free_threading_reason() -> None:
    python = _ft_venv_python()
    reason = _run(
        python,
        """
        import importlib.util
        from bench_lib.subjects.io import servers as io_servers
        print(io_servers.gevent_missing() if importlib.util.find_spec("gevent") is None else "")
        """,
    )
    if not reason:
        pytest.skip("gevent is installed in the free-threaded venv: nothing is skipped")
    assert "free-threaded" in reason and "docs/freethreaded.md" in reason


def test_a_gil_warning_heads_the_run_summary() -> None:
    from bench_lib.results import summary

    check = gil_runtime.GilCheck(True, False, True, None, ["gil_needing"])
    data = {"mpbench": {"gil": {**check.as_dict(), "warning": check.warning()}}, "benchmarks": []}
    (line,) = summary.problems(data)
    assert line.startswith("GIL ON: ") and "gil_needing" in line
    quiet = gil_runtime.GilCheck(True, False, False, None)
    assert (
        summary.problems(
            {"mpbench": {"gil": {**quiet.as_dict(), "warning": None}}, "benchmarks": []}
        )
        == []
    )


def test_a_run_that_loads_a_gil_needing_module_mid_run_records_it(tmp_path: Path) -> None:
    """End to end through the plugin: GIL off after collection, on at the end, culprit named."""
    python = _ft_venv_python()
    _compile_extension(python, tmp_path, "gil_needing", declares=False)
    (tmp_path / "test_x.py").write_text(  # an mpbench benchmark: a session of only the user's
        # own benchmarks gets no mpbench block, the GIL record included (docs/pytest-benchmark.md)
        "def test_x(mpbench):\n    import gil_needing\n    mpbench.measure(lambda: None)\n"
    )
    out = tmp_path / "out.json"
    run = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "test_x.py",
            "--mpbench-profile=smoke",
            f"--benchmark-json={out}",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::RuntimeWarning",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(tmp_path)])},
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    gil = json.loads(out.read_text())["mpbench"]["gil"]
    assert (gil["enabled_at_start"], gil["enabled_at_end"]) == (False, True)
    assert gil["enabled_by"] == ["gil_needing"] and "gil_needing" in gil["warning"]
