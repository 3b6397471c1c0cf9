"""The frame every chart is drawn in: one figure, and around what a chart draws the same
title, legend, whiskers, footer and file.

A chart function selects its rows, opens the frame with :func:`new_chart`, draws its series,
and closes it with :func:`finish`, which

- moves every legend out of the data: one legend under the axes, each label once, the figure
  grown by its height so the axes keep their size;
- widens an axis that would clip a whisker, so every 95% interval is drawn whole (a chart that
  sets its own limits for the data still shows the whole uncertainty);
- writes the title, the footer (machine, Python, profile, samples) and one PNG file, in a
  palette of at most 256 colours (charts are flat colours and antialiased edges: the picture
  is the same, the file a third of the size), so a report stays small.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure as MplFigure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from PIL import Image

from bench_lib.charts import flags
from bench_lib.charts.style import DPI, NOISY_EDGE, Chart, RunContext, plain
from bench_lib.printable import printable

TITLE_IN = 0.4  # room at the top for the bold title
FOOTER_IN = 0.3  # room at the bottom for the footer line
LEGEND_GAP_IN = 0.08  # between the x axis label and the legend
MAX_LEGEND_COLUMNS = 4
LEGEND_FONT = 8
WHISKER_MARGIN = 0.04  # fraction of the axis range added past the outermost whisker
PNG_COLOURS = 256
DISTINCT = 40  # RGB distance past which a colour is another colour, not an antialiased edge
MAX_PALETTE_CANDIDATES = 20_000  # the most common colours looked at for distinct ones
NEAREST_CHUNK = 4096  # colours matched to the palette at once (4096 x 256 x 3 integers)


def new_chart(
    ncols: int = 1, width_in: float = 8.0, height_in: float = 4.6
) -> tuple[MplFigure, list[Axes]]:
    """A figure of ``ncols`` axes side by side, ``width_in`` x ``height_in`` for the axes."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width_in, height_in), squeeze=False)
    return fig, list(axes[0])


def finish(fig: MplFigure, out_dir: Path, chart: Chart, ctx: RunContext, samples: str) -> Chart:
    """Whiskers whole, the legend under the axes, title and footer; then the chart's PNG."""
    import matplotlib.pyplot as plt

    for ax in fig.axes:
        whole_whiskers(ax)
    legend_in = legend_below(fig)
    height_in = fig.get_size_inches()[1]
    fig.suptitle(chart.title, fontsize=12, fontweight="bold", y=1 - 0.12 / height_in)
    fig.text(
        0.01,
        0.06 / height_in,
        plain(f"{ctx.machine} | {ctx.python} | profile {ctx.profile} | {samples}"),
        fontsize=7,
        color="#555555",
        ha="left",
        va="bottom",
    )
    bottom = (FOOTER_IN + legend_in) / height_in
    fig.tight_layout(rect=(0, bottom, 1, 1 - TITLE_IN / height_in))
    write_png(fig, out_dir / chart.png)
    plt.close(fig)
    return chart


def write_png(fig: MplFigure, path: Path, tight: bool = False) -> None:
    """The figure as a palette PNG at ``path`` (its folder made if missing); ``tight``: cropped
    to what is drawn."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format="png", dpi=DPI, facecolor="white", bbox_inches="tight" if tight else None
    )
    buffer.seek(0)
    with Image.open(buffer) as image:
        flat = _palette_image(np.asarray(image.convert("RGB"), dtype=np.int32))
    path.parent.mkdir(parents=True, exist_ok=True)
    flat.save(path, format="PNG", optimize=True)


def _palette_image(pixels: np.ndarray) -> Image.Image:
    """The picture in at most 256 of its own colours, each pixel the nearest of them.

    The palette takes first every colour distinct from those already taken (most pixels
    first), so a legend's small green dot keeps its green beside a page of antialiased grey,
    then the most common of the rest (the antialiased edges). Flat colours stay exact."""
    height, width, _ = pixels.shape
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    colours, where, counts = np.unique(packed, return_inverse=True, return_counts=True)
    rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
    by_count = np.argsort(-counts, kind="stable")
    taken: list[int] = []
    for i in by_count[:MAX_PALETTE_CANDIDATES]:
        if len(taken) == PNG_COLOURS:
            break
        if not taken or np.min(np.sum((rgb[taken] - rgb[i]) ** 2, axis=1)) > DISTINCT**2:
            taken.append(int(i))
    kept = set(taken)
    rest = [int(i) for i in by_count[: 2 * PNG_COLOURS] if int(i) not in kept]
    palette = rgb[taken + rest[: PNG_COLOURS - len(taken)]]
    nearest = np.empty(len(rgb), dtype=np.uint8)
    for start in range(0, len(rgb), NEAREST_CHUNK):  # colours x palette distances, in chunks
        chunk = rgb[start : start + NEAREST_CHUNK]
        distances = ((chunk[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + NEAREST_CHUNK] = distances.argmin(axis=1)
    image = Image.fromarray(nearest[where.reshape(height, width)], mode="P")
    image.putpalette(palette.astype(np.uint8).flatten().tolist())
    return image


def legend_below(fig: MplFigure) -> float:
    """Every axes' legend entries (each label once) in one legend under the axes, in as many
    columns as fit the width; the figure grows by its height. Returns that height, inches."""
    handles, labels = [], []
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            label = printable(label)  # a series named in a result file: no control characters
            if label not in labels:
                handles.append(handle)
                labels.append(label)
        own = ax.get_legend()
        if own is not None:
            own.remove()
    marked, mark = flags.codes_in(fig)
    if marked:
        handles.append(_ring_handle(square=mark == "red outline"))
        labels.append(flags.ring_label(marked, mark))
    if not handles:
        return 0.0
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend: Legend | None = None
    for ncol in range(min(len(handles), MAX_LEGEND_COLUMNS), 0, -1):
        legend = fig.legend(
            handles, labels, loc="lower center", ncol=ncol, fontsize=LEGEND_FONT, frameon=False
        )
        if legend.get_window_extent(renderer).width <= 0.98 * fig.bbox.width or ncol == 1:
            break
        legend.remove()
    assert legend is not None
    legend_in = float(legend.get_window_extent(renderer).height) / fig.dpi + LEGEND_GAP_IN
    width_in, height_in = fig.get_size_inches()
    fig.set_size_inches(width_in, height_in + legend_in)
    legend.set_bbox_to_anchor((0.5, FOOTER_IN / (height_in + legend_in)), transform=fig.transFigure)
    return legend_in


def _ring_handle(square: bool) -> Line2D:
    return Line2D(
        [],
        [],
        linestyle="none",
        marker="s" if square else "o",
        markersize=10,
        markerfacecolor="none",
        markeredgecolor=NOISY_EDGE,
        markeredgewidth=1.5,
    )


def whole_whiskers(ax: Axes) -> None:
    """Widen the axis limits, never narrow them, so that every error bar is inside."""
    xs: list[float] = []
    ys: list[float] = []
    for container in ax.containers:
        if isinstance(container, ErrorbarContainer):
            for collection in container.lines[2]:
                for segment in collection.get_segments():
                    xs += list(np.asarray(segment)[:, 0])
                    ys += list(np.asarray(segment)[:, 1])
    _include(ax, "x", xs)
    _include(ax, "y", ys)


def _include(ax: Axes, axis: str, values: Iterable[float]) -> None:
    log = (ax.get_xscale() if axis == "x" else ax.get_yscale()) == "log"
    finite = [v for v in values if np.isfinite(v) and (v > 0 or not log)]
    if not finite:
        return
    get, set_ = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    first, second = get()
    low, high = min(first, second), max(first, second)
    data_low, data_high = min(finite), max(finite)
    if data_low >= low and data_high <= high:
        return
    if log:
        span = np.log10(max(high, data_high)) - np.log10(min(low, data_low))
        factor = 10 ** (WHISKER_MARGIN * span)
        new_low = min(low, data_low / factor) if data_low < low else low
        new_high = max(high, data_high * factor) if data_high > high else high
    else:
        margin = WHISKER_MARGIN * (max(high, data_high) - min(low, data_low))
        new_low = data_low - margin if data_low < low else low
        new_high = data_high + margin if data_high > high else high
    set_((new_high, new_low) if first > second else (new_low, new_high))
