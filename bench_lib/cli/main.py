"""The ``mpbench`` command: info, run, report, compare, ab, matrix, export, measure.

``run`` drives pytest (one engine, DESIGN.md); the others only read result files.
Bad input is a one-line error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench_lib import registry
from bench_lib.cli import export
from bench_lib.cli import measure as cli_measure
from bench_lib.cli.ab import DEFAULT_BLOCKS as DEFAULT_AB_BLOCKS
from bench_lib.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    WORK_ROOT,
    UsageError,
    available_subjects,
    parse_choices,
    positive_int,
    report_target,
    writable_folder,
    write_report_for,
)
from bench_lib.cli.run import cmd_run
from bench_lib.engine.profiles import (
    DEFAULT_PROFILE,
    PROFILE_NAMES,
    START_METHODS,
    UnknownProfileError,
    get_profile,
)
from bench_lib.machine import environment
from bench_lib.pages.folder import FolderInUseError
from bench_lib.printable import printable
from bench_lib.results import files as results
from bench_lib.results import summary


def cmd_info(args: argparse.Namespace) -> int:
    fp = environment.fingerprint()
    for key, value in fp.as_dict().items():
        print(f"{key:<22} {value}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    named = [(path, results.load(path)) for path in args.result]
    out = Path(args.output) if args.output else None
    if len(named) == 1:
        print(write_report_for(named[0][1], args.result[0], Path(args.reports), out))
        return 0
    from bench_lib.report import builds as report_builds  # matplotlib only here

    target = report_target(out or report_builds.default_dir(args.result, Path(args.reports)))
    print(report_builds.write_builds_report(named, target))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    data = results.load(args.result)
    rows = summary.rows(data)
    if args.only is not None:  # `--only ''` is refused, as `run` refuses it
        subjects = parse_choices(args.only, sorted({r.subject for r in rows}), "subject")
        rows = [r for r in rows if r.subject in subjects]
    if args.headline:
        rows = [r for r in rows if r.headline]
    print(summary.markdown_table(rows) if args.markdown else summary.text_table(rows))
    for line in summary.problems(data):
        print(f"! {line}")
    return 0


def parse_percent(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value < 1000:
        raise UsageError(f"--fail-if-slower wants a percentage such as 10, not {text!r}")
    return value


def load_comparable(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Load result files for a comparison: two or more, one schema version."""
    if len(paths) < 2:
        raise UsageError("compare needs at least two result files (a baseline and a candidate)")
    named = [(str(p), results.load(p)) for p in paths]
    schemas = {path: data["mpbench"]["schema"] for path, data in named}
    if len(set(schemas.values())) > 1:
        listed = ", ".join(f"{p} is schema {v}" for p, v in schemas.items())
        raise UsageError(f"result files of different schema versions cannot be compared: {listed}")
    return named


def cmd_compare(args: argparse.Namespace) -> int:
    from bench_lib.compare import pairs as compare  # numpy and friends only when comparing
    from bench_lib.compare import text as compare_text
    from bench_lib.stats.verdict import regressions

    threshold = parse_percent(args.fail_if_slower)
    named = load_comparable(args.results)
    out_dir = report_target(Path(args.output)) if args.output else None
    try:
        comparison = compare.build(named)
    except compare.NothingInCommonError as exc:
        raise UsageError(str(exc)) from None
    print(compare_text.terminal_report(comparison, all_figures=args.all))
    if out_dir is not None:
        from bench_lib.compare.output import write_compare_outputs  # matplotlib only here

        written = write_compare_outputs(comparison, out_dir)
        print(f"\nreport: {written.folder / 'index.html'} ({len(written.charts)} charts)")
    if threshold is None:
        return 0
    candidates = [(comparison.runs[p.candidate].label, p.figures) for p in comparison.pairs]
    failed = regressions(candidates, threshold)
    for line in failed:
        print(printable(line))
    return 1 if failed else 0


def cmd_matrix(args: argparse.Namespace) -> int:
    from bench_lib.report import (
        matrix,  # numpy and friends only here
        matrix_text,
    )

    if len(args.results) < 2:
        raise UsageError("matrix needs at least two result files (one per Python)")
    named = [(str(p), results.load(p)) for p in args.results]
    out_dir = report_target(Path(args.output)) if args.output else None
    try:
        lined_up = matrix.build(named, args.baseline)
    except matrix.BaselineError as exc:
        raise UsageError(str(exc)) from None
    print(matrix_text.terminal(lined_up), end="")
    if out_dir is not None:
        from bench_lib.report.matrix_report import write_matrix_report  # matplotlib only here

        print(f"\nreport: {write_matrix_report(lined_up, out_dir)}")
    return 0


def cmd_ab(args: argparse.Namespace) -> int:
    from bench_lib.cli import ab

    get_profile(args.profile)
    run_args = ["--profile", args.profile, *(["--only", args.only] if args.only else [])]
    if args.only:
        parse_choices(args.only, available_subjects(), "subject")
    out_root = writable_folder(Path(args.output))
    try:
        sides = (ab.Side.parse("a", args.side_a), ab.Side.parse("b", args.side_b))
        data_a, data_b = ab.run_ab(sides, run_args, args.blocks, WORK_ROOT)
    except ab.AbError as exc:
        raise UsageError(str(exc)) from None
    paths = [ab.save(d, out_root, f"{args.label}-{s}") for d, s in ((data_a, "a"), (data_b, "b"))]
    for side, path in zip("AB", paths):
        print(f"side {side}: {path}")
    args.results, args.output = paths, args.report
    return cmd_compare(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mpbench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="print this machine's fingerprint")
    info.set_defaults(func=cmd_info)
    run = sub.add_parser("run", help="run the benchmarks, save a result file, print a summary")
    run.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        help=f"one of {', '.join(PROFILE_NAMES)} (default {DEFAULT_PROFILE})",
    )
    run.add_argument("--only", help="comma-separated subjects (default: all)")
    run.add_argument("--start-methods", help=f"comma-separated, from {', '.join(START_METHODS)}")
    run.add_argument("--label", default="run", help="name stored in the file name and result")
    run.add_argument("--output", default=str(WORK_ROOT / "results"), help="results folder")
    run.add_argument(
        "--reports",
        help="reports folder (default: 'reports' beside the results folder); the run's "
        "report goes to REPORTS/<machine-id>/<run>/",
    )
    run.add_argument("--no-report", action="store_true", help="save the result only")
    run.add_argument("-k", metavar="EXPR", help="only benchmarks matching EXPR (pytest's -k)")
    run.add_argument(
        "--list", action="store_true", help="list what would run and the time estimate"
    )
    talk = run.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="no progress, failures only")
    talk.add_argument(
        "-v", "--verbose", action="store_true", help="a line per benchmark and the full table"
    )
    run.add_argument(
        "--blocks", type=positive_int, help="independent blocks per benchmark (default: profile's)"
    )
    for option in registry.run_options():  # a subject's own (distributed: --scheduler)
        run.add_argument(option.flag, metavar=option.metavar, help=option.help)
    run.set_defaults(func=cmd_run)
    ab = sub.add_parser(
        "ab",
        help="run two interpreters (or settings) alternately, block by block, and compare them",
    )
    ab.add_argument("side_a", metavar="PYTHON_A", help="interpreter or command line (baseline)")
    ab.add_argument("side_b", metavar="PYTHON_B", help="interpreter or command line (candidate)")
    ab.add_argument("--profile", default="quick", help="profile of each block (default quick)")
    ab.add_argument("--only", help="comma-separated subjects (default: all)")
    ab.add_argument(
        "--blocks", type=positive_int, default=DEFAULT_AB_BLOCKS, help="runs of each side"
    )
    ab.add_argument("--label", default="ab", help="the result files are LABEL-a and LABEL-b")
    ab.add_argument("--output", default=str(WORK_ROOT / "results"), help="results folder")
    ab.add_argument("-o", "--report", help="write the comparison report into this folder")
    ab.add_argument("--fail-if-slower", metavar="PCT", help="as for compare")
    ab.add_argument("--all", action="store_true", help="print every figure's row too")
    ab.set_defaults(func=cmd_ab)
    rep = sub.add_parser(
        "report",
        help="write the HTML + Markdown + charts report of a result; of several results "
        "(e.g. a GIL and a free-threaded build), one folder with each run's report and a page "
        "that lines up their threads and processes",
    )
    rep.add_argument("result", type=Path, nargs="+")
    rep.add_argument(
        "-o",
        "--output",
        help="report folder (default REPORTS/<machine-id>/<run>/, or <run1>+<run2>... for several)",
    )
    rep.add_argument("--reports", default=str(WORK_ROOT / "reports"), help="reports root folder")
    rep.set_defaults(func=cmd_report)
    mat = sub.add_parser(
        "matrix",
        help="line up runs of several Pythons: per subject against a baseline, headline figures",
    )
    mat.add_argument("results", type=Path, nargs="+", help="result files, one per interpreter")
    mat.add_argument("-o", "--output", help="write index.html, summary.md and charts here")
    mat.add_argument(
        "--baseline",
        metavar="LABEL",
        help="the run the others are measured against: a label as printed (3.11.7), a minor "
        "version (3.11, 3.13t) or a file (default: the oldest Python)",
    )
    mat.set_defaults(func=cmd_matrix)
    show = sub.add_parser("show", help="print the summary table of a result file")
    show.add_argument("result", type=Path)
    show.add_argument("--only", help="comma-separated subjects")
    show.add_argument("--markdown", action="store_true", help="a Markdown table")
    show.add_argument("--headline", action="store_true", help="each benchmark's first figure only")
    show.set_defaults(func=cmd_show)
    comp = sub.add_parser(
        "compare",
        help="compare result files: the first is the baseline, each other is tested against it",
    )
    comp.add_argument("results", type=Path, nargs="+", help="result files, baseline first")
    comp.add_argument("-o", "--output", help="write summary.md and charts into this folder")
    comp.add_argument("--all", action="store_true", help="print every figure's row too")
    comp.add_argument(
        "--fail-if-slower",
        metavar="PCT",
        help="exit 1 when a figure is 'slower' by more than PCT percent (a CI regression gate)",
    )
    comp.set_defaults(func=cmd_compare)
    export.add_parser(sub)
    cli_measure.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except (UsageError, UnknownProfileError, results.ResultFileError, FolderInUseError) as exc:
        print(f"mpbench {args.command}: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `mpbench show ... | head`: the reader has all it wanted
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("mpbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
