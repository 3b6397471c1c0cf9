"""Selector scaling: the cost of one readiness check with N registered descriptors, one ready.

``select`` and ``poll`` hand the kernel the whole descriptor list on every call and
the kernel scans all of it: O(N). ``epoll`` keeps the interest list in the kernel
and returns only the ready ones: O(ready). The idle descriptors are unbound Unix
datagram sockets (one fd each, never readable); the ready one is one end of a
socketpair holding one unread byte, so every check must return exactly it.

``select`` is further bounded by FD_SETSIZE (1024): it cannot watch a descriptor
whose *number* is 1024 or more, whatever the count; that limit is recorded as a skip.
"""

from __future__ import annotations

import selectors
import socket
from types import TracebackType

from bench_lib.subjects.io.eventloop import selector_class

CHECKS_PER_ROUND_BUDGET = 200_000  # checks x descriptors per round: ~ms rounds at any N
MIN_CHECKS, MAX_CHECKS = 20, 2000  # a round stays well above timer resolution and short


class SelectorCheckError(Exception):
    """A readiness check returned something other than the one ready descriptor."""


def checks_per_round(descriptors: int) -> int:
    """How many checks one measured round makes: fewer as each check scans more descriptors."""
    if descriptors < 1:
        raise ValueError(f"descriptors must be at least 1, got {descriptors}")
    return max(MIN_CHECKS, min(MAX_CHECKS, CHECKS_PER_ROUND_BUDGET // descriptors))


class DescriptorSet:
    """``descriptors`` registered with a new ``name`` selector: all idle but the ready one."""

    def __init__(self, name: str, descriptors: int) -> None:
        if descriptors < 1:
            raise ValueError(f"descriptors must be at least 1, got {descriptors}")
        self.selector = selector_class(name)()
        self.ready, self._writer = socket.socketpair()
        self.idle: list[socket.socket] = []
        try:
            self._writer.send(b"!")  # never read: stays readable
            for _ in range(descriptors - 1):
                self.idle.append(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
        except BaseException:
            self.close()
            raise

    @property
    def max_fd(self) -> int:
        """The highest descriptor number to watch (what select's FD_SETSIZE bounds)."""
        return max(s.fileno() for s in [self.ready, *self.idle])

    def register(self) -> None:
        for sock in self.idle:
            self.selector.register(sock, selectors.EVENT_READ)
        self.selector.register(self.ready, selectors.EVENT_READ)

    def check(self, times: int) -> int:
        """``times`` non-blocking readiness checks; each must report the ready socket alone."""
        wrong = 0
        ready = self.ready
        select = self.selector.select
        for _ in range(times):
            events = select(0)
            if len(events) != 1 or events[0][0].fileobj is not ready:
                wrong += 1
        if wrong:
            raise SelectorCheckError(f"{wrong} of {times} checks did not report the one ready fd")
        return times

    def close(self) -> None:
        self.selector.close()
        for sock in [self.ready, self._writer, *self.idle]:
            sock.close()
        self.idle = []

    def __enter__(self) -> DescriptorSet:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
