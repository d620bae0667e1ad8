"""Fixtures for the exporter tests (data lives in exporter_samples.py)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import exporter_samples  # noqa: E402


@pytest.fixture
def doc() -> dict[str, Any]:
    return copy.deepcopy(exporter_samples.sample_document())


@pytest.fixture
def hostile_doc() -> dict[str, Any]:
    """Every hostile string as a CI name and in every other field, linked in a chain."""
    d = exporter_samples.sample_document()
    for i, s in enumerate(exporter_samples.HOSTILE):
        d["cis"].append(
            {
                "name": f"{s}#{i}",
                "class": "pc",
                "role": s,
                "ip": s,
                "mac": s,
                "serial": s,
                "vendor": s,
                "model": s,
                "os": s,
                "os_version": s,
                "label": f"{s}~{i}",
                "location": {"building": s, "floor": s, "room": s, "seat": i},
            }
        )
        d["links"].append({"a": "acc-2-1", "a_port": f"{s}/{i}", "b": f"{s}#{i}", "b_port": s})
    return d
