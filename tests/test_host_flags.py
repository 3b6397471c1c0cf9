"""pytest-benchmark's flags on mpbench benchmarks: honoured in their documented sense, or
refused at once with one line naming the mpbench option; never silently ignored, and never
refused in a session of the user's own benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench_lib.engine.profiles import get_profile
from bench_lib.plugin import host

OURS = textwrap.dedent("""
    import time
    from pathlib import Path

    def test_ours(mpbench):
        Path("bodies").open("a").write("b")
        mpbench.measure(lambda: Path("rounds").open("a").write("r"), rounds=FIXED)

    def test_user(benchmark):
        benchmark(sum, range(10))
""")

REFUSED_VALUES = {
    "--benchmark-warmup": "--benchmark-warmup=on",
    "--benchmark-warmup-iterations": "--benchmark-warmup-iterations=5",
    "--benchmark-calibration-precision": "--benchmark-calibration-precision=3",
    "--benchmark-min-time": "--benchmark-min-time=0.001",
    "--benchmark-timer": "--benchmark-timer=time.process_time",
    "--benchmark-disable-gc": "--benchmark-disable-gc",
    "--benchmark-precision": "--benchmark-precision=0.05",
    "--benchmark-confidence": "--benchmark-confidence=0.9",
}


def run(folder: Path, *args: str, fixed: str = "None") -> subprocess.CompletedProcess[str]:
    (folder / "test_flags.py").write_text(OURS.replace("FIXED", fixed))
    only = [] if "--benchmark-disable" in args else ["--benchmark-only"]  # (they exclude)
    cmd = [sys.executable, "-m", "pytest", "test_flags.py", *only]
    cmd += ["-p", "no:cacheprovider", "--benchmark-json=out.json", *args]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=300)


def _has_option(flag: str) -> bool:
    """This pytest-benchmark has ``flag`` (precision and confidence are 5.2's)."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return flag in out


def test_every_flag_is_honoured_or_refused() -> None:
    assert set(REFUSED_VALUES) == set(host.REFUSED)
    assert not set(host.HONOURED) & set(host.REFUSED)


@pytest.mark.parametrize("flag", [*REFUSED_VALUES, "--benchmark-warmup=off"])
def test_a_flag_mpbench_cannot_honour_stops_the_run_with_one_line(
    tmp_path: Path, flag: str
) -> None:
    given = REFUSED_VALUES.get(flag, flag)  # warmup=off is CPython's default, given anyway
    name = given.split("=")[0]
    if not _has_option(name):
        pytest.skip(f"this pytest-benchmark has no {name}")
    proc = run(tmp_path, given)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # pytest's usage error
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "not used by mpbench" in ln]
    assert len(lines) == 1 and name in lines[0], lines
    assert "--mpbench-" in lines[0] or "`mpbench " in lines[0], lines  # what does the job
    assert not (tmp_path / "bodies").exists() and not (tmp_path / "out.json").exists()


def test_a_users_own_session_is_never_refused_and_gets_its_flags(tmp_path: Path) -> None:
    flags = ["--benchmark-disable-gc", "--benchmark-timer=time.process_time"]
    flags += ["--benchmark-warmup=on", "--benchmark-min-time=0.0001"]
    proc = run(tmp_path, *flags, "-k", "test_user")  # ours deselected: a session of theirs
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (entry,) = json.loads((tmp_path / "out.json").read_text())["benchmarks"]
    assert entry["options"]["disable_gc"] is True and entry["options"]["timer"] == "process_time"
    assert entry["options"]["warmup"] and float(entry["options"]["min_time"]) == 0.0001


@pytest.mark.parametrize("fixed", ["None", "2"])
def test_min_rounds_raises_the_rounds_even_where_a_benchmark_fixes_them(
    tmp_path: Path, fixed: str
) -> None:
    proc = run(tmp_path, "--mpbench-profile=smoke", "--benchmark-min-rounds=5", fixed=fixed)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "out.json").read_text())
    ours = next(b for b in data["benchmarks"] if b["name"] == "test_ours")
    assert ours["stats"]["rounds"] == 5  # smoke measures 1 round; at least 5 were asked for
    assert (tmp_path / "rounds").read_text() == "r" * 5


def test_benchmark_disable_runs_each_body_once_and_fails_only_on_real_errors(
    tmp_path: Path,
) -> None:
    proc = run(tmp_path, "--mpbench-profile=standard", "--benchmark-disable", fixed="12")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "bodies").read_text() == "b"  # one block, not the profile's three
    assert (tmp_path / "rounds").read_text() == "r"  # one round, no warm-up
    assert "fixture was not used" not in proc.stdout + proc.stderr
    broken = OURS.replace('write("r")', "write(1 / 0)")
    (tmp_path / "bodies").unlink()
    (tmp_path / "test_flags.py").write_text(broken.replace("FIXED", "None"))
    cmd = [sys.executable, "-m", "pytest", "test_flags.py", "-q"]
    failed = subprocess.run(
        [*cmd, "-p", "no:cacheprovider", "--benchmark-disable"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert failed.returncode == 1 and "ZeroDivisionError" in failed.stdout, failed.stdout


class _Config:
    """What :func:`host.honoured` reads of pytest's config: options, the command line."""

    def __init__(self, args: list[str], **options: Any) -> None:
        self.defaults = {"benchmark_max_time": "1.0", "benchmark_min_rounds": 5}
        self.defaults |= {"benchmark_disable": False, "benchmark_enable": False}
        self.options = {**self.defaults, **options}
        self.invocation_params = SimpleNamespace(args=args)
        self.stash: dict[Any, Any] = {}
        self._parser = SimpleNamespace(parse_known_args=lambda _: SimpleNamespace(**self.defaults))

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


def test_max_time_is_the_budget_and_min_rounds_a_floor_over_the_profile() -> None:
    standard = get_profile("standard")
    assert host.honoured(_Config([]), standard) == standard  # nothing given: the profile
    given = _Config(["--benchmark-max-time=2.5"], benchmark_max_time="2.5")
    assert host.honoured(given, standard).budget_s == 2.5
    same = _Config(["--benchmark-max-time=1.0"])  # the default, given: still honoured
    assert host.honoured(same, standard).budget_s == 1.0
    more = host.honoured(_Config([], benchmark_min_rounds=500), standard)
    assert more.min_rounds == more.max_rounds == more.least_rounds == 500
    fewer = host.honoured(_Config(["--benchmark-min-rounds=2"], benchmark_min_rounds=2), standard)
    assert fewer.min_rounds == standard.min_rounds  # a minimum the profile already exceeds
    off = host.honoured(_Config([], benchmark_disable=True), standard)
    assert (off.blocks, off.min_rounds, off.max_rounds, off.warmup_rounds) == (1, 1, 1, 0)
    assert off.name == "standard"  # the profile's grid: every benchmark id stays
    forced = _Config([], benchmark_disable=True, benchmark_enable=True)
    assert host.honoured(forced, standard) == standard
