"""The gil subject, as the registry reads it (:mod:`bench_lib.registry`)."""

from bench_lib.registry import Subject

SUBJECT = Subject(
    name="gil",
    title="The GIL side-stepped: threads vs processes",
    order=10,
)
