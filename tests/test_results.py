from __future__ import annotations

import copy
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bench_lib import results


def test_round_trip_keeps_everything(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
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
