"""Spawn cost of the units of I/O concurrency: a greenlet, an asyncio task, a thread.

Each measured round starts K units that each return 1, waits for all of them and
checks the sum. Greenlets run in a child process that imported gevent (this process
never does: monkey-patching would change threads and sockets for everything else);
its round includes one pipe round trip to that child, measured alone as a control.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from bench_lib.subjects.io.servers import Child

KINDS = ("greenlet", "asyncio_task", "thread")
UNITS_PER_ROUND = {"greenlet": 2000, "asyncio_task": 2000, "thread": 100}  # ~ms rounds each


class SpawnCheckError(Exception):
    """Fewer units finished than were started."""


def _verify(kind: str, count: int, total: int) -> int:
    if total != count:
        raise SpawnCheckError(f"{count} {kind}s started, {total} returned")
    return count


def threads(count: int) -> int:
    """Start ``count`` threads, then join them all."""
    done: list[int] = []
    started = [threading.Thread(target=done.append, args=(1,)) for _ in range(count)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return _verify("thread", count, sum(done))


async def _one() -> int:
    return 1


async def _tasks(count: int) -> int:
    tasks = [asyncio.ensure_future(_one()) for _ in range(count)]
    return sum(await asyncio.gather(*tasks))


class TaskSpawner:
    """An event loop made off the clock; ``spawn(K)`` creates K tasks and gathers them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def spawn(self, count: int) -> int:
        return _verify("asyncio task", count, self.loop.run_until_complete(_tasks(count)))

    def close(self) -> None:
        self.loop.close()

    def __enter__(self) -> TaskSpawner:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class GreenletSpawner(Child):
    """A child that imported gevent; ``spawn(K)`` asks it to spawn and join K greenlets."""

    def __init__(self, lifetime_s: float) -> None:
        super().__init__("greenlets", lifetime_s)
        if self.first_line != "ready":
            self.stop()
            raise SpawnCheckError(f"greenlet child said {self.first_line!r}, not 'ready'")
        self.lifetime_s = lifetime_s

    def spawn(self, count: int) -> int:
        self.write_line(str(count))
        return _verify("greenlet", count, int(self.read_line(self.lifetime_s)))
