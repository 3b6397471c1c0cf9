"""Render a report page in headless Chromium (Debian's package) and say what a person sees."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # screenshots kept here
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (.ci/run installs it)",
)


@dataclass(frozen=True)
class RenderedPage:
    heading: str  # the page's <h1>
    images: list[tuple[str, int]]  # (src, natural width: 0 = did not load)
    errors: list[str]  # console errors, page errors, dialogs (a script that ran)


def runs_only_its_own_script(page: str) -> bool:
    """The page's one script is the table sorter shipped with mpbench (allowed by its hash)."""
    script = resources.files("bench_lib.pages").joinpath("sort.js").read_text()
    return page.count("<script") == 1 and f"<script>{script}</script>" in page


def render_in_chromium(index: Path, screenshot: str) -> RenderedPage:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI must have chromium: .ci/run installs Debian's package"
    errors: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate(
            "[...document.images].map(i => [i.getAttribute('src'), i.complete && i.naturalWidth])"
        )
        heading = page.inner_text("h1")
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
        browser.close()
    return RenderedPage(heading, [(str(s), int(w)) for s, w in images], errors)


def sorted_by_clicks(index: Path, header: str, clicks: int) -> list[list[float]]:
    """Click the first table's column ``header`` ``clicks`` times; after each click, that
    column's sort keys (data-sort) top to bottom, as the page shows them."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI must have chromium: .ci/run installs Debian's package"
    seen: list[list[float]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(index.as_uri())
        table = page.locator("table.sortable").first
        heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        column = heads.index(header)
        for _ in range(clicks):
            table.locator("thead th").nth(column).click()
            keys = table.locator(f"tbody tr td:nth-child({column + 1})").evaluate_all(
                "cells => cells.map(c => c.getAttribute('data-sort'))"
            )
            seen.append([float(k) for k in keys])
        browser.close()
    return seen
