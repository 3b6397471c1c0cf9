"""A comparison as text: the machine differences, the warnings, one table per pair.

The same cells serve the terminal and Markdown; every string from a result file is escaped
for Markdown (and so for the HTML a Markdown renderer makes) by :func:`md_escape`.
"""

from __future__ import annotations

import math
import re

from bench_lib.compare.pairs import Comparison, FigureComparison, PairComparison
from bench_lib.printable import printable
from bench_lib.units import format_value

HEADERS = (
    "subject",
    "benchmark",
    "figure",
    "baseline",
    "candidate",
    "ratio (95% interval)",
    "blocks",
    "p (Holm)",
    "verdict",
    "why",
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # emphasis, code, links, table cells
_MD_LINE_START = re.compile(r"^([#+=-])")  # would open a heading or a list
_MD_ORDERED = re.compile(r"^(\d+)([.)])")  # would open a numbered list


def md_escape(text: str) -> str:
    """Safe inside a Markdown table cell and inside the HTML a renderer makes of it."""
    text = (
        printable(text.replace("\n", " "))
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )
    text = _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))
    return _MD_ORDERED.sub(r"\1\\\2", _MD_LINE_START.sub(r"\\\1", text))


def ratio_text(f: FigureComparison) -> str:
    if f.ratio is None:
        return "n/a"
    text = f"{f.ratio:.3f}x"
    if f.ratio_ci is not None:
        text += f" ({f.ratio_ci[0]:.3f}..{f.ratio_ci[1]:.3f})"
    return text


def figure_text(f: FigureComparison) -> str:
    if f.higher_is_better is None:
        return f.figure
    return f"{f.figure} ({'higher' if f.higher_is_better else 'lower'} is better)"


def cells(f: FigureComparison) -> tuple[str, ...]:
    n = f"{f.blocks_baseline}/{f.blocks_candidate}" if f.n_baseline or f.n_candidate else "1 value"
    return (
        f.subject,
        f.name,
        figure_text(f),
        format_value(f.baseline, f.unit),
        format_value(f.candidate, f.unit),
        ratio_text(f),
        n,
        "n/a" if f.p_adjusted is None else f"{f.p_adjusted:.2g}",
        f.verdict + (" (noisy)" if f.noisy else ""),
        f.reason,
    )


def text_table(rows: list[tuple[str, ...]], headers: tuple[str, ...] = HEADERS) -> str:
    """Aligned columns for a terminal; control characters in cells are shown escaped."""
    table = [tuple(map(printable, r)) for r in (headers, *rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(len(headers))).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[tuple[str, ...]], headers: tuple[str, ...] = HEADERS) -> str:
    lines = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def subject_lines(pair: PairComparison) -> list[str]:
    out = []
    for s in pair.subjects:
        counts = ", ".join(f"{n} {v}" for v, n in s.counts if n)
        interval = f" ({s.geomean_ci[0]:.3f}..{s.geomean_ci[1]:.3f})" if s.geomean_ci else ""
        speed = (
            f"speed {s.geomean_speed:.3f}x{interval}, geometric mean of {s.figures} benchmarks"
            if s.geomean_speed is not None
            else "no figure with rounds and a direction"
        )
        out.append(f"{s.subject}: {speed}; {counts}")
    return out


BIGGEST = 5  # real changes listed before any table


def biggest_changes(pair: PairComparison, top: int = BIGGEST) -> list[str]:
    """The largest faster/slower verdicts, one per benchmark, largest change first."""
    seen, out = set(), []
    decided = [f for f in pair.figures if f.verdict in ("faster", "slower") and f.speed]
    for f in sorted(decided, key=lambda f: -abs(math.log(f.speed or 1.0))):
        if (f.subject, f.name) in seen:
            continue
        seen.add((f.subject, f.name))
        out.append(f"{f.verdict} {f.subject} {f.name}: {f.figure} {ratio_text(f)}, {f.reason}")
    return out[:top]


def machine_rows(
    comparison: Comparison, only_differences: bool, group: str | None = None
) -> list[tuple[str, ...]]:
    """The fingerprint rows of ``group`` ("machine", "build"; None: both)."""
    return [
        (m.name, *m.values)
        for m in comparison.machine
        if (m.differs or not only_differences) and group in (None, m.group)
    ]


def machine_headers(comparison: Comparison) -> tuple[str, ...]:
    return ("", *(r.label for r in comparison.runs))


def pair_title(comparison: Comparison, pair: PairComparison) -> str:
    base, cand = comparison.runs[pair.baseline], comparison.runs[pair.candidate]
    return f"{cand.title} against baseline {base.title}"


def terminal_report(comparison: Comparison, all_figures: bool = False) -> str:
    """What `mpbench compare` prints: runs, machine differences, warnings, then per pair the
    subjects' verdicts and geometric means, the largest real changes, and (``all_figures``)
    the table of every figure.

    Every line from a result file is escaped by :func:`printable` (tables cell by cell)."""
    safe = printable
    out = ["runs:"]
    out += [safe(f"  {i}. {r.title}: {r.path}") for i, r in enumerate(comparison.runs)]
    diffs = machine_rows(comparison, only_differences=True, group="machine")
    builds = machine_rows(comparison, only_differences=True, group="build")
    out.append("")
    if diffs:
        out += ["what differs:", text_table(diffs, machine_headers(comparison))]
    if builds:
        out += ["build differences:", text_table(builds, machine_headers(comparison))]
    if not diffs and not builds:
        out.append("machines and Pythons: no difference in the fingerprint")
    out += [safe(f"! {w}") for w in comparison.warnings]
    for pair in comparison.pairs:
        out += ["", safe(pair_title(comparison, pair)), ""]
        out += [safe(f"  {line}") for line in subject_lines(pair)]
        changes = biggest_changes(pair)
        out += ["", "largest real changes:" if changes else "no real change found"]
        out += [safe(f"  {line}") for line in changes]
        if all_figures:
            out += ["", text_table([cells(f) for f in pair.figures])]
            out += [safe(f"  only in baseline: {x}") for x in pair.only_in_baseline]
            out += [safe(f"  only in candidate: {x}") for x in pair.only_in_candidate]
        else:
            out.append(f"  ({len(pair.figures)} figures: --all prints them, the report has them)")
    out += ["", legend(comparison)]
    return "\n".join(out)


def legend(comparison: Comparison) -> str:
    paired = any(f.paired for pair in comparison.pairs for f in pair.figures)
    test = (
        "a one-sample t on the log ratios of blocks made side by side (mpbench ab: block k of "
        "each side ran in the same seconds as the other's, the two taking turns round by round, "
        "so drift and the machine's speed states hit both alike)"
        if paired
        else "Welch's t"
    )
    return (
        "ratio = candidate / baseline of the block medians on each figure's own scale (a time "
        f"below 1 or a rate above 1 is faster); 95% intervals and {test} from the blocks, "
        f"the independent replicates of a run; {comparison.correction}; "
        f"'same' = interval within +-{comparison.min_effect:.0%}, 'faster'/'slower' = "
        f"significant (alpha {comparison.alpha}), interval clear of 1 and change beyond "
        f"{comparison.min_effect:.0%}; under {comparison.min_blocks} blocks a side: 'inconclusive'"
    )


def markdown_report(comparison: Comparison, charts: list[str]) -> str:
    """``summary.md``: the same content as the terminal, as Markdown, strings escaped."""
    out = ["# mpbench compare", "", md_escape(comparison.describe_runs), ""]
    out += ["## Runs", ""]
    out += [
        f"{i}. {md_escape(r.title)}: `{r.path.replace('`', '')}`"
        for i, r in enumerate(comparison.runs)
    ]
    out += ["", "## What differs", ""]
    diffs = machine_rows(comparison, only_differences=True)
    out.append(
        markdown_table(diffs, machine_headers(comparison))
        if diffs
        else "Nothing in the fingerprint."
    )
    if comparison.warnings:
        out += ["", "## Warnings", ""] + [f"- {md_escape(w)}" for w in comparison.warnings]
    for pair in comparison.pairs:
        out += ["", f"## {md_escape(pair_title(comparison, pair))}", ""]
        out += [f"- {md_escape(line)}" for line in subject_lines(pair)]
        out += ["", markdown_table([cells(f) for f in pair.figures])]
        missing = [f"baseline only: {x}" for x in pair.only_in_baseline]
        missing += [f"candidate only: {x}" for x in pair.only_in_candidate]
        if missing:
            out += ["", "Not compared:", ""] + [f"- {md_escape(x)}" for x in missing]
    if charts:
        out += ["", "## Charts", ""] + [f"- [{md_escape(c)}]({c})" for c in charts]
    out += ["", md_escape(legend(comparison)), ""]
    return "\n".join(out)
