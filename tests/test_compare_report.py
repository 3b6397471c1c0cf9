"""The compare report as a person sees it: index.html with charts, in headless Chromium."""

from __future__ import annotations

from pathlib import Path

from browser import needs_chromium, render_in_chromium, runs_only_its_own_script
from test_compare import two_runs

from bench_lib.compare import pairs as compare
from bench_lib.compare.output import write_compare_outputs

HOSTILE = "<script>alert(1)</script>"


@needs_chromium
def test_compare_report_renders_with_its_charts(tmp_path: Path) -> None:
    base, cand = two_runs()
    cand["mpbench"]["label"] = HOSTILE
    written = write_compare_outputs(
        compare.build([("base.json", base), ("cand.json", cand)]), tmp_path
    )
    index = tmp_path / "index.html"
    html = index.read_text()
    assert runs_only_its_own_script(html) and "&lt;script&gt;" in html
    assert "slower" in html and "faster" in html
    page = render_in_chromium(index, "compare.png")
    assert page.heading == "mpbench compare"
    assert len(page.images) == len(written.charts) >= 1
    assert all(width for _, width in page.images), page.images
    assert page.errors == []
