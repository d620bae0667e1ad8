"""YAML export: safe_load gives back exactly the document (surrogates -> U+FFFD)."""

from __future__ import annotations

import re

import exporter_samples as S
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from netcmdb.errors import ImportFormatError
from netcmdb.exporters import yaml_fmt


def _fix(s: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", s)


def test_round_trip_exact(doc, tmp_path):
    yaml_fmt.write_yaml(doc, tmp_path / "c.yaml")
    text = (tmp_path / "c.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == doc
    assert yaml_fmt.loads(text) == doc
    assert "!!python" not in text


def test_hostile(hostile_doc, tmp_path):
    yaml_fmt.write_yaml(hostile_doc, tmp_path / "h.yaml")
    back = yaml.safe_load((tmp_path / "h.yaml").read_text(encoding="utf-8"))
    assert S.canonical(back) == S.canonical(hostile_doc, _fix)


def test_not_a_document():
    with pytest.raises(ImportFormatError):
        yaml_fmt.loads("format: other/1\n")
    with pytest.raises(ImportFormatError):
        yaml_fmt.loads("{: : :")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=S.documents())
def test_property_yaml_reparses(d):
    back = yaml.safe_load(yaml_fmt.dumps(d))
    assert S.canonical(back) == S.canonical(d, _fix)
