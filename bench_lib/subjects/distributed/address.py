"""A ``--scheduler`` address, checked before anything runs: a one-line error, never a hang.

Stdlib only (the CLI and the pytest plugin call it before dask is imported). It catches a
malformed address and a host/port where nothing listens, within :data:`PROBE_TIMEOUT_S`;
a listener that is not a dask scheduler is caught by the client's own connect timeout
(:data:`bench_lib.distributed_cluster.CONNECT_TIMEOUT_S`).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

PROBE_TIMEOUT_S = 3.0  # a scheduler on a LAN answers a TCP connect in milliseconds
SCHEME = "tcp://"


class SchedulerAddressError(ValueError):
    """The address is malformed or nothing answers there."""


@dataclass(frozen=True)
class SchedulerAddress:
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{SCHEME}{host}:{self.port}"


def parse(text: str) -> SchedulerAddress:
    """``tcp://HOST:PORT`` (the scheme may be left out) into host and port."""
    rest = text.strip()
    if "://" in rest and not rest.startswith(SCHEME):
        raise SchedulerAddressError(
            f"scheduler address {text!r}: only tcp:// is supported (e.g. tcp://10.0.0.5:8786)"
        )
    rest = rest.removeprefix(SCHEME)
    host, sep, port = rest.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SchedulerAddressError(
            f"scheduler address {text!r} is not tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)"
        )
    return SchedulerAddress(host, int(port))


def probe(text: str, timeout_s: float = PROBE_TIMEOUT_S) -> SchedulerAddress:
    """Parse ``text`` and open (then close) a TCP connection to it, or raise the reason."""
    address = parse(text)
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, socket.timeout) else exc.strerror or str(exc)
        raise SchedulerAddressError(
            f"no dask scheduler reachable at {address.url} ({reason} after at most "
            f"{timeout_s:g} s): start one with `dask scheduler`, or check host and port"
        ) from None
    return address


def checked_url(text: str) -> str:
    """``mpbench run --scheduler``: the address as pytest gets it, once something answers."""
    return probe(text).url
