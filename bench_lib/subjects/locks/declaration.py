"""The locks subject, as the registry reads it (:mod:`bench_lib.registry`)."""

from bench_lib.registry import Subject

SUBJECT = Subject(
    name="locks",
    title="Lock contention",
    order=50,
    colours={  # lock primitives (threading.Lock keeps the threads colour)
        "lock": "#1f77b4",
        "rlock": "#17becf",
        "semaphore": "#ff7f0e",
        "bounded_semaphore": "#bcbd22",
        "manager_lock": "#d62728",
        "value_lock": "#8c564b",
        "thread_lock": "#9467bd",
    },
)
