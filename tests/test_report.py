"""Reports as a person sees them: files, escaping, partial runs, and a real browser render."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from browser import (
    needs_chromium,
    render_in_chromium,
    runs_only_its_own_script,
    sorted_by_clicks,
)
from conftest import run_smoke

from bench_lib import registry
from bench_lib.cli import main as cli
from bench_lib.report import render as report
from bench_lib.results import files as results

MAX_REPORT_BYTES = 2**20  # a run's report folder, every subject's charts in it: one image a chart
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> $\\badcmd{$ x\u202ey\x1b[2J'


def hostile(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["machine_info"]["mpbench"]["hostname"] = HOSTILE
    out["machine_info"]["mpbench"]["cpu_model"] = HOSTILE
    out["mpbench"]["label"] = HOSTILE
    out["mpbench"]["profile"] = HOSTILE  # shown in every chart footer
    out["machine_info"]["mpbench"]["python_version"] = HOSTILE
    bench = out["benchmarks"][0]["extra_info"]["mpbench"]
    bench["params"] = {**bench["params"], "note": HOSTILE}
    out["mpbench"]["failures"] = [{"test": HOSTILE, "when": "call", "reason": HOSTILE}]
    out["mpbench"]["partial"] = True
    return out


def test_report_folder_has_page_summary_and_charts(
    spawn_smoke: dict[str, Any], tmp_path: Path
) -> None:
    index = report.write_report(spawn_smoke, tmp_path)
    assert index == tmp_path / "index.html"
    page = index.read_text()
    assert (tmp_path / "summary.md").read_text().startswith("# mpbench report")
    charts = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert "spawn_start_cost.png" in charts
    for name in charts:  # one file a chart, each on the page once
        assert name.endswith(".png") and page.count(f"charts/{name}") == 1
    assert runs_only_its_own_script(page)


def test_missing_subjects_are_said_not_broken(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    page = report.write_report(spawn_smoke, tmp_path).read_text()
    for subject in ("gil", "pool", "ipc", "locks"):
        assert f"mpbench run --only {subject}" in page
    assert "Process start cost" in page


def test_hostile_strings_render_as_text(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    index = report.write_report(hostile(spawn_smoke), tmp_path)
    page = index.read_text()
    assert runs_only_its_own_script(page) and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert "Partial run" in page
    md = (tmp_path / "summary.md").read_text()
    assert "<script" not in md and "&lt;script&gt;" in md
    for text in (page, md):  # hostname and label: nothing reverses or hides the page's text
        assert "\u202e" not in text and "\x1b" not in text and "x\\u202ey" in text


@needs_chromium
def test_report_renders_in_headless_chromium(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    index = report.write_report(hostile(spawn_smoke), tmp_path)
    page = render_in_chromium(index, "report.png")
    assert page.heading == "mpbench report"
    assert page.images and all(width for _, width in page.images), page.images
    assert page.errors == []


@needs_chromium
def test_a_click_on_a_header_sorts_the_table_by_value(
    spawn_smoke: dict[str, Any], tmp_path: Path
) -> None:
    index = report.write_report(spawn_smoke, tmp_path)
    up, down = sorted_by_clicks(index, "median", clicks=2)
    assert len(up) >= 3 and up == sorted(up)  # by the number, not by "1.2 ms" < "285 us"
    assert down == sorted(up, reverse=True)


@needs_chromium
def test_a_smoke_run_of_every_subject_reports_every_subject(tmp_path: Path) -> None:
    code, data, output = run_smoke(tmp_path, "benchmarks")
    assert code == 0, output
    out = tmp_path / "report"
    index = report.write_report(data, out)
    page = index.read_text()
    assert "Not measured in this run" not in page
    drawn, not_drawn = report.draw_charts(data, tmp_path / "drawn")
    assert not_drawn == []
    with_charts = {subject for subject, charts in drawn.items() if charts}
    assert with_charts == set(registry.names()), drawn  # at least one chart per subject
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size <= MAX_REPORT_BYTES, f"{size} bytes"
    rendered = render_in_chromium(index, "report_all_subjects.png")
    assert rendered.images and all(width for _, width in rendered.images)
    assert rendered.errors == []


def odd_values(data: dict[str, Any], kind: str) -> dict[str, Any]:
    out = copy.deepcopy(data)
    first = out["benchmarks"][0]["extra_info"]["mpbench"]
    if kind == "huge":  # a valid float: the chart axis (x6 for the labels) overflows
        first["figures"][0].update(median=1e308, ci_low=1e308, ci_high=1e308)
    elif kind == "zero":  # nothing to put on a log axis
        for bench in out["benchmarks"]:
            bench["extra_info"]["mpbench"]["figures"][0].update(median=0, ci_low=0, ci_high=0)
    elif kind == "duplicated":
        out["benchmarks"] = out["benchmarks"] + out["benchmarks"]
    elif kind == "list_params":  # JSON allows it; a pandas pivot cannot hash it
        for bench in out["benchmarks"]:
            m = bench["extra_info"]["mpbench"]
            m["params"] = {k: [v, v] for k, v in m["params"].items()}
    return out


@pytest.mark.parametrize("kind", ["huge", "zero", "duplicated", "list_params"])
def test_odd_values_still_give_a_whole_report(
    spawn_smoke: dict[str, Any], tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = results.write_atomic(tmp_path / "r.json", odd_values(spawn_smoke, kind))
    out = tmp_path / "report"
    assert cli.main(["report", str(path), "-o", str(out)]) == 0, capsys.readouterr().err
    page = (out / "index.html").read_text()
    assert "Process start cost" in page and (out / "summary.md").exists()
    if kind == "huge":
        assert "spawn chart start_cost left out: the file&#x27;s values do not fit it" in page
    if kind == "duplicated":
        assert "duplicated spawn process_start start=fork: 2 benchmarks" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "report"]


def test_a_failing_report_leaves_no_folder_and_keeps_an_earlier_one(
    spawn_smoke: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("crashed while writing the page")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError):
        report.write_report(spawn_smoke, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its temporary sibling

    monkeypatch.undo()
    earlier = report.write_report(spawn_smoke, tmp_path / "old")
    before = earlier.read_text()
    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError):
        report.write_report(hostile(spawn_smoke), tmp_path / "old")
    assert earlier.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["old"]


def test_a_report_replaces_an_earlier_report_but_never_other_files(
    spawn_smoke: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = results.write_atomic(tmp_path / "r.json", spawn_smoke)
    out = tmp_path / "rep"
    assert cli.main(["report", str(path), "-o", str(out)]) == 0
    (out / "charts" / "stale.png").write_bytes(b"old chart")
    assert cli.main(["report", str(path), "-o", str(out)]) == 0
    assert not (out / "charts" / "stale.png").exists()  # replaced whole, not overlaid
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    capsys.readouterr()
    assert cli.main(["report", str(path), "-o", str(mine)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds files that are not a report (notes.txt)" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_advice_the_values_break_is_left_out_not_fatal(
    spawn_smoke: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dividing(*args: Any) -> list[str]:
        raise ZeroDivisionError("float division by zero")  # as a derived speedup of 0 does

    monkeypatch.setattr(report.recommend, "recommendations", dividing)
    page = report.write_report(spawn_smoke, tmp_path / "r").read_text()
    assert "the advice (What this run says) left out: the file&#x27;s values do not fit it" in page
    assert "ZeroDivisionError: float division by zero" in page
