"""The spawn subject, as the registry reads it (:mod:`bench_lib.registry`)."""

from bench_lib.registry import Subject

SUBJECT = Subject(
    name="spawn",
    title="Process start cost",
    order=30,
)
