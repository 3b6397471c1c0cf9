"""Where `mpbench run` finds the benchmark files, and where its results go by default.

Two places, the checkout first:

- a source checkout (``pip install -e .``, or ``PYTHONPATH`` set to it): the top-level
  ``benchmarks/`` folder beside ``pyproject.toml``, whose ``[tool.pytest.ini_options]`` pytest
  reads; results and reports go to the checkout's ``results/`` and ``reports/``, where the
  committed runs live;
- an installed package (``pip install mpbench``): the copy of that folder the wheel carries
  as ``bench_lib/benchmarks/`` (pyproject.toml maps it); pytest reads ``suite.ini`` beside this
  module instead of any configuration it would find above site-packages, and results and
  reports go to ``results/`` and ``reports/`` in the current directory.

Either way pytest's rootdir is the folder above the benchmarks, so a benchmark's fullname
reads ``benchmarks/test_spawn.py::...`` whichever copy ran it, and results of both compare.
The suite's ``conftest.py`` registers its markers and warning filters itself, so they hold
with either configuration file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # bench_lib, in a checkout or in site-packages
CHECKOUT = PACKAGE.parent  # the source checkout, when bench_lib sits in one
FOLDER = "benchmarks"  # the benchmark files' folder: in the checkout and in the package alike
INSTALLED_INI = Path(__file__).with_name("suite.ini")


@dataclass(frozen=True)
class Suite:
    """The benchmark files one `mpbench run` drives pytest over, and pytest's settings."""

    folder: Path  # test_<subject>.py files and their conftest.py
    rootdir: Path  # pytest's --rootdir: the folder above ``folder``
    inifile: Path  # pytest's -c: pyproject.toml in a checkout, suite.ini when installed
    work_root: Path  # default parent of results/ and reports/
    installed: bool  # True: the copy inside the installed package

    def pytest_config_args(self) -> list[str]:
        """The options that pin pytest to this suite's settings, whatever the current folder."""
        return [f"--rootdir={self.rootdir}", "-c", str(self.inifile)]


def is_checkout(root: Path) -> bool:
    """A source checkout of mpbench: its pyproject.toml beside bench_lib and benchmarks/."""
    return (root / "pyproject.toml").is_file() and (root / FOLDER / "conftest.py").is_file()


def find(cwd: Path | None = None) -> Suite:
    """The checkout's benchmarks when bench_lib runs from one, else the installed copy."""
    if is_checkout(CHECKOUT):
        return Suite(CHECKOUT / FOLDER, CHECKOUT, CHECKOUT / "pyproject.toml", CHECKOUT, False)
    return Suite(PACKAGE / FOLDER, PACKAGE, INSTALLED_INI, cwd or Path.cwd(), True)
