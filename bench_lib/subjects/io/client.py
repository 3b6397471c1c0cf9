"""The load generator: C connections, one request in flight on each, every reply checked.

One thread and one selector drive every connection (a closed loop: a connection
sends its next request when the echo of the last one is back), so the client spends
a few microseconds of Python per request and no thread per connection. Each request
is ``size`` bytes carrying its connection and sequence number, so a reply that is
short, long, late or from another request is an error, not a number.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import time
from types import TracebackType

STALL_S = 10.0  # no reply on any connection for this long: the server hung or dropped one
RECV_BYTES = 65536
_HEADER = struct.Struct("!IQ")  # connection index, sequence number
MIN_REQUEST_BYTES = _HEADER.size


class EchoError(Exception):
    """A reply did not match its request, or never came."""


def request(conn: int, seq: int, size: int) -> bytes:
    """Request ``seq`` on connection ``conn``: its numbers, padded to ``size`` bytes."""
    return _HEADER.pack(conn, seq).ljust(size, b"\xa5")


class ClientPool:
    """``connections`` sockets to 127.0.0.1:``port``; ``run_round`` drives them all at once."""

    def __init__(self, port: int, connections: int, size: int) -> None:
        if connections < 1:
            raise ValueError(f"connections must be at least 1, got {connections}")
        if size < MIN_REQUEST_BYTES:
            raise ValueError(f"requests must be at least {MIN_REQUEST_BYTES} bytes, got {size}")
        self.size = size
        self.completed = 0  # replies received and checked, all rounds together
        self.latencies_s: list[float] = []  # one per checked reply since the last reset
        self._seq = 0
        self._sel = selectors.DefaultSelector()
        self.socks: list[socket.socket] = []
        try:
            for i in range(connections):
                sock = socket.create_connection(("127.0.0.1", port), timeout=STALL_S)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setblocking(False)
                self.socks.append(sock)
                self._sel.register(sock, selectors.EVENT_READ, i)
        except BaseException:
            self.close()
            raise

    def run_round(self, per_connection: int) -> int:
        """Send ``per_connection`` requests on every connection, one in flight each; check all."""
        n = len(self.socks)
        left = [per_connection] * n
        expected = [b""] * n
        received = [b""] * n
        sent_at = [0.0] * n
        base = self._seq
        self._seq += per_connection
        clock = time.perf_counter
        latencies = self.latencies_s
        size = self.size

        def send(i: int) -> None:
            expected[i] = request(i, base + per_connection - left[i], size)
            sent_at[i] = clock()
            if self.socks[i].send(expected[i]) != size:
                raise EchoError(f"connection {i}: short send of a {size}-byte request")

        active = n if per_connection > 0 else 0
        for i in range(active):
            send(i)
        while active:
            ready = self._sel.select(STALL_S)
            if not ready:
                raise EchoError(f"no reply for {STALL_S:.0f} s; {active} connections waiting")
            for key, _ in ready:
                i = key.data
                chunk = self.socks[i].recv(RECV_BYTES)
                if not chunk:
                    raise EchoError(f"connection {i} closed by the server mid-round")
                got = received[i] + chunk
                if len(got) < size:
                    received[i] = got
                    continue
                now = clock()
                if got != expected[i]:
                    raise EchoError(
                        f"connection {i}: reply {got[:16]!r}... does not echo "
                        f"{expected[i][:16]!r}... ({len(got)} bytes for {size})"
                    )
                latencies.append(now - sent_at[i])
                received[i] = b""
                self.completed += 1
                left[i] -= 1
                if left[i]:
                    send(i)
                else:
                    active -= 1
        return n * per_connection

    def close(self) -> None:
        for sock in self.socks:
            with contextlib.suppress(KeyError, ValueError):
                self._sel.unregister(sock)
            sock.close()
        self.socks = []
        self._sel.close()

    def __enter__(self) -> ClientPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
