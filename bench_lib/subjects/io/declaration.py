"""The io subject, as the registry reads it (:mod:`bench_lib.registry`)."""

from bench_lib.registry import Subject

SUBJECT = Subject(
    name="io",
    title="I/O concurrency: threads, processes, asyncio, gevent, selectors",
    order=60,
)
