"""What every `mpbench` command shares: where the benchmarks are, exit codes, checked input.

Bad input is a :class:`UsageError`: one line and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from bench_lib.cli import suite
from bench_lib.pages.folder import check_replaceable

REPO = suite.CHECKOUT  # the source checkout, when bench_lib runs from one
SUITE = suite.find()  # the checkout's benchmarks/, or the copy installed with the package
BENCHMARKS = SUITE.folder  # the benchmark files `run` drives (tests point it elsewhere)
WORK_ROOT = SUITE.work_root  # results/ and reports/ go here by default
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # the shell's code for "stopped by Ctrl-C"


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def available_subjects() -> list[str]:
    if not BENCHMARKS.is_dir():
        raise UsageError(
            f"no benchmarks folder at {BENCHMARKS}: this mpbench was installed without its "
            "benchmarks; reinstall it from its wheel (pip install mpbench), or run a source "
            "checkout (pip install -e .)"
        )
    return sorted(p.stem.removeprefix("test_") for p in BENCHMARKS.glob("test_*.py"))


def parse_choices(text: str | None, valid: list[str], what: str) -> list[str]:
    """A comma list checked against the valid names; None means all of them."""
    if text is None:
        return valid
    chosen = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [c for c in chosen if c not in valid]
    if unknown or not chosen:
        raise UsageError(
            f"unknown {what} {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from: {', '.join(valid)}"
        )
    return chosen


def writable_folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to output folder {path}: {exc.strerror or exc}") from None
    return path


def report_target(path: Path) -> Path:
    """A report folder to write: its parent writable, and nothing but an earlier report in it
    (the folder itself appears only once complete, see report_folder)."""
    check_replaceable(path.absolute())
    writable_folder(path.absolute().parent)
    return path


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"wants a whole number of at least 1, not {text!r}")
    return int(text)


def write_report_for(
    data: dict[str, Any], result: Path, reports_root: Path, out: Path | None = None
) -> Path:
    from bench_lib.report import (
        render as report,  # pandas and matplotlib load only when a report is made
    )

    target = out or report.default_dir(result, reports_root)
    return report.write_report(data, report_target(target))
