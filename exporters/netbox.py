"""NetBox bulk-import CSV files, so a team can move the inventory into NetBox.

Writes one CSV per NetBox object type, in the column format of NetBox 4.2+'s bulk import forms
(``netbox/dcim/forms/bulk_import.py``, ``netbox/ipam/forms/bulk_import.py``), numbered in the order
they must be imported (sites before locations before devices before cables...). The mapping and its
limits are documented in docs/exporters.md and in the README.txt written next to the files:

- building -> Site ``Building <b>``; floor -> Location ``Floor <f>``; room -> child Location
  ``Room <f><r>``; CIs without a building go to the site ``Unassigned``;
- vendor -> Manufacturer; (vendor, model) -> DeviceType; class -> DeviceRole; OS -> Platform;
- CI -> Device (label -> asset_tag, status active/missing/retired -> active/offline/
  decommissioning, role and OS version in the description);
- link ports -> Interfaces (type guessed from the name), the CI's IP and MAC on a virtual
  ``mgmt0`` interface (IP as /32 or /128, primary); ``connected_to`` links with both ports ->
  Cables; a link whose end host (not a router, firewall or switch) has no known port, e.g. a PC
  placed by the switch's MAC table, is cabled to the host's ``eth0`` (``HOST_IF``).
  Dependencies, groups, services and clusters have no NetBox equivalent and are listed as skipped.

Every cell goes through ``neutralize_cell`` (a name starting with ``=``, ``+``, ``-`` or ``@``
arrives in NetBox with a leading apostrophe: safety wins over fidelity).

Must not import ``cli``, ``discovery`` or the database layer.
"""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcmdb.errors import ExportError
from netcmdb.exporters.document import check_document, location_of
from netcmdb.safety import neutralize_cell, xml_text

#: File name -> header, in import order. Every header is a field of NetBox's import form
#: (checked by tests/exporters/test_netbox.py against the recorded form fields).
FILES: dict[str, tuple[str, ...]] = {
    "01_sites.csv": ("name", "slug", "status", "description"),
    "02_locations.csv": ("site", "parent", "name", "slug", "status", "description"),
    "03_manufacturers.csv": ("name", "slug"),
    "04_device_roles.csv": ("name", "slug", "color", "description"),
    "05_platforms.csv": ("name", "slug", "manufacturer"),
    "06_device_types.csv": ("manufacturer", "model", "slug", "u_height"),
    "07_devices.csv": (
        "name",
        "role",
        "manufacturer",
        "device_type",
        "platform",
        "serial",
        "asset_tag",
        "status",
        "site",
        "location",
        "description",
    ),
    "08_interfaces.csv": ("device", "name", "type", "mgmt_only", "description"),
    "09_mac_addresses.csv": ("mac_address", "device", "interface", "is_primary"),
    "10_ip_addresses.csv": (
        "address",
        "status",
        "device",
        "interface",
        "is_primary",
        "description",
    ),
    "11_cables.csv": (
        "side_a_device",
        "side_a_type",
        "side_a_name",
        "side_b_device",
        "side_b_type",
        "side_b_name",
        "status",
    ),
}
#: NetBox model -> our file, for the docs and the header test.
NETBOX_FORMS: dict[str, str] = {
    "01_sites.csv": "dcim.SiteImportForm",
    "02_locations.csv": "dcim.LocationImportForm",
    "03_manufacturers.csv": "dcim.ManufacturerImportForm",
    "04_device_roles.csv": "dcim.DeviceRoleImportForm",
    "05_platforms.csv": "dcim.PlatformImportForm",
    "06_device_types.csv": "dcim.DeviceTypeImportForm",
    "07_devices.csv": "dcim.DeviceImportForm",
    "08_interfaces.csv": "dcim.InterfaceImportForm",
    "09_mac_addresses.csv": "dcim.MACAddressImportForm",
    "10_ip_addresses.csv": "ipam.IPAddressImportForm",
    "11_cables.csv": "dcim.CableImportForm",
}

UNASSIGNED_SITE = "Unassigned"
UNKNOWN_VENDOR = "Unknown"
MGMT_IF = "mgmt0"
#: The physical interface given to an end host whose port is unknown (a PC placed by the switch's
#: MAC table knows the switch port only), so its cable can still be imported.
HOST_IF = "eth0"
#: Classes whose ports are never guessed: a missing port there means the cable is not exported.
NETWORK_CLASSES = frozenset({"router", "firewall", "switch"})
#: Classes that are not hardware: NetBox has no device for them.
NOT_DEVICES = frozenset({"service", "cluster"})
_STATUS = {"active": "active", "missing": "offline", "retired": "decommissioning"}
_ROLE_COLORS = {
    "router": "ff9800",
    "firewall": "f44336",
    "switch": "2196f3",
    "ap": "4caf50",
    "server": "ffc107",
    "pc": "9e9e9e",
    "printer": "673ab7",
    "phone": "673ab7",
    "ups": "795548",
    "other": "607d8b",
}
#: NetBox limits (model max_length) that CMDB values may exceed.
_MAX = {
    "name": 64,
    "serial": 50,
    "asset_tag": 50,
    "model": 100,
    "description": 200,
    "slug": 100,
    "interface": 64,
}
_NON_RACK = frozenset({"pc", "phone", "printer", "ap"})

#: Interface name prefix (lower case) -> NetBox interface type. Data, not code: add a row for a
#: new naming scheme. Longest prefix wins; unknown names are "other".
IF_TYPES: dict[str, str] = {
    "fastethernet": "100base-tx",
    "fa": "100base-tx",
    "ethernet": "1000base-t",
    "eth": "1000base-t",
    "gigabitethernet": "1000base-t",
    "gi": "1000base-t",
    "ge": "1000base-t",
    "g": "1000base-t",
    "tengigabitethernet": "10gbase-x-sfpp",
    "te": "10gbase-x-sfpp",
    "ten-gigabitethernet": "10gbase-x-sfpp",
    "xgigabitethernet": "10gbase-x-sfpp",
    "xge": "10gbase-x-sfpp",
    "twentyfivegige": "25gbase-x-sfp28",
    "25ge": "25gbase-x-sfp28",
    "fortygigabitethernet": "40gbase-x-qsfpp",
    "fo": "40gbase-x-qsfpp",
    "40ge": "40gbase-x-qsfpp",
    "hundredgige": "100gbase-x-qsfp28",
    "hu": "100gbase-x-qsfp28",
    "100ge": "100gbase-x-qsfp28",
    "port-channel": "lag",
    "po": "lag",
    "eth-trunk": "lag",
    "bridge-aggregation": "lag",
    "aggregateport": "lag",
    "ag": "lag",
    "bond": "lag",
    "vlan": "virtual",
    "vlanif": "virtual",
    "vlan-interface": "virtual",
    "loopback": "virtual",
    "lo": "virtual",
    "nve": "virtual",
    "tunnel": "virtual",
    "mgmt": "1000base-t",
    "meth": "1000base-t",
    "wlan": "ieee802.11ac",
}
_IF_PREFIX = re.compile(r"^([a-z\-]*[a-z]|\d+ge)")


def interface_type(name: str) -> str:
    """NetBox interface type for a device's interface name.

    >>> interface_type("GigabitEthernet0/0/1"), interface_type("XGE1/0/49")
    ('1000base-t', '10gbase-x-sfpp')
    >>> interface_type("Eth-Trunk1"), interface_type("Vlanif10"), interface_type("weird0")
    ('lag', 'virtual', 'other')
    """
    m = _IF_PREFIX.match(name.strip().lower())
    if not m:
        return "other"
    return IF_TYPES.get(m.group(1), "other")


def slugify(text: str) -> str:
    """A NetBox slug (``^[-a-zA-Z0-9_]+$``, <= 100 chars); text with no ASCII letters or digits
    (e.g. a Chinese name) gets a stable hash-based slug.

    >>> slugify("Cisco Systems, Inc."), slugify("教学楼")
    ('cisco-systems-inc', 'x-16308dfc')
    """
    s = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")
    if not s:
        s = "x-" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:8]
    return s[: _MAX["slug"]].strip("-") or "x"


def _text(value: object, limit: int | None = None) -> str:
    if value is None:
        return ""
    s = xml_text(value)  # NUL and other control characters: NetBox refuses them
    return s[:limit] if limit else s


@dataclass
class NetboxExport:
    """Rows per file and what could not be expressed in NetBox (one line each)."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


class _Slugs:
    """Unique slugs per scope."""

    def __init__(self) -> None:
        self.used: dict[str, set[str]] = {}

    def make(self, scope: str, text: str) -> str:
        used = self.used.setdefault(scope, set())
        base = slugify(text)
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base[: _MAX['slug'] - 6]}-{n}"
        used.add(slug)
        return slug


def build(doc: Mapping[str, Any]) -> NetboxExport:
    """Map the document to NetBox import rows (no files written)."""
    check_document(doc)
    out = NetboxExport(rows={f: [] for f in FILES})
    slugs = _Slugs()
    rows = out.rows
    sites: dict[str, str] = {}
    locations: dict[tuple[str, str], str] = {}  # (site, location name) -> parent name
    manufacturers: dict[str, str] = {}
    roles: dict[str, str] = {}
    platforms: dict[str, set[str]] = {}
    dtypes: dict[tuple[str, str], str] = {}
    dev_name: dict[str, str] = {}  # CI name -> NetBox device name
    dev_site: dict[str, str] = {}
    dev_cls: dict[str, str] = {}
    used_names: set[tuple[str, str]] = set()
    interfaces: dict[tuple[str, str], str] = {}  # (device, ifname) -> type

    def site_of(loc: Mapping[str, Any]) -> str:
        b = loc.get("building")
        name = UNASSIGNED_SITE if b in (None, "") else _text(f"Building {b}", 100)
        if name not in sites:
            sites[name] = slugs.make("site", name)
            rows["01_sites.csv"].append(
                {
                    "name": name,
                    "slug": sites[name],
                    "status": "active",
                    "description": "" if b in (None, "") else _text(f"netcmdb building {b}", 200),
                }
            )
        return name

    def location(site: str, name: str, parent: str) -> str:
        if (site, name) not in locations:
            locations[(site, name)] = parent
            rows["02_locations.csv"].append(
                {
                    "site": site,
                    "parent": parent,
                    "name": name,
                    "slug": slugs.make(f"loc:{site}", name),
                    "status": "active",
                    "description": "",
                }
            )
        return name

    for ci in doc.get("cis") or ():
        name = _text(ci.get("name"))
        cls = _text(ci.get("class") or "other").lower()
        if cls in NOT_DEVICES:
            out.skipped.append(f"CI {name!r}: class {cls} is not a device in NetBox")
            continue
        loc = location_of(ci)
        site = site_of(loc)
        loc_name = ""
        floor, room = loc.get("floor"), loc.get("room")
        if floor not in (None, ""):
            loc_name = location(site, _text(f"Floor {floor}", 100), "")
        if room not in (None, ""):
            fr = f"{_text(floor)}{_text(room)}" if floor not in (None, "") else _text(room)
            loc_name = location(site, _text(f"Room {fr}", 100), loc_name)
        vendor = _text(ci.get("vendor"), 100) or UNKNOWN_VENDOR
        if vendor not in manufacturers:
            manufacturers[vendor] = slugs.make("manufacturer", vendor)
            rows["03_manufacturers.csv"].append({"name": vendor, "slug": manufacturers[vendor]})
        role = cls if cls in _ROLE_COLORS else "other"
        if role not in roles:
            roles[role] = slugs.make("role", role)
            rows["04_device_roles.csv"].append(
                {
                    "name": role,
                    "slug": roles[role],
                    "color": _ROLE_COLORS[role],
                    "description": f"netcmdb class {role}",
                }
            )
        os_name = _text(ci.get("os"), 100)
        if os_name:
            platforms.setdefault(os_name, set()).add(vendor)
        model = _text(ci.get("model"), _MAX["model"]) or f"Unknown {role}"
        if (vendor, model) not in dtypes:
            dtypes[(vendor, model)] = slugs.make("device_type", f"{vendor}-{model}")
            rows["06_device_types.csv"].append(
                {
                    "manufacturer": vendor,
                    "model": model,
                    "slug": dtypes[(vendor, model)],
                    "u_height": "0" if role in _NON_RACK else "1",
                }
            )
        nb_name = name[: _MAX["name"]]
        if nb_name != name:
            out.skipped.append(f"CI {name!r}: name cut to NetBox's 64 characters")
        base, n = nb_name, 1
        while (site, nb_name.lower()) in used_names:
            n += 1
            nb_name = f"{base[: _MAX['name'] - 5]}-{n}"
        if n > 1:
            out.skipped.append(f"CI {name!r}: duplicate name in {site}, exported as {nb_name!r}")
        used_names.add((site, nb_name.lower()))
        dev_name.setdefault(name, nb_name)
        dev_site.setdefault(name, site)
        dev_cls.setdefault(name, cls)
        desc = "; ".join(f"{k}: {_text(ci[k])}" for k in ("role", "os_version") if ci.get(k))
        label = _text(ci.get("label"))
        serial = _text(ci.get("serial"))
        for what, val in (("serial", serial), ("asset_tag", label)):
            if len(val) > _MAX[what]:
                out.skipped.append(f"CI {name!r}: {what} cut to {_MAX[what]} characters")
        rows["07_devices.csv"].append(
            {
                "name": nb_name,
                "role": role,
                "manufacturer": vendor,
                "device_type": model,
                "platform": os_name,
                "serial": serial[: _MAX["serial"]],
                "asset_tag": label[: _MAX["asset_tag"]],
                "status": _STATUS.get(_text(ci.get("status") or "active").lower(), "active"),
                "site": site,
                "location": loc_name,
                "description": desc[: _MAX["description"]],
            }
        )
        ip, mac = _text(ci.get("ip")), _text(ci.get("mac"))
        if ip or mac:
            interfaces[(nb_name, MGMT_IF)] = "virtual"
            rows["08_interfaces.csv"].append(
                {
                    "device": nb_name,
                    "name": MGMT_IF,
                    "type": "virtual",
                    "mgmt_only": "true",
                    "description": "management address recorded by netcmdb",
                }
            )
        if mac:
            rows["09_mac_addresses.csv"].append(
                {"mac_address": mac, "device": nb_name, "interface": MGMT_IF, "is_primary": "true"}
            )
        if ip:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                out.skipped.append(f"CI {name!r}: IP {ip!r} is not an address")
            else:
                rows["10_ip_addresses.csv"].append(
                    {
                        "address": f"{addr}/{addr.max_prefixlen}",
                        "status": "active",
                        "device": nb_name,
                        "interface": MGMT_IF,
                        "is_primary": "true",
                        "description": "primary address (prefix length unknown to netcmdb)",
                    }
                )

    for os_name, vendors in platforms.items():
        rows["05_platforms.csv"].append(
            {
                "name": os_name,
                "slug": slugs.make("platform", os_name),
                "manufacturer": next(iter(vendors)) if len(vendors) == 1 else "",
            }
        )

    cabled: set[tuple[str, str]] = set()
    for ln in doc.get("links") or ():
        a, b = _text(ln.get("a")), _text(ln.get("b"))
        ap, bp = _text(ln.get("a_port"), 64), _text(ln.get("b_port"), 64)
        if a not in dev_name or b not in dev_name:
            out.skipped.append(f"link {a!r} ~ {b!r}: an end is not a NetBox device")
            continue
        guessed: tuple[str, str] | None = None  # the end given the default host interface
        if ap and not bp and dev_cls[b] not in NETWORK_CLASSES:
            bp, guessed = HOST_IF, (dev_name[b], HOST_IF)
        elif bp and not ap and dev_cls[a] not in NETWORK_CLASSES:
            ap, guessed = HOST_IF, (dev_name[a], HOST_IF)
        if not ap or not bp:
            out.skipped.append(f"link {a!r} ~ {b!r}: port unknown on one side, no cable")
        for dev, port in ((dev_name[a], ap), (dev_name[b], bp)):
            if port and (dev, port) not in interfaces:
                interfaces[(dev, port)] = interface_type(port)
                rows["08_interfaces.csv"].append(
                    {
                        "device": dev,
                        "name": port,
                        "type": interfaces[(dev, port)],
                        "mgmt_only": "false",
                        "description": (
                            "port name unknown to netcmdb (default end-host interface)"
                            if (dev, port) == guessed
                            else ""
                        ),
                    }
                )
        if not ap or not bp:
            continue
        ends = ((dev_name[a], ap), (dev_name[b], bp))
        if any(e in cabled for e in ends) or ends[0] == ends[1]:
            out.skipped.append(f"link {a}:{ap} ~ {b}:{bp}: interface already has a cable")
            continue
        cabled.update(ends)
        rows["11_cables.csv"].append(
            {
                "side_a_device": ends[0][0],
                "side_a_type": "dcim.interface",
                "side_a_name": ap,
                "side_b_device": ends[1][0],
                "side_b_type": "dcim.interface",
                "side_b_name": bp,
                "status": "connected",
            }
        )
    for dep in doc.get("dependencies") or ():
        out.skipped.append(
            f"dependency {_text(dep.get('from'))!r} -> {_text(dep.get('to'))!r}: "
            "no NetBox equivalent"
        )
    for grp in doc.get("groups") or ():
        out.skipped.append(f"group {_text(grp.get('name'))!r}: no NetBox equivalent")
    return out


_README = """NetBox bulk import files written by netcmdb (NetBox 4.2 or later).

Import them in file-name order, each through the matching NetBox page
(e.g. Devices > Devices > Import, "Upload file" tab, format CSV):

{files}

Mapping and limits: see docs/exporters.md in netcmdb. Cells starting with = + - @ are
prefixed with an apostrophe (spreadsheet formula injection protection).

Not exported ({n_skipped}):
{skipped}
"""


def write_netbox(doc: Mapping[str, Any], out_dir: str | Path) -> NetboxExport:
    """Write the NetBox CSV files and a README.txt into ``out_dir`` (created if needed).

    Raises:
        ExportError: the directory cannot be created or written.
    """
    result = build(doc)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for fname, header in FILES.items():
            with (out / fname).open("w", encoding="utf-8", newline="") as fh:
                # RFC 4180 line ends: with "\r\n" the writer also quotes a lone CR in a cell
                w = csv.writer(fh, lineterminator="\r\n")
                w.writerow(header)
                for row in result.rows[fname]:
                    w.writerow([neutralize_cell(row.get(h, "")) for h in header])
        files = "\n".join(
            f"  {f:24} -> {NETBOX_FORMS[f]}  ({len(result.rows[f])} rows)" for f in FILES
        )
        skipped = "\n".join(f"  - {s}" for s in result.skipped) or "  (nothing)"
        (out / "README.txt").write_text(
            _README.format(files=files, n_skipped=len(result.skipped), skipped=skipped),
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        raise ExportError(
            "cannot write NetBox files to {out}: {strerror}", out=out, strerror=exc.strerror
        ) from exc
    return result
