"""The subject registry: one declaration per subject folder, and everything agrees with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench_lib import registry
from bench_lib.charts import style as chart_style

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_file_has_a_registry_entry_and_the_reverse() -> None:
    files = {p.stem.removeprefix("test_") for p in (ROOT / "benchmarks").glob("test_*.py")}
    assert files == set(registry.names())


def test_subjects_come_in_report_order_with_the_headline_first() -> None:
    orders = [s.order for s in registry.subjects()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert registry.names()[0] == "gil"


def test_every_subject_draws_charts_and_gives_advice() -> None:
    for subject in registry.subjects():
        assert registry.charts(subject), subject.name
        assert registry.advice(subject) is not None, subject.name


def test_a_series_keeps_one_colour_across_subjects_and_the_shared_palette() -> None:
    subjects = registry.palette()
    for series, colour in subjects.items():
        assert chart_style.PALETTE.get(series, colour) == colour, series
        assert chart_style.colour(series) == colour
    assert chart_style.colour("fork") == chart_style.PALETTE["fork"]


def test_an_unknown_subject_names_the_known_ones() -> None:
    try:
        registry.get("teleport")
    except registry.UnknownSubjectError as exc:
        assert "gil" in str(exc) and "distributed" in str(exc)
    else:
        raise AssertionError("no error for an unknown subject")


def test_reading_the_registry_loads_no_heavy_module() -> None:
    # the CLI lists subjects before anything is measured: no pandas, matplotlib or dask
    code = (
        "import sys; from bench_lib import registry; registry.subjects(); "
        "print(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'distributed', 'psutil') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_a_subjects_run_option_reaches_mpbench_run_and_its_check_refuses_bad_input() -> None:
    from bench_lib.cli.main import build_parser

    options = {o.flag: o for o in registry.run_options()}
    assert set(options) == {"--scheduler", "--payload"}  # distributed's, ipc's
    args = build_parser().parse_args(["run", "--scheduler", "tcp://nowhere:1"])
    assert args.scheduler == "tcp://nowhere:1"
    try:
        options["--scheduler"].checked("not an address")
    except ValueError as exc:
        assert str(exc)  # the reason, shown as a one-line error
    else:
        raise AssertionError("a malformed address passed the check")
