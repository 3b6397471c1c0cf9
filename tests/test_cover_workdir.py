"""What a killed run left, in-process: each way its work folder can be found (nothing saved, a
damaged raw result, live, being created, another's), and the work folder's own life."""

from __future__ import annotations

import os
from pathlib import Path

from bench_lib.cli import workdir
from bench_lib.supervision import run_registry


def leftover_folder(runs: Path, pid: int, raw: str | None) -> Path:
    """What a SIGKILLed mpbench leaves: its folder, nobody holding the lock."""
    folder = runs / f"{workdir.PREFIX}{pid}"
    folder.mkdir(parents=True)
    (folder / workdir.TARGET).write_text(str(runs.parent / "results" / f"{pid}.json"))
    (folder / workdir.LOCK).write_text("target")
    if raw is not None:
        (folder / workdir.RAW).write_text(raw)
    return folder


def test_a_killed_run_that_saved_nothing_is_removed_and_said_so(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    leftover_folder(runs, 4242, raw=None)
    [left] = workdir.clean_up_killed_runs(runs)
    assert (left.pid, left.saved, left.problem) == (4242, None, "pytest had saved nothing")
    assert left.message() == (
        "an earlier mpbench run (pid 4242) ended before its result was saved; "
        "pytest had saved nothing"
    )
    assert list(runs.iterdir()) == []


def test_a_damaged_raw_result_is_reported_and_removed(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    leftover_folder(runs, 77, raw='{"benchmarks": [')
    [left] = workdir.clean_up_killed_runs(runs)
    assert left.saved is None and left.problem.startswith("its raw result is damaged (")
    assert list(runs.iterdir()) == []


def test_live_and_half_made_folders_are_left_alone(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    held = runs / f"{workdir.PREFIX}1"
    held.mkdir(parents=True)
    fd = run_registry.hold(held / workdir.LOCK, "live run")
    try:
        being_made = runs / f"{workdir.PREFIX}2"  # no lock file yet
        being_made.mkdir()
        not_ours = runs / "other-3"  # not a work folder at all
        not_ours.mkdir()
        assert workdir.clean_up_killed_runs(runs) == []
        assert held.exists() and being_made.exists() and not_ours.exists()
    finally:
        os.close(fd)
    [left] = workdir.clean_up_killed_runs(runs)  # its holder is gone: now it is a leftover
    assert left.pid == 1 and not held.exists() and being_made.exists()


def test_a_work_folder_holds_its_lock_and_goes_away_unless_kept(tmp_path: Path) -> None:
    target = tmp_path / "results" / "x.json"
    work = workdir.WorkDir(target, tmp_path)
    assert work.path == tmp_path / f"{workdir.PREFIX}{os.getpid()}"
    assert (work.path / workdir.TARGET).read_text() == str(target)
    assert run_registry.is_held(work.path / workdir.LOCK) is True
    assert workdir.clean_up_killed_runs(tmp_path) == []  # live: not a leftover
    work.close()
    assert not work.path.exists()
    kept = workdir.WorkDir(target, tmp_path)
    kept.keep = True
    kept.close()
    assert kept.path.exists()  # its result could not be saved: the next run saves it
    assert run_registry.is_held(kept.path / workdir.LOCK) is False


def _valid_raw() -> str:
    import json

    from synthetic_results import bench, run

    data = run(bench("spawn", "thread_start", 1e-4))
    data["mpbench"]["schema"] = 1
    return json.dumps(data)


def test_a_killed_runs_result_is_saved_as_partial_and_said_so(tmp_path: Path) -> None:
    from bench_lib.results import files as results

    runs = tmp_path / "runs"
    leftover_folder(runs, 31, raw=_valid_raw())
    [left] = workdir.clean_up_killed_runs(runs)
    assert left.saved is not None and left.problem == ""
    assert left.message().endswith(f"saved its finished benchmarks now: {left.saved}")
    assert results.load(left.saved)["mpbench"]["partial"] is True
    assert list(runs.iterdir()) == []


def test_a_result_that_still_cannot_be_saved_keeps_its_folder(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    folder = leftover_folder(runs, 32, raw=_valid_raw())
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    (folder / workdir.TARGET).write_text(str(blocker / "x.json"))  # under a file: cannot be
    [left] = workdir.clean_up_killed_runs(runs)
    assert left.saved is None and "could not be saved as" in left.problem
    assert left.problem.endswith(f"kept in {folder}") and folder.exists()
