"""The ipc subject, as the registry reads it (:mod:`bench_lib.registry`)."""

from bench_lib.registry import RunOption, Subject

SUBJECT = Subject(
    name="ipc",
    title="IPC: Queue vs Pipe vs Manager",
    order=40,
    colours={  # IPC channels
        "pipe": "#1f77b4",
        "pipe_simplex": "#17becf",
        "queue": "#ff7f0e",
        "simple_queue": "#bcbd22",
        "joinable_queue": "#8c564b",
        "manager_queue": "#d62728",
        "shared_memory": "#2ca02c",
        "os_pipe": "#7f7f7f",
    },
    run_options=(
        RunOption(
            "--payload",
            "module:factory",
            "also send your own object (what factory() returns; or PATH.py:factory) through "
            "Queue, Pipe, Manager and shared memory",
            "bench_lib.subjects.ipc.user_payload:checked_spec",
        ),
    ),
)
