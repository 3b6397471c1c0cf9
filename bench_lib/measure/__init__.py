"""`mpbench measure`: the user's own function, serially, on threads, processes and interpreters.

One measuring package serves the command (:mod:`bench_lib.cli.measure`) and the pytest fixture
(:mod:`bench_lib.measure.fixture`): both call :func:`bench_lib.measure.session.measure`.
Importing this package imports nothing else: pool workers import :mod:`.calls` through it.
"""
