"""A hand-written event loop: one thread, non-blocking sockets, one ``selectors`` selector.

This is what asyncio does underneath, without tasks or futures: wait for readiness,
then do the little work each ready socket allows. Used by the ``select``, ``poll`` and
``epoll`` echo servers (:mod:`bench_lib.io_serve`) and by the selector scaling benchmark.
"""

from __future__ import annotations

import selectors
import socket

SELECTORS = ("select", "poll", "epoll")
_CLASS_NAMES = {"select": "SelectSelector", "poll": "PollSelector", "epoll": "EpollSelector"}
RECV_BYTES = 65536  # one recv reads at most this much


class SelectorUnavailable(Exception):
    def __init__(self, name: str) -> None:
        have = [n for n in SELECTORS if hasattr(selectors, _CLASS_NAMES[n])]
        super().__init__(
            f"selector {name!r} is not available on this platform (available: {', '.join(have)})"
        )


def selector_class(name: str) -> type[selectors.BaseSelector]:
    """``selectors.SelectSelector`` for ``"select"`` and so on; unknown or missing: an error."""
    if name not in _CLASS_NAMES:
        raise ValueError(f"unknown selector {name!r}; choose one of {', '.join(SELECTORS)}")
    cls: type[selectors.BaseSelector] | None = getattr(selectors, _CLASS_NAMES[name], None)
    if cls is None:
        raise SelectorUnavailable(name)
    return cls


def _accept_all(sel: selectors.BaseSelector, lsock: socket.socket) -> None:
    while True:
        try:
            conn, _ = lsock.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sel.register(conn, selectors.EVENT_READ, b"")


def _on_ready(sel: selectors.BaseSelector, key: selectors.SelectorKey, mask: int) -> None:
    """Read and echo; bytes the kernel would not take wait for EVENT_WRITE (reads pause)."""
    conn: socket.socket = key.fileobj  # type: ignore[assignment]
    pending: bytes = key.data
    if mask & selectors.EVENT_READ:
        data = conn.recv(RECV_BYTES)
        if not data:
            sel.unregister(conn)
            conn.close()
            return
        pending += data
    try:
        sent = conn.send(pending)
    except BlockingIOError:
        sent = 0
    pending = pending[sent:]
    events = selectors.EVENT_WRITE if pending else selectors.EVENT_READ
    if events != key.events or pending != key.data:
        sel.modify(conn, events, pending)


def serve_selector(lsock: socket.socket, name: str) -> None:
    """Echo forever on one thread, multiplexing every connection through one selector."""
    sel = selector_class(name)()
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    while True:
        for key, mask in sel.select():
            if key.data is None:
                _accept_all(sel, lsock)
            else:
                _on_ready(sel, key, mask)
