"""`mpbench compare` on odd values: each figure gets a verdict or a true reason, never a traceback;
the work stays bounded however many rounds a file holds; nothing from a file acts on the terminal.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from test_compare import bench, noisy_rounds, result, run_cli, write

from bench_lib.compare import match as compare_match
from bench_lib.compare import output as compare_output
from bench_lib.compare import pairs as compare

FAIRNESS = {"name": "fairness", "unit": ""}  # a figure with no known direction


def fairness(samples: list[float]) -> dict[str, Any]:
    return {"fairness": {"value": samples[0], "unit": "", "samples": samples}}


def figure(base: list[float], cand: list[float], metrics: bool = False) -> Any:
    """The one compared figure of two one-benchmark runs (the metric when ``metrics``)."""
    one = noisy_rounds(1e-3, n=len(base))  # a metric sample per round, as the engine keeps
    b = bench("x", one if metrics else base, metrics=fairness(base) if metrics else None)
    c = bench("x", one if metrics else cand, metrics=fairness(cand) if metrics else None)
    pair = compare.build([("a", result([b])), ("b", result([c], label="b"))]).pairs[0]
    return pair.figures[-1] if metrics else pair.figures[0]


@pytest.mark.parametrize(
    ("base", "cand", "reason"),
    [
        (noisy_rounds(1e-3, n=10), [0.0] * 10, "the candidate median is 0"),
        ([0.0] * 10, noisy_rounds(1e-3, n=10), "the baseline median is 0"),
        ([0.0] * 4 + [1e-3] * 6, [0.0] * 4 + [1e-3] * 6, "a block median is 0"),
        ([1e308] * 9, [1e-10] * 9, "the speed is past the float range"),
        ([1e-10] * 9, [1e308] * 9, "the ratio of the medians is past the float range"),
    ],
)
def test_zero_and_huge_medians_get_a_reason_not_a_traceback(
    base: list[float], cand: list[float], reason: str
) -> None:
    f = figure(base, cand)
    assert f.verdict == "inconclusive" and reason in f.reason, f.reason


def test_zero_medians_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = result([bench("x", noisy_rounds(1e-3, n=10)), bench("y", noisy_rounds(1e-3, n=10))])
    cand = result([bench("x", [0.0] * 10), bench("y", [1e308] * 9)], label="b")
    code, out, err = run_cli(
        [str(write(tmp_path, "a.json", base)), str(write(tmp_path, "b.json", cand)), "--all"],
        capsys,
    )
    assert code == 0 and err == ""  # no overflow warnings either
    assert "the candidate median is 0" in out and "no figure with rounds and a direction" in out


def test_figures_without_a_direction_can_be_same() -> None:
    f = figure([1.0] * 10, [1.0] * 10, metrics=True)
    assert f.higher_is_better is None and f.ratio_ci == (1.0, 1.0)
    assert (f.verdict, f.reason) == ("same", "interval within +-5%")
    close = figure(
        noisy_rounds(1.0, n=30, seed=1, spread=0.01),
        noisy_rounds(1.0, n=30, seed=2, spread=0.01),
        metrics=True,
    )
    assert close.verdict == "same"
    zeros = figure([0.0] * 10, [0.0] * 10, metrics=True)  # lost updates: 0 and 0
    assert (zeros.verdict, zeros.reason) == ("same", "every round the same value in both runs")
    apart = figure(noisy_rounds(1.0, n=30, seed=1), noisy_rounds(2.0, n=30, seed=2), metrics=True)
    assert apart.verdict == "inconclusive"
    assert apart.reason == "differs, but higher is not known to be better"


def test_rounds_past_the_cap_are_subsampled_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    many = compare_match.MAX_ROUNDS_COMPARED + 3000
    base = result([bench("x", noisy_rounds(1e-3, n=many, seed=1))])
    cand = result([bench("x", noisy_rounds(1e-3, n=many, seed=2))], label="b")
    c = compare.build([("a", base), ("b", cand)])
    (f,) = c.pairs[0].figures
    assert f.n_baseline == f.n_candidate == compare_match.MAX_ROUNDS_COMPARED
    assert any("subsample of 2000" in w for w in c.warnings)
    again = compare.build([("a", base), ("b", cand)]).pairs[0].figures[0]
    assert again.baseline == f.baseline and again.ratio_ci == f.ratio_ci  # seeded: repeatable


def test_terminal_output_escapes_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "x\x1b[31m\r\x00\u202e\n!"
    base = result([bench(evil, noisy_rounds(1e-3, n=10), subject=evil)], label=evil)
    base["machine_info"]["mpbench"]["hostname"] = evil
    cand = result([bench(evil, noisy_rounds(1e-3, n=10), subject=evil)], label="b")
    code, out, _ = run_cli(
        [str(write(tmp_path, "a.json", base)), str(write(tmp_path, "b.json", cand)), "--all"],
        capsys,
    )
    assert code == 0
    assert [c for c in out if c != "\n" and unicodedata.category(c).startswith("C")] == []
    assert "x\\x1b[31m\\x0d\\x00\\u202e\\x0a!" in out


def test_compare_folder_appears_whole_or_not_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = result([bench("x", noisy_rounds(1e-3, n=10, seed=1))])
    cand = result([bench("x", noisy_rounds(1e-3, n=10, seed=2))], label="b")
    files = [str(write(tmp_path, "a.json", base)), str(write(tmp_path, "b.json", cand))]

    def broken(*args: Any) -> str:
        raise RuntimeError("crashed while writing the page")

    monkeypatch.setattr(compare_output, "render_compare_html", broken)
    with pytest.raises(RuntimeError):
        run_cli([*files, "-o", str(tmp_path / "out")], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]
    monkeypatch.undo()
    code, out, _ = run_cli([*files, "-o", str(tmp_path / "out")], capsys)
    assert code == 0 and (tmp_path / "out" / "index.html").exists()
    code, out, err = run_cli([*files, "-o", str(tmp_path)], capsys)  # holds the result files
    assert code == 2 and "holds files that are not a report (a.json, b.json, out)" in err
    assert out == ""  # refused before comparing anything


def test_a_chart_the_values_cannot_draw_is_named_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def overflowing(*args: Any) -> None:
        raise ValueError("Axis limits cannot be NaN or Inf")

    monkeypatch.setattr(compare_output.compare_charts, "ratio_chart", overflowing)
    base = result([bench("x", noisy_rounds(1e-3, n=10, seed=1))])
    cand = result([bench("x", noisy_rounds(1e-3, n=10, seed=2))], label="b")
    files = [str(write(tmp_path, "a.json", base)), str(write(tmp_path, "b.json", cand))]
    code, _, err = run_cli([*files, "-o", str(tmp_path / "out")], capsys)
    assert code == 0 and err == ""
    page = (tmp_path / "out" / "index.html").read_text()
    assert "ratio chart 1 left out: the file&#x27;s values do not fit it (ValueError" in page
