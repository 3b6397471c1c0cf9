"""Result files: pytest-benchmark JSON, extended under ``mpbench`` keys, never forked.

Schema history (``SCHEMA_VERSION``; docs/RESULTS.md describes every field):

* 1 -- first version: top-level ``mpbench`` block (schema, profile, subjects,
  failures, skipped, partial), ``machine_info.mpbench`` fingerprint, and per
  benchmark ``extra_info.mpbench`` (subject, case, params, figures with median and
  95% interval, floor, metrics, checks, cpu, noise). Raw rounds in ``stats.data``.
* 2 -- ``stats`` means what pytest-benchmark means: seconds per operation of the primary
  figure (each round divided by its ``per_round``; ``stats.iterations`` = ``per_round``, so a
  round is ``data[i] * iterations``), and each benchmark has a ``group`` (subject, case,
  figure). A schema-1 file is migrated as it is loaded (:func:`migrate`).
  Optional additions (older files load without them): a figure's ``blocks`` and ``interval``
  (t over the blocks' log medians, ``"none"`` with too few blocks), ``info.block_order``
  (``"passes"``: blocks made as passes over the suite), ``info.block_runs``.

Entries without an ``extra_info.mpbench`` block are the user's own benchmarks, run in the same
pytest session: mpbench's readers set them aside (:func:`load`) and never rewrite them.

Files live at ``results/<machine-id>/<UTC timestamp>_<label>.json`` and are
written atomically (temporary file in the same folder, then ``os.replace``), so
an interrupted run never leaves half a file or damages an earlier one. A new run's
file never replaces another (:func:`write_new`: a taken name gets ``-2``, ``-3``...).
The temporary file is ``flock``'d while written, so one left by a killed writer can be
told from one being written now (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_lib.results import per_op, schema

SCHEMA_VERSION = 2
SCHEMA_KEY = "mpbench"  # the block name: top level, machine_info.mpbench, extra_info.mpbench
SUPPORTED_SCHEMAS = (1, 2)  # 1 is migrated to 2 as it is loaded
MAX_RESULT_BYTES = 64 * 1024 * 1024  # a full run of every subject is a few MB (at most 1000
# rounds a benchmark); 64 MiB is ten times that, and parsing it stays under ~1 GB of memory
MAX_VALUES = 2_000_000  # counted by commas before parsing: a standard run holds ~35k values
# and a full one (5x the rounds) a few hundred thousand; 2M values parse and check in seconds,
# while a 64 MiB file of one-digit rounds (30M values) takes minutes and GBs in every reader
MAX_NESTING = 32  # a result file nests about 10 deep (benchmarks > ... > per-CPU samples);
# deeper is not ours, and deep enough nesting overflows the parser's or a printer's recursion
MAX_INTEGER_DIGITS = 20  # counts, bytes and rounds fit in 64 bits (2**64 - 1 has 20 digits);
# longer integers are not ours: numpy and pandas overflow past 64 bits, a float past 309
# digits, and Python refuses to read over 4300
MAX_LABEL_CHARS = 80  # of the label in a file name (255 bytes at most); the file keeps it whole
MAX_SAME_NAME = 1000  # results of one label in one second; beyond that something loops


class ResultFileError(ValueError):
    """A result file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


def result_path(root: Path, machine_id: str, label: str, when: datetime | None = None) -> Path:
    when = when or datetime.now(UTC)
    safe_label = re.sub(r"[^A-Za-z0-9._-]+", "-", label)[:MAX_LABEL_CHARS].strip("-.") or "run"
    return root / machine_id / f"{when.strftime('%Y%m%dT%H%M%SZ')}_{safe_label}.json"


TEMP_SUFFIX = ".tmp"


def _write_temporary(path: Path, data: dict[str, Any], finish: Any) -> Path:
    """Write ``data`` to a locked temporary file beside ``path``, then ``finish(tmp)``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    fcntl.flock(fd, fcntl.LOCK_EX)  # held until closed: marks the file as being written
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; a result is as readable as any file
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, allow_nan=False, default=str)
            fh.flush()
            os.fsync(fh.fileno())
            final: Path = finish(Path(tmp))
    finally:
        Path(tmp).unlink(missing_ok=True)
    return final


def write_atomic(path: Path, data: dict[str, Any]) -> Path:
    def replace(tmp: Path) -> Path:
        os.replace(tmp, path)
        return path

    return _write_temporary(path, data, replace)


def write_new(path: Path, data: dict[str, Any]) -> Path:
    """Save ``data`` under ``path`` or, if that name is taken, ``<stem>-2.json`` and so on.

    Never replaces a file: two runs with one label in one second both keep their result.
    """

    def link_to_free_name(tmp: Path) -> Path:
        for n in range(1, MAX_SAME_NAME + 1):
            candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
            try:
                os.link(tmp, candidate)  # fails if the name exists: nothing is overwritten
                return candidate
            except FileExistsError:
                continue
        raise ResultFileError(path, f"{MAX_SAME_NAME} result files of this name exist already")

    return _write_temporary(path, data, link_to_free_name)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove temporary result files whose writer is gone (killed mid-save); return them."""
    from bench_lib.supervision.run_registry import remove_if_stale

    if not folder.is_dir():
        return []
    return [p for p in folder.glob(f".*.json.*{TEMP_SUFFIX}") if remove_if_stale(p)]


def _require(cond: bool, path: Path | str, problem: str) -> None:
    if not cond:
        raise ResultFileError(path, problem)


def validate(data: Any, path: Path | str = "<data>") -> dict[str, Any]:
    """Check the structure readers rely on; raise :class:`ResultFileError` naming what is wrong."""
    if not isinstance(data, dict):
        raise ResultFileError(path, "not a result file (top level is not a JSON object)")
    _require(
        "benchmarks" in data and "machine_info" in data,
        path,
        "not a pytest-benchmark result file (no 'benchmarks' or 'machine_info')",
    )
    block = data.get("mpbench")
    if not isinstance(block, dict):
        raise ResultFileError(
            path, "a pytest-benchmark file without mpbench data; run it with `mpbench run`"
        )
    version = block.get("schema")
    _require(
        version in SUPPORTED_SCHEMAS,
        path,
        f"unknown mpbench schema version {schema.shown(version)}; this mpbench reads "
        f"{', '.join(map(str, SUPPORTED_SCHEMAS))} (upgrade mpbench to read newer files)",
    )
    found = schema.problem(data, schema.RESULT, "result")
    if found:
        raise ResultFileError(path, found.removeprefix("result."))
    return data


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused(
            f"holds an integer of {len(text.lstrip('-'))} digits (a result file's "
            f"integers have at most {MAX_INTEGER_DIGITS})"
        )
    return int(text)


def _constant(name: str) -> float:
    raise _Refused(f"holds {name}, which JSON does not allow and mpbench never writes")


class _Refused(Exception):
    """Raised from inside the JSON parser's hooks: the reason a file is refused."""


def nesting_depth(data: Any) -> int:
    """How deep lists and objects nest (a scalar is 0), walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        deepest = max(deepest, depth)
        kinds = set(map(type, children))  # a list of a million rounds: one pass in C
        if depth <= MAX_NESTING and (dict in kinds or list in kinds):  # deeper: refused anyway
            stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


def parse(text: str, path: Path | str = "<data>") -> Any:
    """JSON text to Python values, refusing what no result file holds (see docs/RESULTS.md)."""
    values = text.count(",") + 1  # a comma follows every value but the last of each list
    if values > MAX_VALUES:
        raise ResultFileError(
            path, f"holds about {values:,} values, more than a result file can ({MAX_VALUES:,})"
        )
    try:
        data = json.loads(text, parse_int=_integer, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise ResultFileError(path, f"is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ResultFileError(
            path, f"nests lists or objects deeper than a result file can ({MAX_NESTING} levels)"
        ) from None
    except _Refused as exc:
        raise ResultFileError(path, str(exc)) from None
    if isinstance(data, (dict, list)) and nesting_depth(data) > MAX_NESTING:
        raise ResultFileError(
            path, f"nests lists or objects deeper than a result file can ({MAX_NESTING} levels)"
        )
    return data


def load(path: Path | str) -> dict[str, Any]:
    """Read and validate a result file; every failure is a :class:`ResultFileError`."""
    p = Path(path)
    try:
        _require(not p.is_dir(), p, "is a directory, not a result file")
        size = p.stat().st_size
        _require(size > 0, p, "is empty")
        _require(
            size <= MAX_RESULT_BYTES,
            p,
            f"is {size / 2**20:.0f} MiB, more than a result file can be "
            f"({MAX_RESULT_BYTES // 2**20} MiB)",
        )
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResultFileError(p, exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ResultFileError(p, "is not text (not UTF-8)") from None
    data = parse(text, p)
    if isinstance(data, dict) and isinstance(data.get("benchmarks"), list):
        data["benchmarks"] = [b for b in data["benchmarks"] if not _foreign(b)]
    checked: dict[str, Any] = validate(data, p)
    return migrate(checked)


def _foreign(bench: Any) -> bool:
    """The user's own benchmark beside ours (pytest-benchmark's entry, no mpbench block)."""
    return (
        isinstance(bench, dict)
        and isinstance(bench.get("extra_info"), dict)
        and (SCHEMA_KEY not in bench["extra_info"])
    )


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A validated result of an older schema in the current one, in place (see the history
    above); one of the current schema is returned as it is."""
    if data[SCHEMA_KEY]["schema"] == 1:
        for bench in data["benchmarks"]:
            per_op.to_per_operation(bench, bench["extra_info"][SCHEMA_KEY])
        data[SCHEMA_KEY]["schema"] = 2
        data[SCHEMA_KEY]["migrated_from"] = 1
        machine = data["machine_info"][SCHEMA_KEY]
        if "schema" in machine:
            machine["schema"] = 2
    return data
