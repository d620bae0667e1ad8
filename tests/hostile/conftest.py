"""Hostile-input fixtures (helpers in ``tests/hostilekit.py``)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hostilekit import cmdb_digest, run_cli  # type: ignore[import-not-found]


@pytest.fixture
def cli_on(db_url: str, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the CLI against this test's CMDB (SQLite copy or the PostgreSQL database)."""

    def run(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return run_cli(db_url, *args, cwd=tmp_path, **kw)  # type: ignore[arg-type]

    return run


@pytest.fixture
def unchanged(db_url: str):  # type: ignore[no-untyped-def]
    """Call it after the hostile step: asserts the CMDB equals its state at fixture time."""

    class Guard:
        def __init__(self) -> None:
            self.before = cmdb_digest(db_url)

        def reset(self) -> None:
            self.before = cmdb_digest(db_url)

        def __call__(self) -> None:
            assert cmdb_digest(db_url) == self.before, "the CMDB changed"

    return Guard()
