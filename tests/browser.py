"""Render a report page in headless Chromium (Debian's package) and say what a person sees."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
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
