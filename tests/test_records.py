"""The reading model (bench_lib/results/records.py): what a validated result file's records say.

Readers use these records instead of reaching into the file's dicts, so each field is read
the same way everywhere: a benchmark's rounds, figures, flags and label, and the run's log.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import synthetic_results as synth

from bench_lib.results import files as results
from bench_lib.results import records


def _file() -> dict[str, Any]:
    slow = synth.bench(
        "gil", "cpu_split", 2.5, flags=("impossible", "wide-interval"), mode="process", n=2
    )
    plain = synth.bench("ipc", "stream", 0.001, channel="pipe", size=64)
    data = synth.run(slow, plain, cores=4, profile="quick")
    data["mpbench"]["schema"] = results.SCHEMA_VERSION  # synthetic runs leave it out
    return results.validate(data)


def test_a_benchmark_record_carries_its_rounds_figures_flags_and_label() -> None:
    slow, plain = records.Run.of(_file()).benchmarks
    assert slow.round_times_s == (2.5,) * 30
    assert [f.name for f in slow.figures] == ["round"]
    assert slow.noise_flags == ("impossible", "wide-interval")
    assert slow.flagged("impossible") and not plain.flagged("impossible")
    assert [f["message"] for f in slow.flags] == ["impossible", "wide-interval"]
    assert slow.label == "gil cpu_split mode=process n=2"  # parameters in the file's order
    assert plain.flags == () and plain.noise_flags == ()


def test_a_benchmark_without_flags_or_rounds_reads_as_empty_not_as_an_error() -> None:
    data = _file()
    bench = data["benchmarks"][1]
    del bench["extra_info"]["mpbench"]["noise"]
    bench["stats"] = {}
    record = records.Run.of(data).benchmarks[1]
    assert record.flags == () and record.round_times_s == ()


def test_the_run_log_reads_the_top_level_block() -> None:
    data = _file()
    data["mpbench"].update(
        partial=True,
        skipped=[{"test": "t", "reason": "no fork"}],
        concurrent_runs=[{"pid": 7, "what": "mpbench run"}],
        gil={"warning": "on"},
    )
    log = records.RunLog.of(data)
    assert (log.profile, log.label, log.started_utc) == (
        "quick",
        "synthetic",
        "2026-01-02T03:04:05Z",
    )
    assert log.partial and log.failures == ()
    assert [s["reason"] for s in log.skipped] == ["no fork"]
    assert [o["pid"] for o in log.concurrent_runs] == [7]
    assert log.load_average_1m == 0.1 and log.busy_cores == 0.0
    assert log.gil is not None and log.gil["warning"] == "on"


def test_the_run_log_of_a_hand_made_or_older_block_takes_the_defaults() -> None:
    data = copy.deepcopy(_file())
    data["mpbench"] = {"gil": ["not", "a", "dict"], "load_average_1m": True, "busy_cores": None}
    log = records.RunLog.of(data)
    assert (log.profile, log.label, log.started_utc, log.partial) == ("?", "run", "?", False)
    assert log.skipped == () and log.concurrent_runs == ()
    assert log.gil is None  # unchecked by the schema: any shape, read only when a dict
    assert log.load_average_1m is None and log.busy_cores is None  # a bool is not a number


def test_every_reader_keys_a_benchmark_by_the_one_key_function() -> None:
    from bench_lib.compare.match import entries

    data = _file()
    run = records.Run.of(data)
    table = entries(data)
    assert {key[0] for key in table} == {b.key for b in run.benchmarks}


def test_a_figure_record_reads_the_saved_figure_and_its_work() -> None:
    (record,) = records.Run.of(_file()).benchmarks[0].figures
    assert (record.name, record.unit, record.kind) == ("round", "s", "time")
    assert (record.median, record.ci_low, record.ci_high, record.n) == (2.5, 2.375, 2.625, 30)
    assert record.per_round == 1.0 and record.work == 1.0


def test_a_figure_saved_without_its_work_compares_as_whole_rounds() -> None:
    # per_round is optional (null is valid): compare used to fail on float(None)
    from bench_lib.compare.match import entries

    data = _file()
    data["benchmarks"][1]["extra_info"]["mpbench"]["figures"][0]["per_round"] = None
    results.validate(data)
    (record,) = records.Run.of(data).benchmarks[1].figures
    assert record.per_round is None and record.work == 1.0
    entry = next(e for e in entries(data).values() if e.subject == "ipc")
    assert entry.samples == [0.001] * 30 and entry.per_round == 1.0


def test_a_loaded_file_is_parsed_once_and_its_tables_made_once(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """A report reads one file in a dozen places: each gets what the first one made."""
    from bench_lib.report import render
    from bench_lib.results import tidy

    calls = {"parse": 0, "figures": 0}
    parse, figures = records.Run._parse, tidy._figures

    def counted_parse(data: Any) -> Any:
        calls["parse"] += 1
        return parse(data)

    def counted_figures(data: Any) -> Any:
        calls["figures"] += 1
        return figures(data)

    monkeypatch.setattr(records.Run, "_parse", staticmethod(counted_parse))
    monkeypatch.setattr(tidy, "_figures", counted_figures)
    committed = sorted((Path(__file__).parent.parent / "results").glob("*/*.json"))
    data = results.load(committed[0])  # a real run: every subject, every chart
    render.write_report(data, tmp_path / "report")
    assert calls == {"parse": 1, "figures": 1}
    same = copy.deepcopy(data)  # equal, but another object: read on its own
    assert records.Run.of(same) is not records.Run.of(data)
    assert records.Run.of(data) is records.Run.of(data)


def test_each_reader_gets_its_own_copy_of_a_table() -> None:
    from bench_lib.results import tidy

    data = _file()
    first = tidy.figures(data)
    first["median"] = -1.0  # one reader changing its table ...
    assert (tidy.figures(data)["median"] > 0).all()  # ... changes nobody else's
