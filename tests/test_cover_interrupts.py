"""StopOnce in-process: the first signal stops, later ones are ignored unless they are the
nudge, the save is never cut, and the deadline exits only when nothing is being saved. The
stop thread, the kill of children and the exit are replaced by recorders (the real ones would
end the test process; tests/test_interrupt.py sends real signals to real runs)."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from bench_lib.supervision import interrupts


class Exited(Exception):
    pass


@pytest.fixture
def stop(monkeypatch: pytest.MonkeyPatch) -> interrupts.StopOnce:
    told: list[str] = []
    s = interrupts.StopOnce(told.append)
    s.told = told  # type: ignore[attr-defined]
    s._enforce = lambda: None  # type: ignore[method-assign]  # no stop thread in this process
    return s


def test_the_first_signal_stops_once_and_later_ones_are_ignored(stop: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        stop.handle(signal.SIGTERM, None)
    assert stop.stopping and stop.told == ["SIGTERM"]
    assert stop.handle(signal.SIGINT, None) is None  # the terminal's copy: ignored
    stop._nudge = True  # the stop thread raises it again until pytest catches it
    with pytest.raises(KeyboardInterrupt):
        stop.handle(signal.SIGINT, None)
    assert stop._nudge is False and stop.told == ["SIGTERM"]  # told once


@pytest.mark.parametrize("state", ["unwound", "saving"])
def test_nothing_interrupts_the_save(stop: Any, state: str) -> None:
    setattr(stop, state, True)
    stop._nudge = True
    assert stop.handle(signal.SIGINT, None) is None
    assert stop.told == [] and not stop.stopping


def test_install_sets_the_handlers_and_a_forked_child_gets_the_old_ones(
    stop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks: list[Any] = []
    monkeypatch.setattr(interrupts.os, "register_at_fork", lambda **kw: hooks.append(kw))
    before = {s: signal.getsignal(s) for s in interrupts.SIGNALS}
    try:
        stop.install()
        assert all(signal.getsignal(s) == stop.handle for s in interrupts.SIGNALS)
        assert hooks == [{"after_in_child": stop._forget_in_child}]
        stop._forget_in_child()  # in the parent itself: nothing changes
        assert signal.getsignal(signal.SIGTERM) == stop.handle
        stop.pid = os.getpid() + 1  # as seen from a forked child
        stop._forget_in_child()
        assert {s: signal.getsignal(s) for s in interrupts.SIGNALS} == before
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def _fast_deadline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A deadline shorter than one nudge, kills and the exit recorded instead of done."""
    done: list[str] = []
    monkeypatch.setattr(interrupts, "STOP_DEADLINE_S", 0.05)
    monkeypatch.setattr(interrupts.cpu, "live_children", lambda: ["child"])
    monkeypatch.setattr(interrupts.cpu, "kill_tree", lambda procs, grace_s: done.append("kill"))

    def exit_(code: int) -> None:
        done.append(f"exit {code}")
        raise Exited

    monkeypatch.setattr(interrupts.os, "_exit", exit_)
    return done


def test_the_deadline_kills_and_exits_when_nothing_is_saved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done = _fast_deadline(monkeypatch)
    stop = interrupts.StopOnce(lambda name: None)
    stop._main = None
    with pytest.raises(Exited):
        stop._enforce()
    assert done == ["kill", "kill", f"exit {interrupts.EXIT_STOP_DEADLINE}"]
    assert interrupts.EXIT_STOP_DEADLINE == 130


def test_the_deadline_lets_a_running_save_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    done = _fast_deadline(monkeypatch)
    stop = interrupts.StopOnce(lambda name: None)
    stop.saving = True
    stop._enforce()  # returns: no exit
    assert done == ["kill"]
