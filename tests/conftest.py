"""Shared pytest fixtures. Real components only; tests needing root skip with a reason."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Make the test-only lab builders importable as ``from lab.switchlab import SwitchLab`` (tests are
# not a package); the namespace builders live in netcmdb.demo.lab (netns, sweepnet).
sys.path.insert(0, str(Path(__file__).parent))

# The database fixtures (SQLite copies and a throwaway PostgreSQL), one definition for all suites.
from dbfixtures import (  # noqa: E402,F401
    db_url,
    engine,
    pg_database,
    pg_server,
    sqlite_engine,
    sqlite_template,
)

# Headless Chromium (Playwright), for the web pages and the end-to-end chain.
from webfixtures import browser  # noqa: E402,F401


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root: builds network namespaces / raw sockets")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)
