"""Headless system Chromium driven by Playwright (never a downloaded browser), one per module:
the web tests and the end-to-end chain share it (registered in tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--metrics-recording-only",
    "--disable-dev-shm-usage",
]


def _chromium() -> str | None:
    for p in (
        os.environ.get("NETCMDB_CHROMIUM"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
    ):
        if p and os.path.exists(p):
            return p
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless system Chromium driven by Playwright (skips when either is missing)."""
    exe = _chromium()
    if exe is None:
        pytest.skip("no system Chromium (/usr/bin/chromium); .ci/system-deps.sh installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
