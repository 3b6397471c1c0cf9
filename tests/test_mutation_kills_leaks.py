"""Leak collection: only our own names, never one somebody holds, children killed after grace.

Fast and hermetic where possible: /dev/shm listings are redirected to a temporary folder, and the
one real segment (to check that a held one is spared) is this test's own, removed at the end.
The grace period is checked by elapsed time against generous bounds (the mechanism, not speed).
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import subprocess
import sys
import time
from multiprocessing import shared_memory
from pathlib import Path

import psutil
import pytest

from bench_lib.supervision import leaks

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and /dev/shm")


@pytest.fixture
def our_prefixes(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Claim both prefixes for this test only (the process-wide settings are restored)."""
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    monkeypatch.setitem(config, "semprefix", config.get("semprefix", "/mp"))
    monkeypatch.setattr(shared_memory, "_SHM_NAME_PREFIX", shared_memory._SHM_NAME_PREFIX)  # type: ignore[attr-defined]
    monkeypatch.setattr(
        shared_memory,
        "_SHM_SAFE_NAME_LENGTH",
        shared_memory._SHM_SAFE_NAME_LENGTH,  # type: ignore[attr-defined]
    )
    return leaks.claim_semaphore_prefix(), leaks.claim_segment_prefix()


def test_prefixes_carry_the_pid_and_are_claimed_once(our_prefixes: tuple[str, str]) -> None:
    sem, seg = our_prefixes
    assert sem == f"/mp-mpbench{os.getpid()}"
    assert seg == f"/{leaks.SEGMENT_PREFIX}{os.getpid()}_"
    assert len(seg) + leaks.SEGMENT_RANDOM_HEX == shared_memory._SHM_SAFE_NAME_LENGTH  # type: ignore[attr-defined]
    assert leaks.claim_semaphore_prefix() == sem  # a second claim keeps the first


def test_our_names_and_only_ours(our_prefixes: tuple[str, str]) -> None:
    sem, seg = our_prefixes
    assert leaks.our_semaphore(f"sem.{sem[1:]}-abc")
    assert not leaks.our_semaphore(f"sem.{sem[1:]}abc")  # the dash ends our prefix
    assert not leaks.our_semaphore("sem.mp-12-abc")
    assert not leaks.our_semaphore(f"{sem[1:]}-abc")
    assert leaks.our_segment(f"{seg[1:]}0123456789abcdef")
    assert not leaks.our_segment("psm_0123abcd")  # stdlib's own form, another program's
    assert not leaks.our_segment(f"x{seg[1:]}")


def test_foreign_prefixes_never_count_as_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    monkeypatch.setitem(config, "semprefix", "/mp")
    assert not leaks.our_semaphore("sem.mp-abc")
    monkeypatch.setattr(shared_memory, "_SHM_NAME_PREFIX", "/psm_")
    assert not leaks.our_segment("psm_abc")
    monkeypatch.delitem(sys.modules, "multiprocessing.shared_memory")
    assert not leaks.our_segment(f"{leaks.SEGMENT_PREFIX}1_abc")


def test_shm_names_lists_ours_only_and_survives_a_missing_folder(
    our_prefixes: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sem, seg = our_prefixes
    for name in (f"sem.{sem[1:]}-a", f"{seg[1:]}b", "psm_other", "sem.mp-1-c"):
        (tmp_path / name).touch()
    monkeypatch.setattr(leaks, "SHM_DIR", tmp_path)
    assert leaks.shm_names() == {f"sem.{sem[1:]}-a", f"{seg[1:]}b"}
    monkeypatch.setattr(leaks, "SHM_DIR", tmp_path / "absent")
    assert leaks.shm_names() == set()


def test_in_use_sees_a_mapping_and_an_open_descriptor(our_prefixes: tuple[str, str]) -> None:
    assert leaks.in_use(set()) == set()
    segment = shared_memory.SharedMemory(create=True, size=mmap.PAGESIZE)
    name = segment.name.lstrip("/")
    try:
        assert len(name) == len(our_prefixes[1]) - 1 + 16  # 16 random hex digits after ours
        assert leaks.in_use({name, "not-a-segment"}) == {name}  # mapped (and open) by us
        segment.close()
        assert leaks.in_use({name}) == set()  # nobody holds it now
        fd = os.open(f"/dev/shm/{name}", os.O_RDONLY)
        try:
            assert leaks.in_use({name}) == {name}  # open without a mapping still counts
        finally:
            os.close(fd)
    finally:
        segment.unlink()


def test_collect_spares_a_held_segment_and_removes_an_abandoned_one(
    our_prefixes: tuple[str, str],
) -> None:
    before = leaks.shm_names()
    held = shared_memory.SharedMemory(create=True, size=mmap.PAGESIZE)
    dropped = shared_memory.SharedMemory(create=True, size=mmap.PAGESIZE)
    dropped.close()
    held_name, dropped_name = held.name.lstrip("/"), dropped.name.lstrip("/")
    try:
        found = leaks.collect(before, grace_s=0.0)
        assert found.shm == [dropped_name] and found.processes == []
        assert not (leaks.SHM_DIR / dropped_name).exists()
        assert (leaks.SHM_DIR / held_name).exists()
        assert bool(found)
        assert found.message() == (
            f"benchmark left 1 shared-memory segment(s)/semaphore(s) ({dropped_name}) behind; "
            "cleaned them up"
        )
    finally:
        held.close()
        held.unlink()
        if (leaks.SHM_DIR / dropped_name).exists():
            dropped.unlink()
        else:  # collect() removed it: tell the resource tracker not to
            from multiprocessing import resource_tracker

            resource_tracker.unregister(dropped._name, "shared_memory")  # type: ignore[attr-defined]


def test_collect_waits_its_grace_then_kills_and_names_a_lingering_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    began = time.monotonic()
    found = leaks.collect(leaks.shm_names(), grace_s=0.5)
    elapsed = time.monotonic() - began
    assert not psutil.pid_exists(child.pid)  # killed and reaped, not left to finish
    assert len(found.processes) == 1 and found.processes[0].startswith(f"pid {child.pid} (")
    assert 0.5 <= elapsed < 30  # waited the grace, did not wait for the child's minute
    assert found.message().startswith("benchmark left 1 child process(es) (pid ")


def test_a_child_that_exits_within_its_grace_is_no_leak() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    began = time.monotonic()
    found = leaks.collect(leaks.shm_names(), grace_s=60.0)
    assert time.monotonic() - began < 30  # returned when it exited, not after the grace
    assert found.processes == [] and not found
    child.wait(timeout=10)


def test_the_message_joins_both_kinds_and_sorts_names() -> None:
    both = leaks.Leaks(["pid 1 (a)", "pid 2 (b)"], ["z", "a"])
    assert both.message() == (
        "benchmark left 2 child process(es) (pid 1 (a), pid 2 (b)) and "
        "2 shared-memory segment(s)/semaphore(s) (a, z) behind; cleaned them up"
    )
    assert not leaks.Leaks([], [])
    assert leaks.CHILD_GRACE_S == 3.0
