"""Property: any mutation of a result file, written out as JSON text, is either refused with a
one-line ResultFileError or read, shown, compared and reported without a traceback; nothing from
the file reaches the terminal raw, and a report folder appears whole or not at all.

Mutations reach every field (values of every JSON type, NaN and Infinity, floats at the edges of
the float range, zero and negative times, long integers, nesting far past any parser's depth,
thousands of rounds, control and bidi characters, duplicated benchmarks); hypothesis searches
for the combinations that break a reader.
"""

from __future__ import annotations

import copy
import json
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench_lib.cli import main as cli
from bench_lib.compare import pairs as compare
from bench_lib.compare import text as compare_text
from bench_lib.report import recommend
from bench_lib.report import render as report
from bench_lib.results import files as results
from bench_lib.results import summary, tidy
from bench_lib.stats.verdict import VERDICTS


class Text:
    """A value that only exists as JSON text: written in place of a marker string."""

    def __init__(self, name: str, text: str) -> None:
        self.marker, self.text = f"@@{name}@@", text

    def __repr__(self) -> str:
        return self.marker


DEEP = Text("deep", "[" * 100_000 + "]" * 100_000)  # RecursionError in any recursive reader
NEAR_LIMIT = Text("near", "[" * 900 + "]" * 900)  # parses; deep enough to trip a printer
LONG_INT = Text("long_int", "9" * 5000)  # past Python's 4300-digit limit
OVERFLOW = Text("overflow", "1e400")  # parses as inf
TEXTS = (DEEP, NEAR_LIMIT, LONG_INT, OVERFLOW)
CONTROL = "x\x1b[31m\x1b]0;t\x07\r\x00\u202e\u2028\x9b"
REPLACEMENTS: list[Any] = [
    *(None, "", "<b>x</b>", CONTROL, True, [], {}, [1, "a"], {"a": None}, {"x": [1, [2]]}),
    *(0, -1, -0.0, 1e308, -1e308, 5e-324, 10**24, float("nan"), float("inf"), float("-inf")),
    *([0.0] * 6, [1e308] * 5, [5e-324] * 7, [0.0, 1e308] * 3, [1e-3] * 2500),
    *TEXTS,
]
DELETE = object()
DUPLICATE = object()  # append a copy of the first benchmark
UNSAFE = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):
            out += paths(value, (*prefix, i))
    return out


def apply(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    if value is DUPLICATE:
        out["benchmarks"] = [*out.get("benchmarks", []), *out.get("benchmarks", [])[:1]]
        return out
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        if isinstance(target, dict):
            del target[path[-1]]
        else:
            target.pop(path[-1])
    else:
        target[path[-1]] = value.marker if isinstance(value, Text) else value
    return out


def as_text(data: dict[str, Any]) -> str:
    text = json.dumps(data)  # NaN and Infinity written as Python does, as JSON never allows
    for value in TEXTS:
        text = text.replace(json.dumps(value.marker), value.text)
    return text


def unsafe(text: str) -> list[str]:
    return [c for c in text if c != "\n" and unicodedata.category(c) in UNSAFE]


def with_rounds(data: dict[str, Any]) -> dict[str, Any]:
    """The smoke run with 6 rounds a benchmark, so comparisons reach their verdicts."""
    out = copy.deepcopy(data)
    for i, bench in enumerate(out["benchmarks"]):
        bench["stats"]["data"] = [1e-3 * (1 + 0.01 * ((i + k) % 5)) for k in range(6)]
        bench["extra_info"]["mpbench"]["rounds"] = 6
    return out


@pytest.fixture(scope="module")
def base(spawn_smoke: dict[str, Any]) -> dict[str, Any]:
    return with_rounds(spawn_smoke)


def read_everything(
    data: dict[str, Any], path: Path, baseline: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    frame = tidy.figures(data)
    tidy.metrics(data)
    tidy.derived(data)
    advice = recommend.recommendations(data, frame)
    report.render_markdown(data, advice)
    report.render_html(data, {}, advice)
    assert cli.main(["show", str(path)]) == 0
    assert unsafe(capsys.readouterr().out) == []
    try:
        comparison = compare.build([("base", baseline), (str(path), data)])
    except compare.NothingInCommonError:
        return
    for f in comparison.pairs[0].figures:
        assert f.verdict in VERDICTS and f.reason, f
    assert unsafe(compare_text.terminal_report(comparison)) == []
    assert summary.problems(data) == [] or unsafe("".join(summary.problems(data))) == []


def mutated(base: dict[str, Any], choice: st.DataObject) -> dict[str, Any]:
    data = base
    for _ in range(choice.draw(st.integers(1, 3))):
        options = paths(data)
        if not options:
            break
        path = choice.draw(st.sampled_from(options))
        data = apply(data, path, choice.draw(st.sampled_from([*REPLACEMENTS, DELETE, DUPLICATE])))
    return data


def refused_or_loaded(text: str, folder: Path) -> tuple[Path, dict[str, Any] | None]:
    path = folder / "fuzz.json"
    path.write_text(text)
    try:
        return path, results.load(path)
    except results.ResultFileError as err:
        message = str(err)
        assert message.startswith(f"{path}: ") and "\n" not in message, message
        assert unsafe(message) == [] and len(message) < 400, message
        return path, None


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(choice=st.data())
def test_mutated_results_are_refused_or_read(
    base: dict[str, Any], choice: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path, checked = refused_or_loaded(as_text(mutated(base, choice)), Path(tmp))
        if checked is not None:
            read_everything(checked, path, base, capsys)


BENCH = ("benchmarks", 0, "extra_info", "mpbench")
FIGURE = (*BENCH, "figures", 0)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    (*FIGURE, "median"),
                    (*FIGURE, "ci_high"),
                    (*FIGURE, "unit"),
                    (*BENCH, "params"),
                    (*BENCH, "case"),
                    ("benchmarks", 0, "stats", "data"),
                    ("machine_info", "mpbench", "hostname"),
                ]
            ),
            st.sampled_from([*REPLACEMENTS, DUPLICATE]),
        ),
        min_size=1,
        max_size=2,
    )
)
@example(edits=[((*FIGURE, "median"), 1e308)])
@example(edits=[((*BENCH, "params"), {"start": ["fork", "spawn"]})])
@example(edits=[((*FIGURE, "median"), float("inf"))])
def test_a_report_folder_appears_whole_or_not_at_all(
    base: dict[str, Any], edits: list[tuple[tuple[Any, ...], Any]]
) -> None:
    data = base
    for path, value in edits:
        data = apply(data, path, value)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = folder / "fuzz.json"
        result.write_text(as_text(data))
        code = cli.main(["report", str(result), "-o", str(folder / "report")])
        assert code in (0, cli.EXIT_USAGE)
        names = sorted(p.name for p in folder.iterdir())
        assert names == (["fuzz.json", "report"] if code == 0 else ["fuzz.json"])
        if code == 0:
            assert (folder / "report" / "index.html").exists()


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:
        fh.truncate(2**30)  # sparse: 1 GiB on paper, nothing on disk
    with pytest.raises(results.ResultFileError, match="1024 MiB, more than a result file"):
        results.load(huge)
