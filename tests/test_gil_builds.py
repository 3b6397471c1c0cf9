"""Two builds side by side: the GIL state read from the file, the sentences, the report folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import needs_chromium, render_in_chromium
from synthetic_builds import gil_run

from bench_lib.cli import main as cli
from bench_lib.report import builds_gil as gil_builds

FT = dict(python="3.13.5", free_threaded=True, threads_2=2.0, processes_2=1.92, serial_s=0.29)
STD = dict(python="3.11.7", free_threaded=False, threads_2=0.95, processes_2=1.8, serial_s=0.17)


def builds() -> list[gil_builds.BuildGil]:
    return [gil_builds.of("std.json", gil_run(**STD)), gil_builds.of("ft.json", gil_run(**FT))]


def test_the_gil_state_comes_from_the_file_not_its_label() -> None:
    ft = gil_builds.of("py3.11-gil-on.json", gil_run(**FT, label="standard-py3.11"))
    std = gil_builds.of("py3.13t-nogil.json", gil_run(**STD, label="py3.13t-nogil"))
    assert (ft.label, ft.gil_off, ft.title) == ("3.13.5t", True, "3.13.5t (free-threaded, GIL off)")
    assert (std.label, std.gil_off, std.title) == ("3.11.7", False, "3.11.7 (GIL on)")


def test_a_free_threaded_build_whose_gil_was_switched_on_is_not_called_gil_off() -> None:
    data = gil_run(**FT, enabled_by=["legacy_ext"])
    build = gil_builds.of("ft.json", data)
    assert not build.gil_off
    assert build.title == "3.13.5t (free-threaded build, GIL on: switched on by legacy_ext)"
    data["machine_info"]["mpbench"]["gil_enabled"] = False  # fingerprint off, run-time check on
    assert not gil_builds.of("ft.json", data).gil_off


def test_sentences_put_the_free_threaded_build_first_with_each_figure() -> None:
    said = gil_builds.sentences(builds())
    assert said[0] == (
        "On 3.13.5t (free-threaded, GIL off), 2 threads ran the CPU batch 2.00x (95% CI "
        "1.90-2.10) as fast as one serial run; on 3.11.7 (GIL on), 0.95x (95% CI 0.90-1.00)."
    )
    assert said[1].startswith("On 3.13.5t (free-threaded, GIL off), 2 processes ran the CPU")
    assert "; on 3.11.7 (GIL on), 1.80x" in said[1]
    assert said[2] == (
        "Side-step factor (process speedup / thread speedup at 2 workers): 0.96x (95% CI "
        "0.86-1.06) on 3.13.5t, 1.89x (95% CI 1.71-2.08) on 3.11.7."
    )


def test_the_single_thread_cost_is_said_per_unit_of_work_and_names_the_version_change() -> None:
    line = gil_builds.sentences(builds())[3]
    assert line.startswith("One thread, no pool (the serial batch): 290 ms on 3.13.5t, 170 ms")
    assert "took 1.71x the time it took on 3.11.7" in line
    assert "the change from 3.11 to 3.13 together" in line  # not all of it is free threading
    same = gil_builds.of("std13.json", gil_run(**{**STD, "python": "3.13.5"}))
    line = gil_builds.sentences([same, builds()[1]])[3]
    assert line.endswith("(the price of free threading, paid by single-threaded code).")


def test_batches_of_different_sizes_are_quoted_per_spin_step() -> None:
    data = gil_run(**STD)
    batch, per_step = data["benchmarks"][0]["extra_info"]["mpbench"]["figures"]
    per_step.update(per_round=2_000_000, median=batch["median"] / 2e6)  # twice the work
    line = gil_builds.sentences([builds()[1], gil_builds.of("std.json", data)])[3]
    assert line.startswith("One thread, no pool (the serial batch, per spin step): 290 ns on ")
    assert "85 ns on 3.11.7" in line and "took 3.41x the time" in line


def test_an_impossible_speedup_is_never_quoted() -> None:
    data = gil_run(**FT)
    for b in data["benchmarks"]:
        if b["extra_info"]["mpbench"]["params"] == {"mode": "thread", "n": 2}:
            b["extra_info"]["mpbench"]["noise"]["flags"] = [{"code": "impossible", "message": "m"}]
    build = gil_builds.of("ft.json", data)
    assert build.speedup_at("thread", 2) is None and build.side_step is None
    said = gil_builds.sentences([build])
    assert "2 threads ran the CPU batch not measured" in said[0]
    assert not any(s.startswith("Side-step") for s in said)


def test_runs_without_the_gil_subject_give_no_sentences() -> None:
    data = gil_run(**STD)
    data["benchmarks"] = []
    assert gil_builds.sentences([gil_builds.of("x.json", data)]) == []


def write(folder: Path, name: str, data: dict[str, object]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def cross_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    # file names that lie about the build: the page must follow the recorded state
    std = write(tmp_path, "py3.13t-nogil.json", gil_run(**STD, label="<b>std</b>"))
    ft = write(tmp_path, "py3.11-gil.json", gil_run(**FT))
    out = tmp_path / "both"
    assert cli.main(["report", str(std), str(ft), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "index.html")
    return out


def test_report_of_two_files_writes_the_cross_build_page_and_each_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cross_build(tmp_path, capsys)
    assert (out / "charts" / "gil_builds.png").stat().st_size > 0
    for stem in ("py3.13t-nogil", "py3.11-gil"):
        assert (out / "runs" / stem / "index.html").exists()
    page = (out / "index.html").read_text()
    title = "The GIL switched off: threads use every core on 3.13.5t, stay near one on 3.11.7"
    assert f'alt="{title}"' in page
    assert "&lt;b&gt;std&lt;/b&gt;" in page and "<b>std</b>" not in page
    summary = (out / "summary.md").read_text()
    assert gil_builds.sentences(builds())[0] in summary
    assert "GIL enabled: yes | no" in summary.replace("\\|", "|")
    again = [str(tmp_path / "py3.11-gil.json"), str(tmp_path / "py3.13t-nogil.json")]
    assert cli.main(["report", *again, "-o", str(out)]) == 0  # replaces its own earlier report


@needs_chromium
def test_cross_build_page_renders_in_headless_chromium(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cross_build(tmp_path, capsys)
    page = render_in_chromium(out / "index.html", "cross_build.png")
    assert page.heading == "mpbench: several runs side by side"
    assert page.images and all(width > 0 for _, width in page.images), page.images
    assert page.errors == []
