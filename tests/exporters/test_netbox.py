"""NetBox bulk-import CSVs: headers validated against NetBox's import forms, references between
files consistent (what NetBox's importer would look up exists), safe for any input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import exporter_samples as S
from hypothesis import HealthCheck, given, settings

from netcmdb.exporters import netbox

FORMS = json.loads(
    (Path(__file__).parent / "data" / "netbox_import_fields.json").read_text(encoding="utf-8")
)


def _read(out: Path) -> dict[str, list[dict[str, str]]]:
    files = {}
    for fname in netbox.FILES:
        with (out / fname).open(encoding="utf-8", newline="") as fh:
            files[fname] = list(csv.DictReader(fh))
    return files


def test_headers_are_netbox_import_fields(doc, tmp_path):
    netbox.write_netbox(doc, tmp_path)
    for fname, form in netbox.NETBOX_FORMS.items():
        with (tmp_path / fname).open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        spec = FORMS[form]
        assert set(header) <= set(spec["fields"]), (fname, set(header) - set(spec["fields"]))
        assert set(spec["required"]) <= set(header), (fname, set(spec["required"]) - set(header))
        assert len(header) == len(set(header))


def test_rows_fill_required_fields(doc, tmp_path):
    netbox.write_netbox(doc, tmp_path)
    files = _read(tmp_path)
    for fname, rows in files.items():
        required = FORMS[netbox.NETBOX_FORMS[fname]]["required"]
        for row in rows:
            assert all(row[k] for k in required), (fname, row)


def test_references_resolve(doc, tmp_path):
    result = netbox.write_netbox(doc, tmp_path)
    f = _read(tmp_path)
    sites = {r["name"] for r in f["01_sites.csv"]}
    locs = {(r["site"], r["name"]) for r in f["02_locations.csv"]}
    mfrs = {r["name"] for r in f["03_manufacturers.csv"]}
    roles = {r["name"] for r in f["04_device_roles.csv"]}
    plats = {r["name"] for r in f["05_platforms.csv"]}
    types = {(r["manufacturer"], r["model"]) for r in f["06_device_types.csv"]}
    for r in f["02_locations.csv"]:
        assert r["site"] in sites
        assert not r["parent"] or (r["site"], r["parent"]) in locs
    for r in f["07_devices.csv"]:
        assert r["site"] in sites and r["role"] in roles and r["manufacturer"] in mfrs
        assert (r["manufacturer"], r["device_type"]) in types
        assert not r["location"] or (r["site"], r["location"]) in locs
        assert not r["platform"] or r["platform"] in plats
    devices = {r["name"] for r in f["07_devices.csv"]}
    ifaces = {(r["device"], r["name"]) for r in f["08_interfaces.csv"]}
    assert all(r["device"] in devices for r in f["08_interfaces.csv"])
    for r in f["09_mac_addresses.csv"] + f["10_ip_addresses.csv"]:
        assert (r["device"], r["interface"]) in ifaces
    ends = []
    for r in f["11_cables.csv"]:
        for side in ("a", "b"):
            end = (r[f"side_{side}_device"], r[f"side_{side}_name"])
            assert end in ifaces and r[f"side_{side}_type"] == "dcim.interface"
            ends.append(end)
    assert len(ends) == len(set(ends))  # NetBox: one cable per interface
    # the sample: 9 links, 2 with an unknown PC port (cabled to the PC's eth0) -> 9 cables;
    # cluster + service skipped
    assert len(f["11_cables.csv"]) == 9
    assert len(f["07_devices.csv"]) == len(doc["cis"]) - 2
    assert any("his-app" in s for s in result.skipped)
    assert (tmp_path / "README.txt").read_text(encoding="utf-8").count("ImportForm") == 11


def test_mapping_of_one_device(doc, tmp_path):
    netbox.write_netbox(doc, tmp_path)
    f = _read(tmp_path)
    core = next(r for r in f["07_devices.csv"] if r["name"] == "core-1")
    assert core == {
        "name": "core-1",
        "role": "switch",
        "manufacturer": "Cisco",
        "device_type": "C9500-24Y4C",
        "platform": "IOS-XE",
        "serial": "FOC1111A",
        "asset_tag": "D010101-001",
        "status": "active",
        "site": "Building 01",
        "location": "Room 0101",
        "description": "role: core; os_version: 17.9.4",
    }
    ip = next(r for r in f["10_ip_addresses.csv"] if r["device"] == "core-1")
    assert ip["address"] == "10.0.0.1/32" and ip["is_primary"] == "true"
    types = {(r["device"], r["name"]): r["type"] for r in f["08_interfaces.csv"]}
    assert types[("dist-2", "Ten-GigabitEthernet1/0/49")] == "10gbase-x-sfpp"
    assert types[("core-2", "GE1/0/10")] == "1000base-t"


def test_end_host_without_port_is_cabled_to_its_default_interface(doc, tmp_path):
    """A PC placed by a switch's MAC table (switch port known, PC port not) still becomes a
    cable, on the PC's physical ``eth0``; a switch with an unknown port is not guessed."""
    doc["links"].append({"a": "acc-2-1", "a_port": "", "b": "dist-2", "b_port": "Gi1/0/7"})
    result = netbox.write_netbox(doc, tmp_path)
    f = _read(tmp_path)
    cables = {
        (r["side_a_device"], r["side_a_name"], r["side_b_device"], r["side_b_name"])
        for r in f["11_cables.csv"]
    }
    assert ("acc-2-1", "Gi0/2", "pc-0210-002", netbox.HOST_IF) in cables
    assert ("acc-2-1", "Gi0/3", "pc-0210-003", netbox.HOST_IF) in cables
    eth0 = next(
        r for r in f["08_interfaces.csv"] if (r["device"], r["name"]) == ("pc-0210-002", "eth0")
    )
    assert eth0["type"] == "1000base-t" and eth0["mgmt_only"] == "false"
    assert "unknown" in eth0["description"]
    assert not any(
        r["side_a_device"] == "acc-2-1" and not r["side_a_name"] for r in f["11_cables.csv"]
    )
    assert [s for s in result.skipped if "port unknown" in s] == [
        "link 'acc-2-1' ~ 'dist-2': port unknown on one side, no cable"
    ]


def test_formula_cells_neutralised(hostile_doc, tmp_path):
    netbox.write_netbox(hostile_doc, tmp_path)
    for fname in netbox.FILES:
        with (tmp_path / fname).open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for value in row:
                    assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (fname, value)
                    assert "\x00" not in value


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(d=S.documents())
def test_property_netbox_csv_reparses(d, tmp_path_factory):
    out = tmp_path_factory.mktemp("nb")
    result = netbox.write_netbox(d, out)
    for fname, header in netbox.FILES.items():
        with (out / fname).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert tuple(rows[0]) == header
        assert len(rows) - 1 == len(result.rows[fname])
        assert all(len(r) == len(header) for r in rows)
    assert len(result.rows["07_devices.csv"]) == len(d["cis"])
