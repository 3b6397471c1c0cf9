"""The distributed subject, as the registry reads it (:mod:`bench_lib.registry`)."""

from bench_lib.registry import RunOption, Subject

SUBJECT = Subject(
    name="distributed",
    title="dask.distributed: what a cluster costs per task and per megabyte",
    order=70,
    colours={  # its transports and task sizes (Pipe and shared memory keep their IPC colours)
        "dask": "#e377c2",
        "scatter_gather": "#e377c2",
        "worker_to_worker": "#8c564b",
        "shm": "#2ca02c",
        "0.1 ms tasks": "#17becf",
        "1 ms tasks": "#1f77b4",
        "10 ms tasks": "#2ca02c",
    },
    run_options=(
        RunOption(
            "--scheduler",
            "tcp://HOST:PORT",
            "run the distributed subject on this dask scheduler (default: a LocalCluster)",
            "bench_lib.subjects.distributed.address:checked_url",
        ),
    ),
)
