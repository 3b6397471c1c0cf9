"""A measured round's deadline: a round that outlives it is a hang, interrupted in the main
thread (SIGALRM), so the benchmark fails instead of the run hanging."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RoundTimeout(Exception):
    """A measured round did not finish within the profile's timeout."""


@contextmanager
def round_deadline(timeout_s: float) -> Iterator[None]:
    """Raise :class:`RoundTimeout` in the main thread if the block outlives ``timeout_s``.

    Inside the block, ``signal.setitimer(signal.ITIMER_REAL, timeout_s)`` restarts the clock.
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or timeout_s <= 0:  # pragma: no mutate (a 0 s timer is disarmed)
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise RoundTimeout(f"a round took longer than {timeout_s:.0f} s: a worker hung or died")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
