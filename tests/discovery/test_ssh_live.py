"""Real SSH: netmiko logs in to fakenos devices on 127.x.y.z, runs the commands, parses them.

The devices serve the recorded outputs of ``data/ssh/<platform>/<case>/`` with the management
addresses 10.20.0.1/.2/.3 rewritten to the lab's loopback addresses, so the three devices' LLDP
tables point at each other and a crawl can follow them. fakenos runs in its own process
(``fakenos_lab.py``), started and stopped by a module fixture.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from netcmdb.discovery.base import ScanOptions, get_scanner
from netcmdb.discovery.cli_parsers import build_device_fact
from netcmdb.discovery.credentials import Secret, SshCredentials
from netcmdb.discovery.facts import ScanResult
from netcmdb.discovery.ssh import SshSettings, collect_device, collect_many, crawl_ssh
from netcmdb.discovery.vendors import CLI_COMMANDS

HERE = Path(__file__).parent
DATA = HERE / "data" / "ssh"
LAB = HERE / "fakenos_lab.py"

PASSWORD = "Pw-" + secrets.token_hex(8)
ENABLE = "En-" + secrets.token_hex(8)

#: lab device -> (platform, data case, index N of its 10.20.0.N address in the recordings)
DEVICES = {
    "sw-access-1": ("cisco_ios", "cisco_ios/c3850_basic", 1),
    "eos-a": ("arista_eos", "arista_eos/dcs7050_basic", 2),
    "sw-hw-b": ("huawei_vrp", "huawei_vrp/s5720_basic", 3),
}


def _base() -> str:
    pid = os.getpid()
    return f"127.{60 + pid % 180}.{(pid // 180) % 250}."


def _free_port(addr: str) -> int:
    with socket.socket() as s:
        s.bind((addr, 0))
        return int(s.getsockname()[1])


def _rewrite(text: str, base: str) -> str:
    return re.sub(r"\b10\.20\.0\.([123])\b", lambda m: f"{base}{m.group(1)}", text)


def _outputs(case: str, base: str) -> dict[str, str]:
    folder = DATA / case
    return {
        p.stem: _rewrite(p.read_text(), base) for p in folder.glob("*.txt") if p.stem != "prompt"
    }


def _commands(platform: str, outputs: dict[str, str]) -> dict[str, str]:
    cmds = CLI_COMMANDS[platform]
    return {cmds.command(kind): text for kind, text in outputs.items() if cmds.command(kind)}


class Lab:
    def __init__(self, base: str, port: int, proc: subprocess.Popen[str]) -> None:
        self.base, self.port, self.proc = base, port, proc

    def ip(self, n: int) -> str:
        return f"{self.base}{n}"

    def target(self, n: int) -> str:
        return f"{self.base}{n}:{self.port}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = _base()
    port = _free_port(f"{base}1")
    devices = []
    for name, (platform, case, n) in DEVICES.items():
        devices.append(
            {
                "name": name,
                "platform": platform,
                "address": f"{base}{n}",
                "port": port,
                "username": "admin",
                "password": PASSWORD,
                "commands": _commands(platform, _outputs(case, base)),
            }
        )
    hw = _commands("huawei_vrp", _outputs("huawei_vrp/s5720_basic", base))
    # .4: right device, other password. .5: hangs in `display mac-address`. .6: host key mismatch.
    devices.append(
        {
            "name": "sw-locked",
            "platform": "huawei_vrp",
            "address": f"{base}4",
            "port": port,
            "username": "admin",
            "password": "not-" + PASSWORD,
            "commands": hw,
        }
    )
    devices.append(
        {
            "name": "sw-hang",
            "platform": "huawei_vrp",
            "address": f"{base}5",
            "port": port,
            "username": "admin",
            "password": PASSWORD,
            "commands": hw,
            "hang": {"display mac-address": 120},
        }
    )
    devices.append(
        {
            "name": "sw-spoof",
            "platform": "huawei_vrp",
            "address": f"{base}6",
            "port": port,
            "username": "admin",
            "password": PASSWORD,
            "commands": hw,
        }
    )
    # .7: answers neither show nor display version (an unknown box): detection must give up
    devices.append(
        {
            "name": "sw-mute",
            "platform": "cisco_ios",
            "address": f"{base}7",
            "port": port,
            "username": "admin",
            "password": PASSWORD,
            "commands": {},
            "hang": {"show version": 300, "display version": 300},
        }
    )
    spec = tmp_path_factory.mktemp("fakenos") / "spec.json"
    spec.write_text(json.dumps({"devices": devices}))
    proc = subprocess.Popen(
        [sys.executable, str(LAB), str(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", f"fakenos lab did not start: {line!r}"
        yield Lab(base, port, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _creds() -> SshCredentials:
    return SshCredentials("admin", Secret(PASSWORD), Secret(ENABLE), origin="test")


@pytest.fixture()
def settings(tmp_path: Path, lab: Lab) -> SshSettings:
    return SshSettings(
        credentials=_creds(),
        port=lab.port,
        known_hosts=tmp_path / "known_hosts",
        accept_new_host_keys=True,
        connect_timeout_s=5,
        command_timeout_s=5,
        device_timeout_s=60,
        concurrency=8,
    )


@pytest.mark.parametrize("name", list(DEVICES))
def test_collect_each_platform_over_real_ssh(lab: Lab, settings: SshSettings, name: str) -> None:
    platform, case, n = DEVICES[name]
    settings = dataclasses.replace(settings, platform=platform)
    res = collect_device(lab.target(n), settings)
    assert res.ok, res.error
    dev = res.device
    assert dev is not None
    # Same facts as parsing the recorded outputs directly: the SSH path loses nothing.
    direct = build_device_fact(platform, _outputs(case, lab.base), ip=lab.ip(n))
    assert dev.neighbors == direct.neighbors and dev.neighbors
    assert dev.fdb == direct.fdb and dev.fdb
    assert dev.arp == direct.arp and dev.arp
    assert dev.interfaces == direct.interfaces and dev.interfaces
    assert (dev.serial, dev.model, dev.os_version) == (
        direct.serial,
        direct.model,
        direct.os_version,
    )
    assert dev.hostname == name  # from `show version` (IOS) or the prompt (EOS, VRP)
    assert dev.ip == lab.ip(n) and dev.source == "ssh"
    assert not dev.warnings
    others = {o for o in DEVICES if o != name}
    assert {n_.remote_name.split(".")[0] for n_ in dev.neighbors if n_.protocol == "lldp"} == others
    assert {n_.remote_mgmt_ip for n_ in dev.neighbors if n_.protocol == "lldp"} == {
        lab.ip(DEVICES[o][2]) for o in others
    }


def test_registry_scanner_with_autodetect(lab: Lab, settings: SshSettings) -> None:
    """Through the scanner registry, as the CLI/lead's combined scan uses it; no --platform."""
    scanner = get_scanner("ssh")
    opts = ScanOptions(
        excludes=[f"{lab.ip(9)}/32"],
        extra={
            "ssh_credentials": _creds(),
            "ssh_port": lab.port,
            "ssh_known_hosts": settings.known_hosts,
            "ssh_accept_new_host_keys": True,
            "ssh_command_timeout_s": 5,
        },
    )
    results = list(scanner.scan([lab.ip(3), f"{lab.ip(9)}:22"], opts))
    assert [r.target for r in results] == [lab.ip(3)]  # the excluded one is never contacted
    res = results[0]
    assert res.ok, res.error
    assert res.device is not None and res.device.platform == "huawei_vrp"
    assert res.device.serial == "2102351931P0H7000123"


def _adjacency(results: list[ScanResult]) -> set[frozenset[str]]:
    edges = set()
    for r in results:
        if r.device is None:
            continue
        for n in r.device.neighbors:
            if n.protocol == "lldp" and n.remote_name and r.device.hostname:
                edges.add(frozenset({r.device.hostname, n.remote_name.split(".")[0]}))
    return edges


def test_crawl_follows_lldp_to_the_whole_topology(lab: Lab, settings: SshSettings) -> None:
    settings = dataclasses.replace(settings, platform="cisco_ios")
    out = crawl_ssh([lab.ip(1)], settings, scope=[f"{lab.base}0/24"], max_depth=3)
    results = out.results
    assert all(r.ok for r in results), [r.error for r in results]
    assert sorted(r.target for r in results) == [lab.ip(1), lab.ip(2), lab.ip(3)]
    by_name = {r.device.hostname: r.device for r in results if r.device}
    assert set(by_name) == set(DEVICES)
    assert by_name["sw-access-1"].extra["crawl_depth"] == "0"
    assert by_name["eos-a"].extra["crawl_depth"] == "1"
    assert out.depth == {lab.ip(1): 0, lab.ip(2): 1, lab.ip(3): 1}
    # platform of each neighbour came from its LLDP system description
    assert by_name["sw-hw-b"].platform == "huawei_vrp" and by_name["eos-a"].platform == "arista_eos"
    assert _adjacency(results) == {
        frozenset({"sw-access-1", "eos-a"}),
        frozenset({"sw-access-1", "sw-hw-b"}),
        frozenset({"eos-a", "sw-hw-b"}),
    }


# Every bound is tested exhaustively on recordings in test_crawl.py; over real SSH we check that
# the adapter passes them through (and that a bound really stops SSH logins).
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"max_queue": 2}, {1, 3}),  # sw-hw-b is the first LLDP neighbour of the seed
    ],
    ids=["queue"],
)
def test_crawl_is_bounded(
    lab: Lab, settings: SshSettings, kwargs: dict, expected: set[int]
) -> None:
    settings = dataclasses.replace(settings, platform="cisco_ios")
    scope = [f"{lab.base}{kwargs.pop('scope_suffix', '0/24')}"]
    excludes = [f"{lab.base}{kwargs.pop('excludes_n')}/32"] if "excludes_n" in kwargs else []
    out = crawl_ssh([lab.ip(1)], settings, scope=scope, excludes=excludes, **kwargs)
    assert {r.target for r in out.results} == {lab.ip(n) for n in expected}
    reasons = " ".join(why for _, why in out.skipped)
    assert ("queue cap 2" if "max_queue" in kwargs else "excluded") in reasons


def _spoof_known_hosts(path: Path, lab: Lab) -> None:
    key = paramiko.RSAKey.generate(1024)
    path.write_text(f"[{lab.ip(6)}]:{lab.port} ssh-rsa {key.get_base64()}\n")


def test_failures_are_per_device_and_say_why(lab: Lab, settings: SshSettings) -> None:
    closed = _free_port(lab.ip(9))  # nothing listens there
    _spoof_known_hosts(settings.known_hosts, lab)
    settings = dataclasses.replace(settings, platform="huawei_vrp", command_timeout_s=3)
    targets = [lab.target(3), lab.target(4), f"{lab.ip(9)}:{closed}", lab.target(6), lab.target(5)]
    t0 = time.monotonic()
    results = {r.target: r for r in collect_many(targets, settings)}
    elapsed = time.monotonic() - t0
    assert set(results) == set(targets)
    assert results[lab.target(3)].ok
    auth = results[lab.target(4)]
    assert auth.error_kind == "auth" and "authentication failed for admin@" in auth.error
    unreach = results[f"{lab.ip(9)}:{closed}"]
    assert unreach.error_kind == "unreachable" and "refused" in unreach.error
    spoof = results[lab.target(6)]
    assert spoof.error_kind == "hostkey" and "does not match" in spoof.error
    hang = results[lab.target(5)]
    assert hang.error_kind == "timeout"
    assert "stopped answering during 'display mac-address'" in hang.error
    # it answered the commands before the hang: those facts are kept, flagged by the error
    assert hang.device is not None and hang.device.os_version == "V200R011C10SPC500"
    assert hang.device.neighbors and not hang.device.fdb
    for r in results.values():
        assert r.error is None or "\n" not in r.error
    assert elapsed < 30


def test_per_device_deadline(lab: Lab, settings: SshSettings) -> None:
    settings = dataclasses.replace(
        settings, platform="huawei_vrp", command_timeout_s=60, device_timeout_s=4
    )
    t0 = time.monotonic()
    res = collect_device(lab.target(5), settings)
    assert time.monotonic() - t0 < 15
    assert res.error_kind == "timeout" and "per-device limit of 4s" in res.error


def test_unknown_host_key_needs_consent(lab: Lab, settings: SshSettings) -> None:
    strict = dataclasses.replace(settings, platform="huawei_vrp", accept_new_host_keys=False)
    res = collect_device(lab.target(3), strict)
    assert res.error_kind == "hostkey"
    assert "--accept-new-host-keys" in res.error and "SHA256:" in res.error
    assert not settings.known_hosts.exists()
    ok = collect_device(lab.target(3), dataclasses.replace(strict, accept_new_host_keys=True))
    assert ok.ok, ok.error
    assert f"[{lab.ip(3)}]:{lab.port} ssh-rsa " in settings.known_hosts.read_text()
    again = collect_device(lab.target(3), strict)  # now known: no consent needed
    assert again.ok, again.error


def test_secret_never_in_logs_results_or_files(
    lab: Lab, settings: SshSettings, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("netmiko", "paramiko", "paramiko.transport", "netcmdb"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    s = dataclasses.replace(settings, platform="cisco_ios")
    results = list(collect_many([lab.target(1), lab.target(4)], s))
    assert any(r.ok for r in results) and any(r.error_kind == "auth" for r in results)
    dumped = json.dumps([dataclasses.asdict(r) for r in results], default=str)
    texts = {
        "logs": caplog.text + "\n".join(str(r.args) for r in caplog.records),
        "results": dumped + repr(results) + repr(s) + str(s.credentials),
        "known_hosts": settings.known_hosts.read_text(),
    }
    # the CLI end to end: env credentials, JSON out, a SQLite CMDB file
    db = tmp_path / "cmdb.sqlite"
    env = {
        **os.environ,
        "NETCMDB_SSH_USERNAME": "admin",
        "NETCMDB_SSH_PASSWORD": PASSWORD,
        "NETCMDB_SSH_SECRET": ENABLE,
        "NETCMDB_SSH_KNOWN_HOSTS": str(settings.known_hosts),
    }
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "netcmdb",
            "-vv",
            "--db",
            f"sqlite:///{db}",
            "scan",
            f"{lab.ip(1)}",
            f"{lab.ip(4)}",
            "--ssh",
            "--platform",
            "cisco_ios",
            "--ssh-port",
            str(lab.port),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    texts["cli stdout"] = cli.stdout
    texts["cli stderr"] = cli.stderr
    out = json.loads(cli.stdout)
    assert {r["error_kind"] for r in out["results"]} == {None, "auth"}, cli.stderr[-2000:]
    # exports of what was stored (the CMDB file itself is checked below with every other file)
    from click.testing import CliRunner

    from netcmdb.cli import cli as cli_group

    for fmt, extra in (("json", []), ("csv", []), ("csv", ["--table", "runs"])):
        exp = CliRunner().invoke(
            cli_group,
            [
                "--db",
                f"sqlite:///{db}",
                "export",
                fmt,
                *extra,
                "-o",
                str(tmp_path / f"export-{fmt}{len(extra)}"),
            ],
        )
        assert exp.exit_code == 0, exp.output
    assert "sw-access-1" in (tmp_path / "export-json0").read_text()
    for f in tmp_path.rglob("*"):
        if f.is_file():
            texts[str(f)] = f.read_bytes().decode("latin-1")
    for where, text in texts.items():
        assert PASSWORD not in text, f"password leaked into {where}"
        assert ENABLE not in text, f"enable secret leaked into {where}"
    assert caplog.records, "DEBUG logging was captured at all"


def _main(
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
) -> tuple[int, str, str]:
    """Run ``netcmdb.cli.main`` in-process (exit status and stderr as a user sees them)."""
    from netcmdb.cli import main

    for k in ("NETCMDB_SSH_USERNAME", "NETCMDB_SSH_PASSWORD", "NETCMDB_SSH_SECRET"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys, "argv", ["netcmdb", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.err, captured.out


def test_cli_table_and_one_line_errors(
    lab: Lab,
    settings: SshSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {
        **os.environ,
        "NETCMDB_SSH_USERNAME": "admin",
        "NETCMDB_SSH_PASSWORD": PASSWORD,
        "NETCMDB_SSH_KNOWN_HOSTS": str(tmp_path / "kh"),
        "NETCMDB_CONFIG": str(tmp_path / "none.toml"),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "netcmdb",
            "--db",
            f"sqlite:///{tmp_path / 'db.sqlite'}",
            "scan",
            lab.ip(3),
            lab.ip(4),
            "--ssh",
            "--ssh-port",
            str(lab.port),
            "--platform",
            "huawei_vrp",
            "--accept-new-host-keys",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "sw-hw-b" in run.stdout and "S5720-28X-SI-AC" in run.stdout
    assert "auth: authentication failed for admin@" in run.stdout
    # the switch plus its two LLDP neighbours become CIs; the locked device is the one failure
    assert "ssh: run 1: 3 new, 0 changed, 0 moved, 3 seen, 0 missing, 1 failed" in run.stdout
    small = {"NETCMDB_CONFIG": str(tmp_path / "none.toml"), "NETCMDB_SSH_USERNAME": "admin"}
    for args, message, e in [
        (["scan", "--ssh"], "error: scan --ssh needs at least one target", small),
        (
            ["scan", "10.0.0.0/8", "--ssh"],
            "error: 16777214 addresses to contact is more than --max-hosts 65536",
            small,
        ),
        (["scan", "10.0.0.0/33", "--ssh"], "error: not a target: '10.0.0.0/33'", small),
        (["scan", "8.8.8.8", "--ssh"], "error: 8.8.8.8 is public", small),
        (
            ["scan", lab.ip(3), "--ssh", "--no-store"],
            "error: no SSH username",
            {"NETCMDB_CONFIG": small["NETCMDB_CONFIG"]},
        ),
    ]:
        code, err, _ = _main(args, monkeypatch, capsys, e)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert err.startswith(message), err
    # --crawl through the CLI: from the Cisco seed to both neighbours, JSON out, nothing stored
    code, err, out = _main(
        [
            "scan",
            lab.ip(1),
            "--ssh",
            "--crawl",
            "--scope",
            f"{lab.base}0/24",
            "--platform",
            "cisco_ios",
            "--ssh-port",
            str(lab.port),
            "--accept-new-host-keys",
            "--json",
            "--no-store",
        ],
        monkeypatch,
        capsys,
        {
            **small,
            "NETCMDB_SSH_PASSWORD": PASSWORD,
            "NETCMDB_SSH_KNOWN_HOSTS": str(tmp_path / "kh"),
        },
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["run"] is None
    assert sorted(r["device"]["hostname"] for r in doc["results"]) == sorted(DEVICES)


def test_undetectable_device_fails_fast_with_a_clear_error(lab: Lab, settings: SshSettings) -> None:
    """Issue 13 §5: autodetection is the last resort and bounded (10 s by default): a device
    that names no platform fails with a per-device error, not after netmiko's ~100 s."""
    settings = dataclasses.replace(settings, platform=None, detect_timeout_s=3)
    t0 = time.monotonic()
    res = collect_device(lab.target(7), settings)
    took = time.monotonic() - t0
    assert not res.ok and res.error is not None
    assert "could not detect the platform within 3 s" in res.error
    assert "--platform" in res.error
    assert took < 30, took  # the budget plus login; netmiko alone needed ~100 s here


def test_crawl_platform_applies_to_neighbours_without_a_description() -> None:
    from netcmdb.discovery.ssh import crawl_platform

    assert crawl_platform(True, "cisco_ios", None) == "cisco_ios"
    assert crawl_platform(False, "cisco_ios", None) == "cisco_ios"  # was: autodetect
    assert crawl_platform(False, "cisco_ios", "huawei_vrp") == "huawei_vrp"
    assert crawl_platform(False, None, "arista_eos") == "arista_eos"
    assert crawl_platform(False, None, None) is None
