"""`mpbench show` on odd files: nothing from a file acts on the terminal, bad input is one line."""

from __future__ import annotations

import copy
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bench_lib.cli import main as cli
from bench_lib.printable import printable
from bench_lib.results import files as results

TERMINAL_HOSTILE = "evil\x1b[31mRED\x1b]0;pwned\x07\rover\x00nul\u202eesrever\u2028\x9b"


def unsafe_characters(text: str) -> list[str]:
    """Characters a terminal may act on (newline is the only control the output may hold)."""
    return [
        c
        for c in text
        if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")
    ]


def odd_strings(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["machine_info"]["mpbench"]["hostname"] = TERMINAL_HOSTILE
    out["mpbench"]["label"] = TERMINAL_HOSTILE
    bench = out["benchmarks"][0]["extra_info"]["mpbench"]
    bench["case"] = TERMINAL_HOSTILE
    bench["figures"][0]["unit"] = TERMINAL_HOSTILE
    bench["params"] = {**bench["params"], TERMINAL_HOSTILE: TERMINAL_HOSTILE}
    bench["noise"] = {"flags": [{"code": TERMINAL_HOSTILE, "message": TERMINAL_HOSTILE}]}
    out["mpbench"]["failures"] = [{"test": TERMINAL_HOSTILE, "reason": TERMINAL_HOSTILE}]
    return out


def test_printable_escapes_what_a_terminal_acts_on() -> None:
    shown = printable(TERMINAL_HOSTILE)
    assert unsafe_characters(shown) == []
    assert shown == (
        "evil\\x1b[31mRED\\x1b]0;pwned\\x07\\x0dover\\x00nul\\u202eesrever\\u2028\\x9b"
    )
    assert printable("plain é 日本 μs") == "plain é 日本 μs"


@pytest.mark.parametrize("markdown", [False, True])
def test_show_escapes_control_characters_from_the_file(
    spawn_smoke: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], markdown: bool
) -> None:
    path = results.write_atomic(tmp_path / "r.json", odd_strings(spawn_smoke))
    assert cli.main(["show", str(path), *(["--markdown"] if markdown else [])]) == 0
    out = capsys.readouterr().out
    assert unsafe_characters(out) == []
    assert "evil\\x1b[31mRED" in out and "\\u202eesrever" in out  # shown, not acted on


def test_show_only_empty_is_refused_like_run(
    spawn_smoke: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = results.write_atomic(tmp_path / "r.json", spawn_smoke)
    assert cli.main(["show", str(path), "--only", ""]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown subject (none given); choose from: spawn" in err
    assert cli.main(["show", str(path), "--only", " , "]) == cli.EXIT_USAGE


def test_errors_about_a_file_are_escaped_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad\x1b[2J.json"
    path.write_text("[1]")
    assert cli.main(["show", str(path)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert unsafe_characters(err) == [] and "bad\\x1b[2J.json" in err
