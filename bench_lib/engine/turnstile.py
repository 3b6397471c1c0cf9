"""Two measuring sessions that take turns, round by round: `mpbench ab`'s interleaving.

Two runs, even two blocks side by side, differ by the machine's state: on a VM with speed
states two blocks of identical work next to each other differ by tens of percent
(``tools/noise_floor.py`` measures it), so an A/A would need about a hundred blocks a side for
an interval inside +-5%. Rounds taken in turns see the same seconds, so the machine's state
hits both sides alike (docs/validation.md has the measurements).

So `mpbench ab` runs both sides at once, and they share one **baton**: a session measures,
sets up or tears down only while it holds it. Each side runs the same benchmarks in the same
order; when both have reached the same benchmark they alternate, the baton passing at every
round (A B A B ...), each side's setup and teardown inside its own turns. A benchmark only
one side has (a grid that depends on the cores) runs alone. A side waiting for the baton is
blocked on a socket read: it costs nothing.

The protocol is one line per message over a Unix socket, from the session (the client) to
`mpbench ab` (the :class:`Baton` server): ``plan ID ID ...`` once, ``item ID`` before each
benchmark, ``turn`` before each measured or warm-up round (and each lean block), ``end``
when the session finishes; the server answers ``go`` when the side holds the baton.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ENV = "MPBENCH_TURNSTILE"  # the server's socket path, set by `mpbench ab` for both sides
END = "__end__"  # the pseudo item a finished session waits at: it goes last


class TurnstileError(RuntimeError):
    """The other side or the server went away mid-protocol."""


@dataclass
class _Side:
    name: str  # "a" or "b"
    conn: socket.socket | None = None  # None until its session connects
    buffer: bytes = b""
    planned: bool = False  # it said which benchmarks it will run
    plan: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)  # benchmarks it has left
    item: str | None = None  # the benchmark it is in, or waits to enter
    waiting: str = ""  # "item" or "turn": it waits for the baton
    closed: bool = False  # its session ended (or never came)

    def will_run(self, item: str | None) -> bool:
        return item in self.plan and item not in self.done


class Baton:
    """The server: accepts the two sides' sessions and hands the baton between them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        self._listener.listen(2)
        self._sides = {"a": _Side("a"), "b": _Side("b")}
        self._holder: _Side | None = None
        self._first = "a"  # the side that goes first in the next benchmark both are in
        self.paired_items = 0  # benchmarks both sides ran in turns
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="mpbench-turnstile", daemon=True)

    def start(self, first: str) -> None:
        """Serve in a thread; side ``first`` goes first in the first benchmark both run."""
        self._first = first
        self._thread.start()

    def wait_planned(self, name: str, alive: Callable[[], bool], timeout_s: float) -> None:
        """Until side ``name``'s session has collected its benchmarks (or exited, or the
        timeout): `mpbench ab` starts the other side then, so that neither side's start-of-run
        sample of the machine sees the other starting up."""
        deadline = time.monotonic() + timeout_s
        while alive() and time.monotonic() < deadline:
            with self._lock:
                if self._sides[name].planned or self._sides[name].closed:
                    return
            time.sleep(0.05)

    def gone(self, name: str) -> None:
        """Side ``name``'s session has exited (connected or not): the other goes on alone."""
        with self._lock:
            self._close(self._sides[name])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for side in self._sides.values():
            if side.conn is not None:
                side.conn.close()
        self._listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def _serve(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._listener, selectors.EVENT_READ)
        while not self._stop.is_set():
            for key, _ in sel.select(timeout=0.2):
                if key.fileobj is self._listener:
                    accepted, _ = self._listener.accept()
                    sel.register(accepted, selectors.EVENT_READ, None)
                    continue
                conn = key.fileobj
                if not isinstance(conn, socket.socket):
                    continue
                try:
                    data = conn.recv(65536)
                except OSError:  # its session was killed: as good as closed
                    data = b""
                with self._lock:
                    side = key.data
                    if not data:
                        sel.unregister(conn)
                        if side is not None:
                            self._close(side)
                        continue
                    if side is None:  # its first line is "hello NAME"
                        line, _, rest = data.partition(b"\n")
                        side = self._sides[line.decode().split()[1]]
                        side.conn, data = conn, rest
                        sel.modify(conn, selectors.EVENT_READ, side)
                    side.buffer += data
                    while b"\n" in side.buffer:
                        line, side.buffer = side.buffer.split(b"\n", 1)
                        self._message(side, line.decode())
        sel.close()

    def _other(self, side: _Side) -> _Side:
        return self._sides["b" if side.name == "a" else "a"]

    def _message(self, side: _Side, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "plan":
            side.plan, side.planned = set(rest.split()), True
        elif word in ("item", "end"):
            self._leave(side)
            side.item, side.waiting = (rest if word == "item" else END), "item"
        elif word == "turn":
            side.waiting = "turn"
            if self._holder is side:
                self._holder = None
        self._decide(yielding=side if word == "turn" else None)

    def _leave(self, side: _Side) -> None:
        if side.item is not None:
            side.done.add(side.item)
        if self._holder is side:
            self._holder = None

    def _close(self, side: _Side) -> None:
        side.closed = True
        self._leave(side)
        side.item, side.waiting = None, ""
        self._decide()

    def _give(self, side: _Side) -> None:
        self._holder = side
        side.waiting = ""
        try:
            assert side.conn is not None
            side.conn.sendall(b"go\n")
        except OSError:  # it went away while it waited: the other goes on alone
            self._close(side)

    def _decide(self, yielding: _Side | None = None) -> None:
        """Hand the baton on, if nobody holds it and someone waits for it."""
        if self._holder is not None:
            return
        waiting = [s for s in self._sides.values() if s.waiting and not s.closed]
        if len(waiting) == 2:
            a, b = waiting
            self._give(self._both(a, b, yielding) if a.item == b.item else self._alone(a, b))
        elif len(waiting) == 1:
            side = waiting[0]
            other = self._other(side)
            if other.closed or self._may_go_without(side, other):
                self._give(side)

    def _both(self, a: _Side, b: _Side, yielding: _Side | None) -> _Side:
        """Both wait at the same benchmark: they take turns."""
        if yielding is not None:
            return b if yielding is a else a  # the one that just had a round waits
        if a.waiting == b.waiting == "item" and a.item != END:  # both about to enter it
            self.paired_items += 1
            first = self._sides[self._first]
            self._first = "b" if self._first == "a" else "a"
            return first
        return a if a.waiting == "item" else b  # one arrives: it sets up while the other waits

    def _alone(self, a: _Side, b: _Side) -> _Side:
        """Both wait, at different benchmarks: the one in its rounds finishes them; a finished
        one goes last; else the one whose benchmark the other will never run (or has run)."""
        for side, other in ((a, b), (b, a)):
            if side.waiting == "turn" or other.item == END:
                return side
        for side, other in ((a, b), (b, a)):
            if not other.will_run(side.item):
                return side
        return a

    def _may_go_without(self, side: _Side, other: _Side) -> bool:
        """``side`` waits and ``other`` neither waits nor holds the baton (it is collecting, or
        between messages): may ``side`` go on without it?"""
        if not other.planned or side.item == END:
            return False  # it will come; a finished side waits for the other to finish
        if side.waiting == "turn":
            return other.item != side.item
        return not other.will_run(side.item)


class Client:
    """A measuring session's side of the protocol (a no-op when not under `mpbench ab`)."""

    def __init__(self, path: str | None, side: str) -> None:
        self._pid = os.getpid()
        self._conn: socket.socket | None = None
        if path:
            self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._conn.connect(path)
            self._send(f"hello {side}")
        self._reader = self._conn.makefile("rb") if self._conn else None

    @property
    def active(self) -> bool:
        return self._conn is not None and os.getpid() == self._pid  # not in a forked child

    def _send(self, line: str) -> None:
        assert self._conn is not None
        self._conn.sendall(line.encode() + b"\n")

    def _wait(self) -> None:
        assert self._reader is not None
        if self._reader.readline() != b"go\n":
            raise TurnstileError("mpbench ab went away while this side waited for its turn")

    def plan(self, items: list[str]) -> None:
        if self.active:
            self._send("plan " + " ".join(items))

    def item(self, nodeid: str) -> None:
        """Before a benchmark: wait until this side may run it."""
        if self.active:
            self._send(f"item {nodeid}")
            self._wait()

    def turn(self) -> None:
        """Before a round: let the other side take one, if it is in the same benchmark."""
        if self.active:
            self._send("turn")
            self._wait()

    def end(self) -> None:
        """The session's benchmarks are done: wait until this side may finish (write files).
        If `mpbench ab` is gone (stopped), finish at once: the results are saved all the same."""
        if self.active:
            with contextlib.suppress(OSError, TurnstileError):
                self._send("end")
                self._wait()


def partner_tag() -> str:
    """What this session adds to its entry in the run registry under `mpbench ab`: the other
    side carries the same tag, and the two never measure at the same time (not a busy machine)."""
    path = os.environ.get(ENV)
    return f"[mpbench ab {path}] " if path else ""  # first: the registry keeps 300 characters


_client: Client | None = None


def client() -> Client:
    """This session's client, made on first use from the environment ``mpbench ab`` set."""
    global _client
    if _client is None:
        _client = Client(os.environ.get(ENV), os.environ.get(ENV + "_SIDE", "?"))
    return _client
