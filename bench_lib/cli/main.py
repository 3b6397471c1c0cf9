"""The ``mpbench`` command, one module per command: info, run, ab, report, matrix, show,
compare, export, measure.

``run`` drives pytest (one engine, docs/design.md); ``measure`` times the user's function with
the same statistics; the others only read result files. Bad input is a one-line error and exit
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench_lib.cli import compare, export, info, matrix, measure, report, run, show
from bench_lib.cli.ab import DEFAULT_BLOCKS as DEFAULT_AB_BLOCKS
from bench_lib.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    WORK_ROOT,
    UsageError,
    available_subjects,
    parse_choices,
    positive_int,
    writable_folder,
)
from bench_lib.engine.profiles import UnknownProfileError, get_profile
from bench_lib.pages.folder import FolderInUseError
from bench_lib.printable import printable
from bench_lib.results import files as results


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
    return compare.cmd_compare(args)


def add_ab_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mpbench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    info.add_parser(sub)
    run.add_parser(sub)
    add_ab_parser(sub)
    for command in (report, matrix, show, compare, export, measure):
        command.add_parser(sub)
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
