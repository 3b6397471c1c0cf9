"""`mpbench export`: a result file in another tool's format, every round kept.

- ``--format pyperf``: one pyperf benchmark per figure, one pyperf run per block, its values
  the block's rounds in seconds per operation, written through pyperf's own API, so that
  ``python -m pyperf stats FILE`` and ``python -m pyperf compare_to A B`` read it;
- ``--format csv``: a tidy table, one row per round of each figure (pandas reads it back).

docs/export.md shows both with real output.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from bench_lib.cli.common import UsageError
from bench_lib.results import files as results
from bench_lib.results import records
from bench_lib.results.rounds import FigureRounds, figure_rounds

FORMATS = ("pyperf", "csv")
STDOUT = "-"
PYPERF_MISSING = (
    "--format pyperf needs the pyperf package, which is not installed: "
    "pip install 'mpbench[export]' (or pip install pyperf)"
)


def add_parser(sub: Any) -> None:
    """The ``export`` subcommand, registered on ``mpbench``'s subparsers."""
    exp = sub.add_parser(
        "export",
        help="write a result file for another tool: pyperf (python -m pyperf stats, "
        "compare_to), or csv (every round of every figure)",
    )
    exp.add_argument("result", type=Path, help="a result file")
    exp.add_argument("--format", required=True, choices=FORMATS, help="the format to write")
    exp.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the file to write ('-': stdout)"
    )
    exp.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    data = results.load(args.result)
    if args.format == "pyperf":
        written = export_pyperf(data, args.output)
    else:
        written = export_csv(data, args.output)
    to = sys.stderr if args.output == STDOUT else sys.stdout
    print(f"mpbench export: {written}", file=to)
    return 0


def export_pyperf(data: dict[str, Any], output: str) -> str:
    from bench_lib.cli import export_pyperf as to_pyperf  # pyperf only when asked for

    try:
        suite, left_out = to_pyperf.suite(data)
    except to_pyperf.PyperfMissing:
        raise UsageError(PYPERF_MISSING) from None
    except to_pyperf.NothingToExport as exc:
        raise UsageError(str(exc)) from None
    for line in left_out:
        print(f"mpbench export: left out {line}", file=sys.stderr)
    write(output, lambda fh: suite.dump(fh))
    runs = sum(b.get_nrun() for b in suite)
    return f"{len(suite)} pyperf benchmarks ({runs} runs) to {output}"


def csv_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per round of each figure: who it is, the round as measured, as the figure and
    per operation, and the parameters as ``p_<name>`` columns."""
    from bench_lib.results.tidy import param_columns  # pandas only when a table is made

    machine = records.Machine.of(data)
    for fr in figure_rounds(data):
        who = _who(fr, machine)
        params = param_columns(fr.bench.params)
        for block, rounds_s in enumerate(fr.blocks_s, 1):
            for number, round_s in enumerate(rounds_s, 1):
                yield {
                    **who,
                    "block": block,
                    "round": number,
                    "round_s": round_s,
                    "value": fr.figure_value(round_s),
                    "per_op_s": fr.per_op_s(round_s),
                    **params,
                }


def _who(fr: FigureRounds, machine: records.Machine) -> dict[str, Any]:
    return {
        "benchmark": fr.bench.name,
        "subject": fr.bench.subject,
        "case": fr.bench.case,
        "figure": fr.figure.name,
        "unit": fr.figure.unit,  # of ``value``; ``round_s`` and ``per_op_s`` are seconds
        "kind": fr.figure.kind,
        "per_round": fr.work,
        "machine_id": machine.machine_id,
        "python": machine.python_version,
    }


def export_csv(data: dict[str, Any], output: str) -> str:
    import pandas as pd  # only when a table is written

    from bench_lib.results.tidy import PARAM_PREFIX

    table = pd.DataFrame(list(csv_rows(data)))
    if table.empty:
        raise UsageError("the result file holds no measured round to export")
    params = [c for c in table.columns if c.startswith(PARAM_PREFIX)]
    table[params] = table[params].convert_dtypes()  # workers=2, not 2.0 beside empty cells
    write(output, lambda fh: table.to_csv(fh, index=False))
    figures = table.groupby(["subject", "benchmark", "figure"], sort=False).ngroups
    return f"{len(table)} rounds of {figures} figures to {output}"


def write(output: str, fill: Callable[[TextIO], object]) -> None:
    """Write ``output`` whole or not at all: a temporary file beside it, renamed onto it."""
    if output == STDOUT:
        fill(sys.stdout)
        return
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.absolute().parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fill(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
