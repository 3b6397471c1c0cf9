"""The user's payload through the ipc subject (``--mpbench-payload``; `mpbench run --payload`):
sent through Pipe, Queue, Manager and shared memory where bytes-like, checked like the built-in
payloads, with the share of pickling; deselected without the option; bad ones stop at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_lib.cli.main import build_parser
from bench_lib.cli.run import checked_subject_options
from bench_lib.results import tidy
from bench_lib.subjects.ipc import advice
from tests.conftest import REPO, run_smoke

TARGETS = REPO / "tests" / "measure_targets.py"


def _payload_run(tmp_path: Path, factory: str) -> tuple[int, dict[str, Any], str]:
    return run_smoke(
        tmp_path,
        "benchmarks/test_ipc.py",
        extra=("-k", "stream_payload", f"--mpbench-payload={TARGETS}:{factory}"),
    )


def _by_channel(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["params"]["channel"]: b["extra_info"]["mpbench"] for b in data["benchmarks"]}


def test_an_object_goes_through_queue_pipe_and_manager_checked(tmp_path: Path) -> None:
    code, data, out = _payload_run(tmp_path, "payload_record")
    assert code == 0, out
    seen = _by_channel(data)
    assert set(seen) == {"pipe", "queue", "manager_queue"}
    for block in seen.values():
        assert block["checks"]["every message arrived intact"] is True
        assert block["info"]["payload"]["type"] == "dict"
        assert block["figures"][0]["unit"] == "msg/s" and block["figures"][0]["median"] > 0
        assert block["metrics"]["pickling_share"]["value"] > 0
    (skip,) = data["mpbench"]["skipped"]
    assert "shared_memory" in skip["test"] and "not bytes-like" in skip["reason"]
    (sentence,) = advice.payload_rule(tidy.figures(data), tidy.metrics(data))
    assert sentence.startswith("Your payload ") and "Queue " in sentence and "pickling" in sentence


def test_a_bytes_like_payload_also_goes_through_shared_memory(tmp_path: Path) -> None:
    code, data, out = _payload_run(tmp_path, "payload_blob")
    assert code == 0, out
    seen = _by_channel(data)
    assert "shared_memory" in seen and not data["mpbench"]["skipped"]
    assert "pickling_share" not in seen["shared_memory"]["metrics"]  # a buffer is not pickled
    assert seen["shared_memory"]["info"]["payload"]["bytes_like"] is True


def test_a_payload_that_arrives_different_fails_the_benchmark(tmp_path: Path) -> None:
    code, _data, out = _payload_run(tmp_path, "payload_by_process")
    assert code != 0
    assert "every message arrived intact" in out and "corrupted" in out


def test_without_a_payload_the_benchmark_is_deselected(tmp_path: Path) -> None:
    _code, data, out = run_smoke(tmp_path, "benchmarks/test_ipc.py", extra=("-k", "stream_payload"))
    assert "deselected" in out and not data.get("benchmarks")
    assert not data.get("mpbench", {}).get("skipped")


def test_a_bad_payload_stops_at_once_in_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "benchmarks/test_ipc.py", "--benchmark-only",
         "--mpbench-profile=smoke", "-p", "no:cacheprovider", f"--mpbench-payload={TARGETS}:nope"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "has no 'nope'" in proc.stdout + proc.stderr


def test_mpbench_run_payload_becomes_the_pytest_option() -> None:
    args = build_parser().parse_args(["run", "--payload", f"{TARGETS}:payload_record"])
    assert checked_subject_options(args) == [f"--mpbench-payload={TARGETS}:payload_record"]
