"""The frame around every chart: legend outside the data, whiskers whole, rings that mean
something, human labels, one small PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
from PIL import Image

matplotlib.use("Agg")

from bench_lib.charts import flags
from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.labels import label
from bench_lib.charts.style import Chart, RunContext, mark_noisy, outline_flagged

CTX = RunContext("m (2 usable cores)", "CPython 3.11, GIL on", "quick")


def _kept(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The figure finish wrote, kept open to look at."""
    import matplotlib.pyplot as plt

    seen: dict[str, object] = {}
    monkeypatch.setattr(plt, "close", lambda fig=None: seen.setdefault("fig", fig))
    return seen


def test_a_whisker_past_the_limits_the_chart_set_is_drawn_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _kept(monkeypatch)
    fig, (linear, log) = new_chart(ncols=2)
    linear.errorbar([1, 2], [1.0, 1.5], yerr=[[0.1, 0.6], [0.1, 1.1]], capsize=3)
    linear.set_ylim(0, 2.0)  # the chart's own limit, under the whisker's top (2.6)
    log.errorbar([1, 2], [10.0, 100.0], yerr=[[5.0, 99.0], [5.0, 900.0]])
    log.set_yscale("log")
    log.set_ylim(20.0, 200.0)  # over the lower whisker (1) and under the upper (1000)
    finish(fig, tmp_path, Chart("c", "t", "c."), CTX, "n = 5 rounds per point")
    assert seen["fig"] is fig
    assert linear.get_ylim()[0] == 0 and linear.get_ylim()[1] >= 2.6
    low, high = log.get_ylim()
    assert low <= 1.0 and high >= 1000.0


def test_limits_that_hold_every_whisker_stay_as_the_chart_set_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kept(monkeypatch)
    fig, (ax,) = new_chart()
    ax.errorbar([1, 2], [5.0, 6.0], yerr=[[1.0, 1.0], [1.0, 1.0]])
    ax.set_ylim(10.0, 0.0)  # inverted, and wider than the data
    finish(fig, tmp_path, Chart("c", "t", "c."), CTX, "")
    assert ax.get_ylim() == (10.0, 0.0)


def test_the_legend_sits_outside_every_axes_with_each_label_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _kept(monkeypatch)
    fig, (left, right) = new_chart(ncols=2)
    for ax in (left, right):  # the same series in both panels, each with its own legend
        ax.plot([1, 2], [1, 2], label="threads")
        ax.plot([1, 2], [2, 1], label="processes")
        ax.legend(loc="upper left")
    height_before = fig.get_size_inches()[1]
    finish(fig, tmp_path, Chart("c", "t", "c."), CTX, "")
    assert seen["fig"] is fig
    assert left.get_legend() is None and right.get_legend() is None
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["threads", "processes"]
    fig.canvas.draw()
    box = legend.get_window_extent()
    for ax in (left, right):
        assert box.y1 <= ax.get_window_extent().y0  # under the axes, over no data
    assert fig.get_size_inches()[1] > height_before  # grown by the legend, the axes kept


def test_only_flags_the_drawing_cannot_show_get_a_ring_named_in_the_legend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _kept(monkeypatch)
    fig, (ax,) = new_chart()
    ax.plot([1, 2, 3, 4], [1, 2, 3, 4], label="queue")
    mark_noisy(ax, [1, 2, 3, 4], [1, 2, 3, 4], ["wide-interval", "", "few-rounds", "erratic"])
    mark_noisy(ax, [1], [1], ["steal,wide-interval"])
    (rings, also) = ax.collections
    assert len(rings.get_offsets()) == 1 and list(rings.get_offsets()[0]) == [4, 4]
    assert len(also.get_offsets()) == 1
    finish(fig, tmp_path, Chart("c", "t", "c."), CTX, "")
    assert seen["fig"] is fig
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[0] == "queue"
    assert texts[1] == (
        f"red ring: {flags.MEANING['erratic']}; {flags.MEANING['steal']} (see the flags)"
    )


def test_an_outlined_bar_is_named_an_outline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _kept(monkeypatch)
    fig, (ax,) = new_chart()
    bars = ax.barh([0, 1], [1.0, 2.0], label="pool")
    outline_flagged(bars, ["busy-machine", "wide-interval"])
    assert [b.get_gid() for b in bars] == [flags.gid("busy-machine"), None]
    finish(fig, tmp_path, Chart("c", "t", "c."), CTX, "")
    assert seen["fig"] is fig
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == ["pool", f"red outline: {flags.MEANING['busy-machine']} (see the flags)"]


def test_a_run_whose_flags_are_all_drawn_has_no_ring_and_no_ring_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _kept(monkeypatch)
    fig, (ax,) = new_chart()
    ax.plot([1, 2], [1, 2], label="pipe")
    mark_noisy(ax, [1, 2], [1, 2], ["wide-interval", "few-rounds,client-bound"])
    finish(fig, tmp_path, Chart("c", "t", "c."), CTX, "")
    assert seen["fig"] is fig and len(ax.collections) == 0
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["pipe"]


def test_a_caller_that_knows_only_noisy_still_gets_a_ring() -> None:
    assert flags.ringed([True, False, "erratic", "wide-interval"]) == [True, False, True, False]
    assert flags.ring_label(["noisy"]) == "red ring: noisy (see the flags)"


def test_a_chart_is_one_palette_png(tmp_path: Path) -> None:
    fig, (ax,) = new_chart()
    ax.plot([1, 2], [1, 2], label="fork")
    finish(fig, tmp_path, Chart("one", "t", "c."), CTX, "")
    assert [p.name for p in (tmp_path / "charts").iterdir()] == ["one.png"]
    with Image.open(tmp_path / "charts" / "one.png") as image:
        assert image.format == "PNG" and image.mode == "P"


def test_series_read_in_words_and_unknown_ones_as_they_are() -> None:
    assert label("channel", "pipe_simplex") == "Pipe, one way"
    assert label("primitive", "manager_lock") == "Manager().Lock()"
    assert label("channel", "a_new_channel") == "a_new_channel"
    assert label("no_such_parameter", 3) == "3"


def test_text_from_a_file_cannot_reverse_or_typeset_a_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _kept(monkeypatch)
    fig, (ax,) = new_chart()
    ax.plot([1, 2], [1, 2], label="chan\u202enel")  # a series named in the file
    hostile = RunContext("m", "CPython 3.11 \u202e$\\frac$", "quick")
    finish(fig, tmp_path, Chart("c", "t", "c."), hostile, "")
    assert seen["fig"] is fig
    footer = fig.texts[-1].get_text()
    assert "\u202e" not in footer and "\\u202e" in footer and "\\$\\frac\\$" in footer
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["chan\\u202enel"]


def test_a_small_mark_keeps_its_colour_beside_many_others(tmp_path: Path) -> None:
    fig, (ax,) = new_chart(height_in=8.0)
    for i in range(40):  # wide antialiased lines in many hues: far more than 256 colours
        ax.plot([0, 1], [i, i + 5], color=matplotlib.colormaps["viridis"](i / 40), linewidth=6)
    ax.plot([0.5], [20], "o", color="#2ca02c", markersize=3)  # a few pixels of green
    finish(fig, tmp_path, Chart("small", "t", "c."), CTX, "")
    with Image.open(tmp_path / "charts" / "small.png") as image:
        colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (0x2C, 0xA0, 0x2C) in colours and (255, 255, 255) in colours  # exact, not averaged
