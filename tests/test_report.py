"""Reports as a person sees them: files, escaping, partial runs, and a real browser render."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from browser import needs_chromium, render_in_chromium
from conftest import run_smoke

from bench_lib import report

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> $\\badcmd{$'


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
    assert "spawn_start_cost.png" in charts and "spawn_start_cost.svg" in charts
    for name in charts:
        if name.endswith(".png"):
            assert f"charts/{name}" in page
    assert "<script" not in page  # opens offline, runs nothing


def test_missing_subjects_are_said_not_broken(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    page = report.write_report(spawn_smoke, tmp_path).read_text()
    for subject in ("gil", "pool", "ipc", "locks"):
        assert f"mpbench run --only {subject}" in page
    assert "Process start cost" in page


def test_hostile_strings_render_as_text(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    index = report.write_report(hostile(spawn_smoke), tmp_path)
    page = index.read_text()
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert "Partial run" in page
    md = (tmp_path / "summary.md").read_text()
    assert "<script" not in md and "&lt;script&gt;" in md


@needs_chromium
def test_report_renders_in_headless_chromium(spawn_smoke: dict[str, Any], tmp_path: Path) -> None:
    index = report.write_report(hostile(spawn_smoke), tmp_path)
    page = render_in_chromium(index, "report.png")
    assert page.heading == "mpbench report"
    assert page.images and all(width for _, width in page.images), page.images
    assert page.errors == []


@needs_chromium
def test_a_smoke_run_of_every_subject_reports_every_subject(tmp_path: Path) -> None:
    code, data, output = run_smoke(tmp_path, "benchmarks")
    assert code == 0, output
    out = tmp_path / "report"
    index = report.write_report(data, out)
    page = index.read_text()
    assert "Not measured in this run" not in page
    drawn = {p.name.split("_")[0] for p in (out / "charts").glob("*.png")}
    assert drawn == set(report.SUBJECTS), drawn  # at least one chart per subject
    rendered = render_in_chromium(index, "report_all_subjects.png")
    assert rendered.images and all(width for _, width in rendered.images)
    assert rendered.errors == []
