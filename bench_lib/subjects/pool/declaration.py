"""The pool subject, as the registry reads it (:mod:`bench_lib.registry`)."""

from bench_lib.registry import Subject

SUBJECT = Subject(
    name="pool",
    title="Pools: which API, how many workers",
    order=20,
)
