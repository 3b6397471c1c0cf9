"""Echo servers, one per concurrency model, each run as its own child process.

Started by :class:`bench_lib.io_servers.EchoServer` as
``python -m bench_lib.io_serve MODEL LIFETIME_S``. The server listens on 127.0.0.1 only,
prints its port as the first line of stdout, echoes every byte it receives, and stops
by itself after ``LIFETIME_S`` (``SIGALRM``'s default action ends the process), so a
parent that dies cannot leave it behind. The parent normally ends it earlier with
``SIGTERM`` to its process group.

Models:

- ``threads``: one OS thread per connection, blocking ``recv``/``sendall``.
- ``processes``: one forked process per connection (the classic forking server).
- ``asyncio``: ``asyncio.start_server`` with stream reader/writer coroutines.
- ``gevent``: the thread-per-connection code, but ``gevent.monkey.patch_all()`` runs
  first (before ``socket`` is imported) and each connection gets a greenlet: blocking
  calls become cooperative switches.
- ``select``, ``poll``, ``epoll``: a hand-written event loop on ``selectors``
  (:mod:`bench_lib.io_eventloop`).

``greenlets`` is not a server: it reads counts on stdin and answers after spawning
and joining that many greenlets (the greenlet spawn-cost benchmark).

Only the standard library is imported at the top: gevent must patch before anything
imports ``socket`` or ``threading`` for the gevent model, and the pytest process
never imports this module's gevent paths.
"""

from __future__ import annotations

import math
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

SERVER_MODELS = ("threads", "processes", "asyncio", "gevent", "select", "poll", "epoll")
CHILD_MODES = (*SERVER_MODELS, "greenlets")
RECV_BYTES = 65536  # one recv reads at most this much; echo requests are far smaller
BACKLOG = 4096  # accept queue: every client connects before any round starts


def _gevent(module: str = "gevent") -> Any:
    """gevent, imported only in this child (it has no type stubs; typed as Any here)."""
    import importlib

    return importlib.import_module(module)


def _arm_lifetime(lifetime_s: float) -> None:
    """Stop by itself: SIGALRM's default action terminates the process."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(max(1, math.ceil(lifetime_s)))


def _listen() -> Any:
    import socket

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(BACKLOG)
    print(lsock.getsockname()[1], flush=True)
    return lsock


def _nodelay(conn: Any) -> None:
    import socket

    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def echo_blocking(conn: Any) -> None:
    """Echo until the peer closes: the body of the thread, process and greenlet models."""
    with conn:
        while data := conn.recv(RECV_BYTES):
            conn.sendall(data)


def serve_spawning(lsock: Any, spawn: Callable[[Any], None]) -> None:
    """Accept forever; each connection is handed to ``spawn`` (a thread or a greenlet)."""
    while True:
        conn, _ = lsock.accept()
        _nodelay(conn)
        spawn(conn)


def serve_threads(lsock: Any) -> None:
    import threading

    def spawn(conn: Any) -> None:
        threading.Thread(target=echo_blocking, args=(conn,), daemon=True).start()

    serve_spawning(lsock, spawn)


def serve_gevent(lsock: Any) -> None:
    gevent = _gevent()

    serve_spawning(lsock, lambda conn: gevent.spawn(echo_blocking, conn))


def serve_processes(lsock: Any, lifetime_s: float) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    while True:
        conn, _ = lsock.accept()
        _nodelay(conn)
        if os.fork() == 0:  # pragma: no cover - child
            try:
                lsock.close()
                _arm_lifetime(lifetime_s)  # alarms are not inherited across fork
                echo_blocking(conn)
            finally:
                os._exit(0)
        conn.close()


def serve_asyncio(lsock: Any) -> None:
    import asyncio

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(RECV_BYTES):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def run() -> None:
        server = await asyncio.start_server(handle, sock=lsock, backlog=BACKLOG)
        await server.serve_forever()

    asyncio.run(run())


def serve_greenlet_spawns() -> None:
    """For each count K read on stdin: spawn K greenlets, join them, print the sum of results."""
    gevent = _gevent()

    def one() -> int:
        return 1

    print("ready", flush=True)
    for line in sys.stdin:
        count = int(line)
        greenlets = [gevent.spawn(one) for _ in range(count)]
        gevent.joinall(greenlets, raise_error=True)
        print(sum(g.value for g in greenlets), flush=True)


def main(argv: list[str]) -> None:
    mode, lifetime_s = argv[1], float(argv[2])
    if mode not in CHILD_MODES:
        raise SystemExit(f"unknown mode {mode!r}; choose one of {', '.join(CHILD_MODES)}")
    if mode in ("gevent", "greenlets"):
        _gevent("gevent.monkey").patch_all()  # first, before socket and threading are used
    _arm_lifetime(lifetime_s)
    if mode == "greenlets":
        serve_greenlet_spawns()
        return
    lsock = _listen()
    if mode == "threads":
        serve_threads(lsock)
    elif mode == "gevent":
        serve_gevent(lsock)
    elif mode == "processes":
        serve_processes(lsock, lifetime_s)
    elif mode == "asyncio":
        serve_asyncio(lsock)
    else:
        from bench_lib.subjects.io.eventloop import serve_selector

        serve_selector(lsock, mode)


if __name__ == "__main__":
    main(sys.argv)
