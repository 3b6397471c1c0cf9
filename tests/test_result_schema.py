"""The JSON Schema of the result format (bench_lib/results/result.schema.json): every committed
result fits it, and it refuses what mpbench's own check (bench_lib/results/schema.py) refuses,
field by field, so the two cannot drift apart."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from bench_lib.results import files as results
from bench_lib.results import schema

jsonschema = pytest.importorskip("jsonschema", reason="the schema tests need jsonschema")

COMMITTED = sorted((REPO / "results").glob("*/*.json"))
Path_ = tuple[Any, ...]  # keys and indexes from the top of a file to a value


@pytest.fixture(scope="module")
def validator() -> Any:
    document = json.loads(schema.JSON_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def fits(validator: Any, data: Any) -> bool:
    return not list(validator.iter_errors(data))


def mpbench_fits(data: Any) -> bool:
    try:
        results.validate(data)
    except results.ResultFileError:
        return False
    return True


def test_the_schema_is_draft_2020_12_and_names_its_version(validator: Any) -> None:
    document = validator.schema
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    version = document["$defs"]["run"]["properties"]["schema"]["enum"]
    assert version == list(results.SUPPORTED_SCHEMAS)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_every_committed_result_fits_the_schema(validator: Any, path: Path) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(json.loads(path.read_text()))
    ]
    assert errors == []


def small_sample() -> dict[str, Any]:
    """A committed file cut to a few benchmarks that hold every optional block (floor, paired,
    metrics, noise flags), so each field the spec declares is there to break."""
    data = json.loads(COMMITTED[0].read_text())
    wanted = ("floor", "paired", "noise")
    keep = [data["benchmarks"][0]]
    for key in wanted:
        keep += [b for b in data["benchmarks"] if b["extra_info"]["mpbench"].get(key)][:1]
    data["benchmarks"] = keep
    data["mpbench"]["failures"] = [{"test": "t", "reason": "r"}]
    data["mpbench"]["concurrent_runs"] = [{"pid": 1, "what": "w"}]
    return data


def wrong_values(spec: Any) -> Iterator[Any]:
    """Values ``spec`` refuses, in JSON's own types."""
    if isinstance(spec, schema.Measure):
        yield from (-1.0, "1", True) if not spec.positive else (0, -1.0, "1")
    elif isinstance(spec, schema.OneOf):
        yield "not-one-of-them"
    elif isinstance(spec, dict):
        yield "an object wanted"
    elif isinstance(spec, list):
        yield "a list wanted"
    elif spec is str:
        yield 12345
    elif spec is bool:
        yield "true"
    elif spec is int:
        yield from (1.5, "1", True)
    elif spec == schema.NUMBER:
        yield from ("1", True)


def mutations(spec: Any, value: Any, where: Path_) -> Iterator[tuple[Path_, str, Any, bool]]:
    """(path, what, new value or a deletion, whether mpbench accepts it) for every field the
    spec declares and the sample holds."""
    optional = isinstance(spec, schema.Opt)
    inner = spec.spec if optional else spec
    if optional:
        yield where, "null", None, True
    for wrong in wrong_values(inner):
        yield where, f"= {wrong!r}", wrong, False
    if isinstance(inner, dict) and isinstance(value, dict):
        for key, sub in inner.items():
            if not isinstance(sub, schema.Opt):
                yield (*where, key), "missing", DELETE, False
            if key in value and value[key] is not None:
                yield from mutations(sub, value[key], (*where, key))
    if isinstance(inner, list) and isinstance(value, list) and value:
        walked = range(len(value)) if isinstance(value[0], dict) else range(1)  # a round: one
        for i in walked:
            yield from mutations(inner[0], value[i], (*where, i))


DELETE = object()


def mutated(data: dict[str, Any], where: Path_, new: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for step in where[:-1]:
        node = node[step]
    if new is DELETE:
        del node[where[-1]]
    else:
        node[where[-1]] = new
    return out


def test_the_schema_refuses_what_mpbench_refuses_field_by_field(validator: Any) -> None:
    sample = small_sample()
    assert fits(validator, sample) and mpbench_fits(sample)
    cases = [m for m in mutations(schema.RESULT, sample, ()) if m[0]]
    reached = {".".join(str(s) for s in where if isinstance(s, str)) for where, *_ in cases}
    assert {"benchmarks.extra_info.mpbench.paired.rounds_s", "mpbench.failures.test"} <= reached
    disagree = []
    for where, what, new, accepted in cases:
        broken = mutated(sample, where, new)
        assert mpbench_fits(broken) is accepted, (where, what)  # the spec walked is right
        if fits(validator, broken) is not accepted:
            disagree.append(f"{'.'.join(map(str, where))} {what}")
    assert disagree == []


@pytest.mark.parametrize(
    "where, new",
    [
        (("mpbench", "schema"), max(results.SUPPORTED_SCHEMAS) + 1),  # a version unknown
        (("benchmarks",), {}),
        (("benchmarks", 0, "stats", "data", 0), -0.001),
        (("benchmarks", 0, "extra_info", "mpbench", "figures", 0, "kind"), "fast"),
        (("machine_info", "mpbench"), DELETE),
    ],
)
def test_a_broken_file_is_refused(validator: Any, where: Path_, new: Any) -> None:
    broken = mutated(small_sample(), where, new)
    assert not fits(validator, broken) and not mpbench_fits(broken)
