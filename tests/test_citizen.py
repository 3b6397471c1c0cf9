"""mpbench in someone else's pytest session: the user's benchmarks come out as without it.

Each test runs a user's own benchmark file in a fresh folder, in a pytest subprocess, once with
mpbench loaded and once with ``-p no:mpbench``, and compares what pytest-benchmark wrote
field by field (the timings aside: they differ between any two runs).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bench_lib.results import files as results

FOREIGN = textwrap.dedent("""
    import pytest

    def test_sum(benchmark):
        benchmark(sum, range(1000))

    @pytest.mark.benchmark(group="mine")
    def test_sorted(benchmark):
        benchmark.extra_info["who"] = "the user"
        benchmark.pedantic(sorted, args=(list(range(100, 0, -1)),), rounds=7, iterations=3)
""")

OURS = textwrap.dedent("""
    import time
    from bench_lib.engine.bench import Figure

    def test_ours(mpbench):
        mpbench.measure(lambda: time.sleep(0.001), figures=[Figure("naps", "nap/s", "rate")])
""")

TIMINGS = {"min", "max", "mean", "stddev", "median", "iqr", "q1", "q3", "iqr_outliers"}
TIMINGS |= {"stddev_outliers", "outliers", "ld15iqr", "hd15iqr", "ops", "total", "data"}
CALIBRATED = {"rounds", "iterations"}  # test_sum's: pytest-benchmark sizes them from timings


def pytest_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", "--benchmark-only", "-p", "no:cacheprovider", *args]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=300)


def two_sessions(tmp_path: Path, source: str, *args: str) -> tuple[Path, Path]:
    """The same file run with mpbench and without: the two folders it ran in."""
    made = []
    for name, plugin in (("with", ()), ("without", ("-p", "no:mpbench"))):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "test_user.py").write_text(source)
        proc = pytest_run(folder, "test_user.py", *plugin, *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        made.append(folder)
    return made[0], made[1]


def assert_same_entries(mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Entries equal field by field but for timings (and test_sum's calibrated rounds)."""
    assert [b["fullname"] for b in mine["benchmarks"]] == [
        b["fullname"] for b in theirs["benchmarks"]
    ]
    for a, b in zip(mine["benchmarks"], theirs["benchmarks"]):
        assert set(a) == set(b), a["name"]
        assert {k: v for k, v in a.items() if k != "stats"} == {
            k: v for k, v in b.items() if k != "stats"
        }
        assert set(a["stats"]) == set(b["stats"]), a["name"]
        untimed = set(a["stats"]) - TIMINGS - (CALIBRATED if a["name"] == "test_sum" else set())
        assert {k: a["stats"][k] for k in untimed} == {k: b["stats"][k] for k in untimed}
        if "data" in a["stats"]:  # (a saved run keeps them with --benchmark-save-data)
            assert len(a["stats"]["data"]) == a["stats"]["rounds"]


def test_a_users_json_is_the_same_with_mpbench_installed(tmp_path: Path) -> None:
    mine, theirs = two_sessions(tmp_path, FOREIGN, "--benchmark-json=out.json")
    a, b = (json.loads((f / "out.json").read_text()) for f in (mine, theirs))
    assert len(a["benchmarks"]) == 2  # the bug: 0, mpbench kept only its own entries
    assert_same_entries(a, b)
    assert set(a) == set(b) and "mpbench" not in a  # no run block of ours
    assert a["machine_info"] == b["machine_info"]  # and nothing of ours in the machine's
    sorted_entry = next(x for x in a["benchmarks"] if x["name"] == "test_sorted")
    assert sorted_entry["stats"]["rounds"] == 7 and sorted_entry["stats"]["iterations"] == 3
    assert sorted_entry["group"] == "mine" and sorted_entry["extra_info"] == {"who": "the user"}


def test_save_and_compare_of_a_users_suite_are_the_same_with_mpbench(tmp_path: Path) -> None:
    store = ("--benchmark-storage=file://store", "--benchmark-save=base")
    mine, theirs = two_sessions(tmp_path, FOREIGN, *store)
    saved = [sorted((f / "store").rglob("*.json")) for f in (mine, theirs)]
    assert [p.name for p in saved[0]] == [p.name for p in saved[1]] == ["0001_base.json"]
    a, b = (json.loads(files[0].read_text()) for files in saved)
    assert_same_entries(a, b)
    assert a["machine_info"] == b["machine_info"] and "mpbench" not in a
    for folder, plugin in ((mine, ()), (theirs, ("-p", "no:mpbench"))):
        proc = pytest_run(
            folder, "test_user.py", *plugin, "--benchmark-storage=file://store",
            "--benchmark-compare=0001", "--benchmark-compare-fail=median:1000%",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out = proc.stdout + proc.stderr
        assert "Comparing against benchmarks from" in out
        assert re.search(r"test_sum \(0001_base\)", out) and re.search(r"test_sorted \(NOW\)", out)


def test_a_users_benchmarks_beside_ours_keep_their_entries_and_our_readers_skip_them(
    tmp_path: Path,
) -> None:
    mixed = FOREIGN + OURS
    _mine, theirs = two_sessions(tmp_path / "alone", FOREIGN, "--benchmark-json=out.json")
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "test_user.py").write_text(mixed)
    proc = pytest_run(
        tmp_path / "mixed", "test_user.py", "--benchmark-json=out.json", "--mpbench-profile=smoke"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "mixed" / "out.json").read_text())
    user = dict(
        data, benchmarks=[b for b in data["benchmarks"] if "mpbench" not in b["extra_info"]]
    )
    assert_same_entries(user, json.loads((theirs / "out.json").read_text()))
    assert [b["name"] for b in data["benchmarks"]] == ["test_sum", "test_sorted", "test_ours"]
    assert data["mpbench"]["passed"] == 1 and data["mpbench"]["failures"] == []  # ours only
    assert "mpbench" in data["machine_info"]  # our benchmark ran: the fingerprint is there
    loaded = results.load(tmp_path / "mixed" / "out.json")  # report, show, compare read it
    assert [b["name"] for b in loaded["benchmarks"]] == ["test_ours"]


def _options(help_text: str) -> set[str]:
    return set(re.findall(r"^\s+(--[a-z][a-z0-9-]*)", help_text, re.MULTILINE))


def test_every_option_mpbench_adds_to_pytest_is_prefixed(tmp_path: Path) -> None:
    mine, theirs = (
        subprocess.run(
            [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider", *plugin],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        for plugin in ((), ("-p", "no:mpbench"))
    )
    added = _options(mine) - _options(theirs)
    assert "--mpbench-profile" in added and "--mpbench-scheduler" in added  # a subject's too
    assert all(o.startswith("--mpbench-") for o in added), sorted(added)


def test_comparing_with_a_saved_mpbench_run_of_this_machine_does_not_warn(tmp_path: Path) -> None:
    """pytest-benchmark compares machine_info when pytest starts, before any benchmark ran:
    the fingerprint of a saved mpbench run must still find this machine's."""
    (tmp_path / "test_user.py").write_text(OURS)
    store = ("--benchmark-storage=file://store", "--mpbench-profile=smoke")
    saved = pytest_run(tmp_path, "test_user.py", *store, "--benchmark-save=base")
    assert saved.returncode == 0, saved.stdout + saved.stderr
    (path,) = (tmp_path / "store").rglob("*.json")
    assert "mpbench" in json.loads(path.read_text())["machine_info"]
    again = pytest_run(tmp_path, "test_user.py", *store, "--benchmark-compare=0001")
    assert again.returncode == 0, again.stdout + again.stderr
    out = again.stdout + again.stderr
    assert "Comparing against benchmarks from" in out
    assert "machine_info is different" not in out


def test_a_users_histograms_are_the_same_with_mpbench(tmp_path: Path) -> None:
    pytest.importorskip("pygal", reason="--benchmark-histogram needs pytest-benchmark[histogram]")
    mine, theirs = two_sessions(tmp_path, FOREIGN, "--benchmark-histogram=hist/h")
    drawn = [sorted(p.name for p in (f / "hist").iterdir()) for f in (mine, theirs)]
    assert drawn[0] == drawn[1] and drawn[0], drawn
