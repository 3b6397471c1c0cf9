"""The matrix as tables of text: for the terminal (``mpbench matrix``), summary.md and the page.

Cells: a subject's geometric mean speed against the baseline with its 95% interval
("1.07x (0.98-1.17)", above 1 = faster than the baseline); a headline figure's median as
measured in that run, with its interval.
"""

from __future__ import annotations

from bench_lib.printable import printable
from bench_lib.report.builds_gil import Estimate
from bench_lib.report.matrix import SPEEDUP_UNIT, Matrix, SubjectCell
from bench_lib.results.summary import md_escape
from bench_lib.units import format_value

MISSING = "-"  # not measured in that run, or nothing in common with the baseline
AB_HINT = (
    "A verdict on one pair (faster, slower, same) needs both interpreters run in alternation, "
    "so that the machine's drift hits both: mpbench ab PYTHON_A PYTHON_B --profile quick "
    "--only SUBJECT -o DIR. The intervals here are each run's own; runs made one after the "
    "other on a busy machine also differ by what the machine did in between."
)


def subject_cell(cell: SubjectCell | None, is_baseline: bool) -> str:
    if is_baseline:
        return "baseline"
    if cell is None or cell.speed is None:
        return MISSING
    ci = f" ({cell.ci[0]:.2f}-{cell.ci[1]:.2f})" if cell.ci else ""
    return f"{cell.speed:.2f}x{ci}"


def value_cell(value: Estimate | None, unit: str) -> str:
    if value is None:
        return MISSING
    if unit == SPEEDUP_UNIT:
        return value.text()
    if value.ci_low is None or value.ci_high is None:
        return format_value(value.value, unit)
    texts = [format_value(v, unit) for v in (value.value, value.ci_low, value.ci_high)]
    scales = {t.partition(" ")[2] for t in texts}
    if len(scales) == 1:  # one prefix and unit: say it once, "4.92 ms (4.82-5.08)"
        return f"{texts[0]} ({texts[1].partition(' ')[0]}-{texts[2].partition(' ')[0]})"
    return f"{texts[0]} ({texts[1]} .. {texts[2]})"


def headers(matrix: Matrix) -> tuple[str, ...]:
    return ("", *(r.label for r in matrix.runs))


def subject_rows(matrix: Matrix) -> list[tuple[str, ...]]:
    return [
        (subject, *(subject_cell(c, i == matrix.baseline) for i, c in enumerate(cells)))
        for subject, cells in matrix.subjects
    ]


def headline_rows(matrix: Matrix) -> list[tuple[str, ...]]:
    return [(row.name, *(value_cell(v, row.unit) for v in row.values)) for row in matrix.headlines]


def baseline_words(matrix: Matrix) -> str:
    base = matrix.runs[matrix.baseline]
    return f"{base.label} ({base.path})"


def _text_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    table = [head, *rows]
    widths = [max(len(printable(r[i])) for r in table) for i in range(len(head))]
    return ["  ".join(printable(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]


def terminal(matrix: Matrix) -> str:
    lines = [f"baseline: {baseline_words(matrix)}", ""]
    lines += ["Per subject: geometric mean speed against the baseline (95% CI; > 1 = faster)"]
    lines += _text_table(headers(matrix), subject_rows(matrix))
    lines += ["", "Headline figures, as measured in each run (median, 95% CI)"]
    lines += _text_table(headers(matrix), headline_rows(matrix))
    lines += [""] + [f"! {printable(n)}" for n in matrix.notes]
    return "\n".join(lines).rstrip() + "\n"


def _md_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(md_escape(h) for h in head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]


def markdown(matrix: Matrix, sentences: list[str], charts: list[str]) -> str:
    lines = ["# mpbench matrix: several Pythons lined up", ""]
    lines += [f"Baseline: {md_escape(baseline_words(matrix))}", ""]
    lines += [
        f"- {md_escape(r.label)}: `{md_escape(r.path)}` (profile {md_escape(r.profile)})"
        for r in matrix.runs
    ]
    lines += ["", "## Per subject, against the baseline", ""]
    lines += ["Geometric mean speed over the subject's benchmarks (95% CI); above 1 is faster.", ""]
    lines += _md_table(headers(matrix), subject_rows(matrix))
    lines += ["", "## Headline figures", "", *_md_table(headers(matrix), headline_rows(matrix))]
    if sentences:
        lines += ["", "## The GIL on each build", ""] + [f"- {md_escape(s)}" for s in sentences]
    lines += [""] + [f"![chart]({c})" for c in charts]
    if matrix.notes:
        lines += ["", "## Notes", ""] + [f"- {md_escape(n)}" for n in matrix.notes]
    lines += ["", "## Pairwise verdicts", "", AB_HINT]
    return "\n".join(lines) + "\n"
