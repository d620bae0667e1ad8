"""sysLocation -> room (issue 13 §3): the rule's room code anywhere, then ``[location] patterns``;
text nothing matches is kept verbatim on the CI (ci show, exports); a bad pattern is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from netcmdb.cmdb.db import ensure_schema, make_engine, session_scope
from netcmdb.cmdb.models import CI
from netcmdb.cmdb.reconcile import ingest
from netcmdb.discovery.facts import DeviceFact, Source
from netcmdb.errors import ConfigError
from netcmdb.labeling.location import compile_patterns, location_parser
from netcmdb.labeling.rule import DEFAULT_RULE

PATTERNS = [
    r"(?P<building>\d+)号楼\s*(?P<floor>\d{2})(?P<room>\d{2})室",
    r"B(?P<building>\d+)-F(?P<floor>\d+)-R(?P<room>\d+)",
]


def parse(text):  # type: ignore[no-untyped-def]
    got = location_parser(DEFAULT_RULE, compile_patterns(PATTERNS))(text)
    return None if got is None else tuple(got)


@pytest.mark.parametrize(
    "text, room",
    [
        ("HQ D010210 机房", ("01", "02", "10")),  # the rule's room code, anywhere
        ("3号楼 0512室", ("03", "05", "12")),  # first pattern, zero-padded
        ("Campus B3-F5-R7 rack 2", ("03", "05", "07")),  # second pattern
        ("B3-F5-R7 and D010210", ("01", "02", "10")),  # the room code comes first
        ("Server room, 2nd floor", None),
        ("", None),
    ],
)
def test_room_code_then_patterns_zero_padded(text: str, room: tuple | None) -> None:  # type: ignore[type-arg]
    assert parse(text) == room


@pytest.mark.parametrize(
    "bad, says",
    [
        (r"B(?P<building>\d+", "bad pattern 'B(?P<building>\\\\d+'"),
        (r"B(?P<building>\d+)-F(?P<floor>\d+)", "has no named group room"),
    ],
)
def test_bad_pattern_is_one_config_error_naming_it(bad: str, says: str) -> None:
    with pytest.raises(ConfigError) as ei:
        compile_patterns([bad])
    msg = str(ei.value)
    assert "[location] patterns" in msg and says in msg and "\n" not in msg


def test_reconciled_room_and_verbatim_text(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    ensure_schema(eng)
    facts = [
        DeviceFact(source=Source.SNMP, ip="10.0.0.1", hostname="sw-1", sys_location="3号楼 0512室"),
        DeviceFact(
            source=Source.SNMP,
            ip="10.0.0.2",
            hostname="sw-2",
            sys_location="Server room, 2nd floor （旧楼）",
        ),
    ]
    parser = location_parser(DEFAULT_RULE, compile_patterns(PATTERNS))
    for _ in range(2):
        with session_scope(eng) as s:
            summary = ingest(
                s,
                facts,
                source="snmp",
                targets=["10.0.0.0/24"],
                methods=["snmp"],
                location_parser=parser,
            )
    assert summary.changed == []  # stable on a rescan
    with session_scope(eng) as s:
        by = {c.name: c for c in s.scalars(select(CI))}
        one, two = by["sw-1"], by["sw-2"]
        assert (one.location.building, one.location.floor, one.location.room) == ("03", "05", "12")
        assert one.location_text == "3号楼 0512室"
        assert two.location is None
        assert two.location_text == "Server room, 2nd floor （旧楼）"  # kept verbatim, UTF-8
    eng.dispose()


def _nc(tmp_path: Path, cfg: str, *args: str) -> subprocess.CompletedProcess[str]:
    conf = tmp_path / "netcmdb.toml"
    conf.write_text(cfg, encoding="utf-8")
    env = {**os.environ, "NETCMDB_CONFIG": str(conf)}
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", f"sqlite:///{tmp_path / 'cli.sqlite'}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_bad_pattern_one_line_and_ci_show_text(tmp_path: Path) -> None:
    bad = _nc(tmp_path, "[location]\npatterns = ['B(?P<building>\\\\d+']\n", "ci", "list")
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "[location] patterns: bad pattern" in bad.stderr and "Traceback" not in bad.stderr
    # a CI whose sysLocation matched nothing shows the text (ci show --json, JSON export)
    eng = make_engine(f"sqlite:///{tmp_path / 'cli.sqlite'}")
    ensure_schema(eng)
    with session_scope(eng) as s:
        ingest(
            s,
            [
                DeviceFact(
                    source=Source.SNMP, ip="10.0.0.9", hostname="sw-9", sys_location="3号楼机房"
                )
            ],
            source="snmp",
            targets=["10.0.0.9"],
            methods=["snmp"],
        )
    eng.dispose()
    show = _nc(tmp_path, "", "ci", "show", "sw-9", "--json")
    assert show.returncode == 0, show.stderr
    assert json.loads(show.stdout)["location_text"] == "3号楼机房"
    text = _nc(tmp_path, "", "ci", "show", "sw-9")
    assert "location text" in text.stdout and "3号楼机房" in text.stdout
    out = tmp_path / "export.json"
    exp = _nc(tmp_path, "", "export", "json", "-o", str(out))
    assert exp.returncode == 0, exp.stderr
    [ci] = json.loads(out.read_text(encoding="utf-8"))["cis"]
    assert ci["location_text"] == "3号楼机房"
    # the JSON export re-imports into another CMDB with the text
    other = tmp_path / "other"
    other.mkdir()
    imp = _nc(other, "", "import", "json", str(out))
    assert imp.returncode == 0, imp.stderr
    again = _nc(other, "", "ci", "show", "sw-9", "--json")
    assert json.loads(again.stdout)["location_text"] == "3号楼机房"
    page = tmp_path / "report.html"
    rep = _nc(tmp_path, "", "export", "report", "-o", str(page))
    assert rep.returncode == 0, rep.stderr
    assert "(3号楼机房)" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_chinese_syslocation_bytes_become_a_room_and_text(tmp_path: Path, encoding: str) -> None:
    """UTF-8 (new firmware) and GB18030 (older Huawei/H3C) sysLocation bytes, decoded by the SNMP
    layer's one decoder, reach the CI as text (not mojibake) and as a room through a pattern."""
    from netcmdb.discovery import snmp_oids as O
    from netcmdb.discovery.snmp import RawDevice, parse_device

    raw = "3号楼 0512室（弱电间）".encode(encoding)
    dev = parse_device(
        "10.0.0.7",
        RawDevice(
            scalars={
                O.SYS_NAME: b"sw-7",
                O.SYS_DESCR: b"Huawei Versatile Routing Platform Software",
                O.SYS_LOCATION: raw,
            }
        ),
    )
    assert dev.sys_location == "3号楼 0512室（弱电间）"
    eng = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    ensure_schema(eng)
    with session_scope(eng) as s:
        ingest(
            s,
            [dev],
            source="snmp",
            targets=["10.0.0.7"],
            methods=["snmp"],
            location_parser=location_parser(DEFAULT_RULE, compile_patterns(PATTERNS)),
        )
    with session_scope(eng) as s:
        ci = s.scalars(select(CI)).one()
        assert ci.location_text == "3号楼 0512室（弱电间）"
        assert (ci.location.building, ci.location.floor, ci.location.room) == ("03", "05", "12")
    eng.dispose()
