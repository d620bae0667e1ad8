"""Table-driven CLI parser tests (NAPALM style): one folder per platform and case.

``data/ssh/<platform>/<case>/`` holds one file per fact kind (``version.txt``, ``lldp.txt``...,
named after :data:`netcmdb.discovery.vendors.CLI_KINDS`), an optional ``prompt.txt`` (the
hostname netmiko reads from the prompt) and ``expected.json`` (the whole DeviceFact). A new vendor
quirk is a new folder, not new test code.
"""

from __future__ import annotations

import dataclasses
import doctest
import json
from pathlib import Path

import pytest

from netcmdb.discovery import cli_parsers
from netcmdb.discovery.cli_parsers import build_device_fact, parse_command, resolve_port
from netcmdb.discovery.vendors import CLI_COMMANDS, CLI_KINDS, PLATFORMS

DATA = Path(__file__).parent / "data" / "ssh"
CASES = sorted(p for p in DATA.glob("*/*") if (p / "expected.json").is_file())


def _load(case: Path) -> tuple[dict[str, str], str | None]:
    outputs = {
        k: (case / f"{k}.txt").read_text() for k in CLI_KINDS if (case / f"{k}.txt").exists()
    }
    prompt = case / "prompt.txt"
    return outputs, (prompt.read_text().strip() if prompt.exists() else None)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_case_matches_expected(case: Path) -> None:
    outputs, prompt = _load(case)
    fact = build_device_fact(case.parent.name, outputs, prompt_hostname=prompt)
    expected = json.loads((case / "expected.json").read_text())
    assert json.loads(json.dumps(dataclasses.asdict(fact))) == expected


def test_every_cli_platform_has_a_case_and_a_platform_row() -> None:
    covered = {c.parent.name for c in CASES}
    assert set(CLI_COMMANDS) <= covered | {"cisco_xe"}
    assert "cisco_xe" in covered
    from netmiko.ssh_dispatcher import CLASS_MAPPER

    for key in CLI_COMMANDS:
        assert key in PLATFORMS and PLATFORMS[key].netmiko in CLASS_MAPPER


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if "trunc" in c.name or "malformed" in c.name],
    ids=lambda c: f"{c.parent.name}/{c.name}",
)
def test_broken_output_gives_partial_facts_and_warnings(case: Path) -> None:
    outputs, prompt = _load(case)
    fact = build_device_fact(case.parent.name, outputs, prompt_hostname=prompt)
    assert fact.warnings, "a truncated/malformed output must leave a warning"
    assert fact.hostname and fact.os_version  # what could be parsed is still there


@pytest.mark.parametrize("platform", sorted(CLI_COMMANDS))
@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "\x00\x01\xff" * 50,
        "% Invalid input detected at '^' marker.",
        "Error: Unrecognized command",
        "-" * 5000,
        "a : b\n" * 300,
        "Neighbor index : 1\nChassis ID : x\n" * 10,
    ],
)
def test_garbage_never_raises(platform: str, garbage: str) -> None:
    fact = build_device_fact(platform, {k: garbage for k in CLI_KINDS}, ip="192.0.2.1")
    assert fact.platform == platform
    assert fact.ip == "192.0.2.1"


def test_truncation_at_every_line_never_raises() -> None:
    """Cut each real output after every line: the parser returns partial facts, never crashes."""
    for case in CASES:
        outputs, prompt = _load(case)
        for kind, text in outputs.items():
            lines = text.splitlines(keepends=True)
            for n in range(0, len(lines), max(1, len(lines) // 8)):
                half = lines[n][: len(lines[n]) // 2] if n < len(lines) else ""
                cut = "".join(lines[:n]) + half
                fact = build_device_fact(case.parent.name, {kind: cut})
                assert fact.source == "ssh"


def test_own_template_wins_over_ntc() -> None:
    # ntc-templates 9.3 raises a State Error on VRP5 S-series LLDP output; ours parses it.
    text = (DATA / "huawei_vrp" / "s5720_basic" / "lldp.txt").read_text()
    rows = parse_command("huawei_vrp", "display lldp neighbor", text)
    assert [r["neighbor_name"] for r in rows] == ["sw-access-1", "eos-a"]
    from ntc_templates.parse import parse_output
    from textfsm.parser import TextFSMError

    with pytest.raises(TextFSMError):
        parse_output(platform="huawei_vrp", command="display lldp neighbor", data=text)


def test_h3c_mac_state_with_space() -> None:
    text = (DATA / "hp_comware" / "s5130_cmw7" / "mac.txt").read_text()
    rows = parse_command("hp_comware", "display mac-address", text)
    assert rows[-1]["state"] == "Config static" and rows[-1]["interface"] == "GE1/0/24"


@pytest.mark.parametrize(
    ("name", "known", "expected"),
    [
        ("Gi1/0/1", ["GigabitEthernet1/0/1"], "GigabitEthernet1/0/1"),
        ("GE0/0/2", ["GigabitEthernet0/0/2", "GigabitEthernet0/0/20"], "GigabitEthernet0/0/2"),
        ("XGE1/0/25", ["Ten-GigabitEthernet1/0/25"], "Ten-GigabitEthernet1/0/25"),
        ("Et1", ["Ethernet1", "Ethernet10"], "Ethernet1"),
        ("Po10", ["Port-channel10"], "Port-channel10"),
        ("Gi0/9", ["GigabitEthernet0/1"], "Gi0/9"),  # never guessed
        ("Gi1/0/1", [], "Gi1/0/1"),
    ],
)
def test_resolve_port(name: str, known: list[str], expected: str) -> None:
    assert resolve_port(name, known) == expected


def test_doctests() -> None:
    result = doctest.testmod(cli_parsers)
    assert result.attempted > 0 and result.failed == 0


def test_arista_lldp_keeps_port_description_and_capabilities() -> None:
    text = (DATA / "arista_eos" / "dcs7050_basic" / "lldp.txt").read_text()
    rows = parse_command("arista_eos", "show lldp neighbors detail", text)
    assert [
        (
            r["local_interface"],
            r["neighbor_port_id"],
            r["neighbor_interface_description"],
            r["capabilities"],
        )
        for r in rows
    ] == [
        ("Ethernet1", "Gi1/0/50", "uplink eos-a", "Bridge, Router"),
        ("Ethernet2", "GigabitEthernet0/0/3", "GigabitEthernet0/0/3", "Bridge, Router"),
    ]
