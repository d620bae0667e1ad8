"""nmap XML import: recorded real nmap 7.93 output (tests/discovery/data/nmap/, made by running
Debian's nmap in the sweep lab), unsafe/broken XML, and the ``import nmap`` command."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from netcmdb.demo.lab.sweepnet import pkg_env
from netcmdb.discovery.facts import DeviceClass, Source
from netcmdb.discovery.nmapxml import parse, parse_bytes
from netcmdb.errors import ImportFormatError

DATA = Path(__file__).parent / "data" / "nmap"


def test_ping_sweep_recording() -> None:
    res = parse(DATA / "sweep-sn.xml")
    by_ip = {r.target: r.device for r in res}
    assert sorted(by_ip) == ["10.98.0.10", "10.98.0.11", "10.98.0.12", "10.98.0.13", "10.98.0.14"]
    web = by_ip["10.98.0.10"]
    assert web is not None and web.source is Source.NMAP
    assert web.mac == "00:e0:fc:98:00:10" and web.mac_vendor == "HUAWEI TECHNOLOGIES CO.,LTD"
    assert web.extra["nmap_mac_vendor"] == "Huawei Technologies"
    assert web.dns_name == "web.sweep.test"
    assert by_ip["10.98.0.12"].rtt_ms == pytest.approx(200.496)  # the slow host
    assert by_ip["10.98.0.11"].mac_vendor is None  # locally administered MAC


def test_ports_and_os_recording() -> None:
    by_ip = {r.target: r.device for r in parse(DATA / "ports-os.xml")}
    assert by_ip["10.98.0.10"].open_ports == [2222, 8080]
    assert by_ip["10.98.0.11"].open_ports == [9100]
    assert by_ip["10.98.0.13"].open_ports == []  # all closed
    assert by_ip["10.98.0.10"].os == "Linux" and by_ip["10.98.0.10"].os_version == "5.X"
    assert by_ip["10.98.0.10"].extra["service_8080"] == "http-proxy"
    slow = by_ip["10.98.0.12"]  # nmap's best guess for the user-space responder: a printer
    assert slow.device_class is DeviceClass.PRINTER and slow.vendor == "HP"
    assert by_ip["10.98.0.10"].device_class is None  # "general purpose" says nothing


def test_down_hosts_are_timeouts() -> None:
    xml = (
        b'<?xml version="1.0"?><nmaprun><host><status state="down" reason="no-response"/>'
        b'<address addr="10.0.0.9" addrtype="ipv4"/></host></nmaprun>'
    )
    (r,) = parse_bytes(xml)
    assert not r.alive and r.error_kind == "timeout" and "no-response" in (r.error or "")


BAD = [
    (b"", "not valid XML"),
    (b"<nmaprun><host>", "not valid XML"),  # truncated run
    (b"<?xml version='1.0'?><html/>", "not an nmap XML file"),
    (
        b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><nmaprun>&b;</nmaprun>',
        "refused unsafe XML",
    ),  # billion laughs
    (
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><nmaprun>&e;</nmaprun>',
        "refused unsafe XML",
    ),  # XXE
    (b'<!DOCTYPE nmaprun SYSTEM "http://example.invalid/x.dtd"><nmaprun/>', "refused unsafe XML"),
    (
        b'<nmaprun><host><address addr="10.0.0.300" addrtype="ipv4"/></host></nmaprun>',
        "bad ipv4 address '10.0.0.300'",
    ),
    (b'<nmaprun><host><address addr="zz:zz" addrtype="mac"/></host></nmaprun>', "bad MAC address"),
    (b"<nmaprun><host><status state='up'/></host></nmaprun>", "without an IPv4/IPv6"),
    (
        b'<nmaprun><host><address addr="10.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" '
        b'portid="x"><state state="open"/></port></ports></host></nmaprun>',
        "bad port id",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_bad_files_name_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        parse_bytes(data, "scan.xml")
    text = str(info.value)
    assert message in text and text.startswith("scan.xml") and "\n" not in text


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", *args],
        capture_output=True,
        text=True,
        env=pkg_env(),
        timeout=60,
    )


def _counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as con:
        return (
            con.execute("select count(*) from ci").fetchone()[0],
            con.execute("select count(*) from scan_run").fetchone()[0],
        )


def test_import_command_and_bad_file_leaves_db_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "cmdb.sqlite"
    url = f"sqlite:///{db}"
    ok = _cli("--db", url, "import", "nmap", str(DATA / "sweep-sn.xml"), "--json")
    assert ok.returncode == 0, ok.stderr
    assert '"new"' in ok.stdout and "web" in ok.stdout
    assert _counts(db) == (5, 1)
    before = db.read_bytes()
    bad = tmp_path / "bad.xml"
    bad.write_bytes(DATA.joinpath("sweep-sn.xml").read_bytes()[:900])  # an interrupted run
    res = _cli("--db", url, "import", "nmap", str(bad))
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")
    assert "not valid XML" in res.stderr and "Traceback" not in res.stderr
    assert _counts(db) == (5, 1) and db.read_bytes() == before
    missing = _cli("--db", url, "import", "nmap", str(tmp_path / "nope.xml"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
