from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench_lib.results import files as results
from bench_lib.results import records


def test_round_trip_keeps_everything(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    path = results.result_path(tmp_path, "host-2c-abcd1234", "my label/x", when)
    assert path == tmp_path / "host-2c-abcd1234" / "20260102T030405Z_my-label-x.json"
    results.write_atomic(path, spawn_smoke)
    assert results.load(path) == spawn_smoke
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # readable like any other file


def test_raw_rounds_are_kept(spawn_smoke: dict[str, Any]) -> None:
    for bench in spawn_smoke["benchmarks"]:
        assert len(bench["stats"]["data"]) == bench["extra_info"]["mpbench"]["rounds"] >= 1


def mutate(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("mpbench", "schema"), 99, "unknown mpbench schema version 99"),
        (("mpbench",), KeyError, "without mpbench data"),
        (("machine_info", "mpbench"), KeyError, "machine_info.mpbench is missing"),
        (("benchmarks",), {}, "not a list"),
        (
            ("benchmarks", 0, "stats", "data"),
            ["x"],
            r"benchmarks\[0\].stats.data\[0\] is 'x', not a finite number >= 0",
        ),
        (
            ("benchmarks", 0, "extra_info", "mpbench", "params"),
            "start=fork",
            "params is not an object",
        ),
        (
            ("benchmarks", 0, "extra_info", "mpbench", "figures", 0, "kind"),
            "fast",
            "'fast', not one of",
        ),
        (("machine_info", "mpbench", "usable_cores"), "2", "usable_cores is not an integer"),
    ],
)
def test_validation_names_the_problem(
    spawn_smoke: dict[str, Any], path: tuple[Any, ...], value: Any, message: str
) -> None:
    with pytest.raises(results.ResultFileError, match=message):
        results.validate(mutate(spawn_smoke, path, value), "f.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b'{"benchmarks": [', "not valid JSON"),
        (b"\xff\xfe\x00", "not text"),
        (b"[1, 2]", "not a result file"),
        (json.dumps({"benchmarks": [], "machine_info": {}}).encode(), "without mpbench data"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(results.ResultFileError, match=message) as err:
        results.load(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def test_a_directory_is_not_a_result(tmp_path: Path) -> None:
    with pytest.raises(results.ResultFileError, match="is a directory"):
        results.load(tmp_path)


def as_text(data: dict[str, Any]) -> str:
    return json.dumps(data)  # allow_nan: NaN and Infinity written as JSON never allows


FIGURE = ("benchmarks", 0, "extra_info", "mpbench", "figures", 0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: "[" * 100_000 + "]" * 100_000, "nests lists or objects deeper"),
        (
            lambda d: as_text(
                mutate(d, ("benchmarks", 0, "extra_info", "mpbench", "info"), {"x": [[[[]]]] * 1})
            ).replace("[[[[]]]]", "[" * 200 + "]" * 200),
            "nests lists or objects deeper than a result file can \\(32 levels\\)",
        ),
        (
            lambda d: as_text(d).replace('"usable_cores": ', '"usable_cores": ' + "9" * 5000, 1),
            "holds an integer of 50\\d\\d digits",
        ),
        (
            lambda d: as_text(mutate(d, ("machine_info", "mpbench", "memory_bytes"), 10**24)),
            "25 digits",
        ),
        (lambda d: as_text(mutate(d, (*FIGURE, "median"), float("nan"))), "holds NaN"),
        (lambda d: as_text(mutate(d, (*FIGURE, "ci_high"), float("-inf"))), "holds -Infinity"),
        (
            lambda d: as_text(d).replace('"median": ', '"median": 1e400, "x": ', 1),
            "median is inf, not a finite number >= 0",
        ),
        (lambda d: as_text(mutate(d, (*FIGURE, "median"), -1.0)), "median is -1.0, not a finite"),
        (
            lambda d: as_text(mutate(d, ("benchmarks", 0, "stats", "data"), [1.0, -1e-9])),
            r"stats.data\[1\] is -1e-09, not a finite number >= 0",
        ),
        (
            lambda d: as_text(mutate(d, (*FIGURE, "per_round"), 0)),
            "per_round is 0, not a finite number > 0",
        ),
        (
            lambda d: as_text(mutate(d, (*FIGURE, "kind"), "\x1b[2J" + "x" * 100)),
            r"kind is '\\x1b\[2Jxxx",
        ),
    ],
)
def test_hostile_files_are_refused_in_one_line(
    spawn_smoke: dict[str, Any], tmp_path: Path, edit: Any, message: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(edit(spawn_smoke))
    with pytest.raises(results.ResultFileError, match=message) as err:
        results.load(path)
    text = str(err.value)
    assert "\n" not in text and "\x1b" not in text and len(text) < 300


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(results.MAX_RESULT_BYTES + 1)  # sparse: nothing on disk
    assert results.MAX_RESULT_BYTES == 64 * 2**20  # docs/RESULTS.md states this cap
    with pytest.raises(
        results.ResultFileError, match="more than a result file can be \\(64 MiB\\)"
    ):
        results.load(big)


def test_a_file_of_too_many_values_is_refused_before_parsing(tmp_path: Path) -> None:
    many = tmp_path / "many.json"  # 4 MB: far under the size cap, but 2M one-digit rounds
    many.write_text("[" + "1," * results.MAX_VALUES + "1]")
    with pytest.raises(
        results.ResultFileError, match="more than a result file can \\(2,000,000\\)"
    ):
        results.load(many)


def test_many_rounds_and_odd_but_valid_values_are_read(
    spawn_smoke: dict[str, Any], tmp_path: Path
) -> None:
    data = mutate(spawn_smoke, ("benchmarks", 0, "stats", "data"), [0.0, 5e-324, 1e308] * 1000)
    data = mutate(data, (*FIGURE, "median"), 0)
    path = tmp_path / "odd.json"
    path.write_text(as_text(data))
    assert results.load(path)["benchmarks"][0]["stats"]["data"][-1] == 1e308


def test_one_benchmark_key_ignores_parameter_order_and_tells_cases_apart() -> None:
    key = records.benchmark_key("ipc", "stream", {"size": 64, "channel": "pipe"})
    assert key == records.benchmark_key("ipc", "stream", {"channel": "pipe", "size": 64})
    assert key != records.benchmark_key("ipc", "stream", {"channel": "pipe", "size": 65})
    assert key != records.benchmark_key("ipc", "ping_pong", {"channel": "pipe", "size": 64})
    assert records.params_text({"b": 1, "a": "x"}) == (("b", "1"), ("a", "x"))  # file order


def test_the_machine_record_reads_the_fingerprint_once_typed() -> None:
    data = {"machine_info": {"mpbench": {"machine_id": "m", "usable_cores": "2"}}}
    machine = records.Machine.of(data)
    assert machine.usable_cores == 2 and machine.gil_enabled and machine.start_methods == ()
    assert machine.fields["machine_id"] == "m"


def test_a_run_reads_each_benchmark_once_and_keeps_the_first_of_a_duplicate() -> None:
    def bench(name: str, size: int) -> dict[str, Any]:
        block = {"subject": "ipc", "case": "stream", "params": {"size": size}, "figures": []}
        return {"name": name, "extra_info": {"mpbench": block}}

    run = records.Run.of({"benchmarks": [bench("a", 1), bench("b", 2), bench("a-again", 1)]})
    assert [b.name for b in run.benchmarks] == ["a", "b", "a-again"]
    assert [b.name for b in run.first()] == ["a", "b"]
    assert run.first()[0].key == records.benchmark_key("ipc", "stream", {"size": 1})
