"""Property: any mutation of a result file is either refused with a ResultFileError or
read and summarised without a crash (hypothesis finds the counter-examples)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_lib import recommend, report, results, summary, tidy

REPLACEMENTS = [None, "", "<b>x</b>", 0, -1, 1e308, -0.0, [], {}, True, [1, "a"], {"a": None}]
DELETE = object()


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
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        if isinstance(target, dict):
            del target[path[-1]]
        else:
            target.pop(path[-1])
    else:
        target[path[-1]] = value
    return out


def read_everything(data: dict[str, Any]) -> None:
    summary.text_table(summary.rows(data))
    summary.problems(data)
    frame = tidy.figures(data)
    tidy.metrics(data)
    advice = recommend.recommendations(data, frame)
    report.render_markdown(data, advice)
    report.render_html(data, {}, advice)


@pytest.fixture(scope="module")
def base(spawn_smoke: dict[str, Any]) -> dict[str, Any]:
    return spawn_smoke


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(choice=st.data())
def test_mutated_results_are_refused_or_read(base: dict[str, Any], choice: st.DataObject) -> None:
    data = base
    for _ in range(choice.draw(st.integers(1, 3))):
        options = paths(data)
        if not options:
            break
        path = choice.draw(st.sampled_from(options))
        data = apply(data, path, choice.draw(st.sampled_from([*REPLACEMENTS, DELETE])))
    try:
        checked = results.validate(json.loads(json.dumps(data)), "fuzz.json")
    except results.ResultFileError as err:
        assert str(err).startswith("fuzz.json: ") and "\n" not in str(err)
        return
    read_everything(checked)


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:
        fh.truncate(2**30)  # sparse: 1 GiB on paper, nothing on disk
    with pytest.raises(results.ResultFileError, match="1024 MiB, more than a result file"):
        results.load(huge)
