"""Every exporter on the bundled example campus (the `make demo` data: 440 CIs, two buildings,
Chinese room names, clusters and services)."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import exporter_samples as S
import pytest

from netcmdb.exporters import graph, netbox, report, xlsx, yaml_fmt


@pytest.fixture(scope="module")
def campus():
    path = Path(str(resources.files("netcmdb") / "data" / "example-campus.json"))
    if not path.exists():
        pytest.skip("example campus not bundled in this checkout")
    return json.loads(path.read_text(encoding="utf-8"))


def test_graph_round_trips(campus, tmp_path):
    for fmt, (write, read) in {
        "graphml": (graph.write_graphml, graph.read_graphml),
        "gexf": (graph.write_gexf, graph.read_gexf),
        "drawio": (graph.write_drawio, graph.read_drawio),
    }.items():
        write(campus, tmp_path / f"c.{fmt}")
        assert S.canonical(read(tmp_path / f"c.{fmt}")) == S.canonical(campus), fmt


def test_register_and_yaml(campus, tmp_path):
    counts = xlsx.write_xlsx(campus, tmp_path / "a.xlsx")
    rows = xlsx.read_xlsx(tmp_path / "a.xlsx")
    assert len(rows) == len(campus["cis"]) == sum(counts.values())
    assert {"Building 01", "Building 02"} <= set(counts)
    named = [r for r in rows if r.get("room_name")]
    assert named and all(isinstance(r["room_name"], str) for r in named)
    assert yaml_fmt.loads(yaml_fmt.dumps(campus)) == campus


def test_netbox_devices_and_cables(campus, tmp_path):
    result = netbox.write_netbox(campus, tmp_path)
    with (tmp_path / "07_devices.csv").open(encoding="utf-8", newline="") as fh:
        devices = list(csv.DictReader(fh))
    hardware = [c for c in campus["cis"] if c["class"] not in netbox.NOT_DEVICES]
    assert len(devices) == len(hardware)
    assert {d["asset_tag"] for d in devices if d["asset_tag"]} == {
        c["label"] for c in hardware if c.get("label")
    }
    with_ports = [ln for ln in campus["links"] if ln.get("a_port") and ln.get("b_port")]
    assert len(result.rows["11_cables.csv"]) + sum(
        1 for s in result.skipped if "already has a cable" in s
    ) == len(with_ports)


def test_report_counts_and_spof(campus):
    page = report.render_report(campus)
    assert f'data-count="cis">{len(campus["cis"])}<' in page
    labelled = sum(1 for c in campus["cis"] if c.get("label"))
    assert f'data-count="labelled">{labelled}<' in page
    spofs = report.simple_spof(campus)
    names = {c["name"]: c for c in campus["cis"]}
    # a core/gateway role exists, so every SPOF cuts someone off the cores
    assert spofs and all(s.cut_off > 0 and s.name in names for s in spofs)
    assert spofs == sorted(spofs, key=lambda s: (-s.cut_off, s.name))
