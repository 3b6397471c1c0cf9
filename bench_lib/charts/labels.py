"""What a chart calls a series: the one table from a parameter's code value to a person's words.

A result file names series by code (``channel=pipe_simplex``); a chart's legend and axis
ticks say what that is ("Pipe, one way"). One table for every chart, keyed by the parameter
(the ``key`` of the benchmark id's ``key=value``), so the same value reads the same in every
chart. A value not in the table is shown as it is: new series still draw, in code words,
until they get an entry here.
"""

from __future__ import annotations

from typing import Any

LABELS: dict[str, dict[str, str]] = {
    "channel": {  # ipc: what carries the messages
        "pipe": "Pipe, both ways",
        "pipe_simplex": "Pipe, one way",
        "queue": "Queue",
        "simple_queue": "SimpleQueue",
        "joinable_queue": "JoinableQueue",
        "manager_queue": "Manager().Queue()",
        "shared_memory": "shared memory",
        "os_pipe": "raw os.pipe",
        "socketpair": "raw socketpair",
        "interp_queue": "interpreters Queue (subinterpreters)",
        "interp_memoryview": "memoryview (subinterpreters)",
    },
    "placement": {  # ipc: where the two processes run
        "same_core": "one core",
        "cross_core": "two cores",
    },
    "primitive": {  # locks
        "lock": "Lock",
        "rlock": "RLock",
        "semaphore": "Semaphore(1)",
        "bounded_semaphore": "BoundedSemaphore(1)",
        "manager_lock": "Manager().Lock()",
        "value_lock": "Value.get_lock()",
        "thread_lock": "threading.Lock (threads)",
    },
    "api": {  # pool and distributed: how a task is handed over
        "apply": "apply (a round trip per task)",
        "apply_async": "apply_async",
        "map_chunk1": "map, chunksize=1",
        "map": "map",
        "map_tuned": "map, chunks sized to the workers",
        "imap": "imap",
        "imap_unordered": "imap_unordered",
        "starmap": "starmap",
        "executor_submit": "Executor.submit",
        "executor_map": "Executor.map",
        "executor_map_tuned": "Executor.map, chunks sized to the workers",
        "pool_apply": "Pool.apply (round trip)",
        "pool_apply_async": "Pool.apply_async",
        "dask_submit": "dask client.submit (round trip)",
        "dask_map": "dask client.map",
    },
    "path": {  # distributed: how the payload travels
        "scatter_gather": "dask scatter + gather",
        "worker_to_worker": "dask worker to worker",
        "pipe": "Pipe (one machine)",
        "shm": "shared memory (one machine)",
    },
    "model": {  # io: the server's concurrency model
        "threads": "a thread per connection",
        "processes": "a process per connection",
        "asyncio": "asyncio",
        "gevent": "gevent",
        "select": "select() loop",
        "poll": "poll() loop",
        "epoll": "epoll loop",
    },
}


def label(parameter: str, value: Any) -> str:
    """The words for ``parameter=value`` in a chart; the value itself when it has none."""
    return LABELS.get(parameter, {}).get(str(value), str(value))
