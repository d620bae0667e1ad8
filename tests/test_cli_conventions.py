"""One CLI convention, checked on the whole click tree (README, "Command-line conventions"):
``-o/--out`` for every file a command writes, ``--json`` on every command that prints results,
``--dry-run`` as the one "do not write" flag, ``--db`` on every command, one room notation in
and out, empty filters refused, click's own usage errors one line with exit status 2."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from netcmdb.cli import cli
from netcmdb.demo import example_campus_path

#: commands whose printed output IS the data (stdout or -o), or that print nothing to parse
NO_JSON = {
    "export json": "prints the netcmdb/1 JSON document itself",
    "export csv": "prints the CSV itself",
    "serve": "runs the web server",
}
#: "do not write" flags other than --dry-run, each with its distinct meaning
OTHER_NO_WRITE = {
    ("scan", "--no-store"): "collects from devices without writing the CMDB; "
    "scan --dry-run contacts nothing (issue 17)"
}


def leaves(cmd: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from leaves(sub, (*path, name))
    else:
        yield " ".join(path), cmd


def options(cmd: click.Command) -> dict[str, click.Option]:
    return {o: p for p in cmd.params if isinstance(p, click.Option) for o in p.opts}


cli.make_context("netcmdb", [], resilient_parsing=True)  # the tree as a command line sees it
ALL = list(leaves(cli))


def test_the_tree_is_walked() -> None:
    names = {n for n, _ in ALL}
    assert {"ci list", "scan", "impact", "export json", "label print"} <= names
    assert len(ALL) > 40


@pytest.mark.parametrize("name,cmd", ALL, ids=[n for n, _ in ALL])
def test_every_command_follows_the_convention(name: str, cmd: click.Command) -> None:
    opts = options(cmd)
    assert "--db" in opts, f"{name}: no --db"
    if name not in NO_JSON:
        assert "--json" in opts, f"{name}: prints results but has no --json"
    writes = [p for p in cmd.params if isinstance(p, click.Option) and p.name in ("out", "output")]
    for p in writes:
        assert {"-o", "--out"} <= set(p.opts), f"{name}: writes a file without -o/--out"
    for o, p in opts.items():
        if o.startswith("--no-") and not p.hidden and (name, o) not in OTHER_NO_WRITE:
            assert not any(w in o for w in ("store", "ingest", "write", "save")), (
                f"{name}: {o} is a second 'do not write' flag; use --dry-run"
            )
    if "--dry-run" in opts:
        assert opts["--dry-run"].is_flag


def nc(d: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NETCMDB_CONFIG": str(d / "config.toml"),
        "NETCMDB_CACHE_DIR": str(d / "cache"),
    }
    env.pop("NETCMDB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def campus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("campus")
    r = CliRunner().invoke(
        cli,
        ["import", "json", str(example_campus_path()), "--db", f"sqlite:///{d / 'cmdb.sqlite'}"],
        env={"NETCMDB_CONFIG": str(d / "config.toml"), "NETCMDB_DB": None},
    )
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(d / "cmdb.sqlite")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return d / "cmdb.sqlite"


@pytest.fixture
def campus(tmp_path: Path, campus_db: Path) -> tuple[Path, str]:
    shutil.copyfile(campus_db, tmp_path / "cmdb.sqlite")
    return tmp_path, f"sqlite:///{tmp_path / 'cmdb.sqlite'}"


def test_db_after_the_subcommand_and_every_room_notation(campus: tuple[Path, str]) -> None:
    d, db = campus
    by_code = nc(d, "ci", "list", "--db", db, "--room", "D010210", "--json")
    assert by_code.returncode == 0, by_code.stderr
    want = json.loads(by_code.stdout)
    assert want and all(
        (r["location"]["building"], r["location"]["floor"], r["location"]["room"])
        == ("01", "02", "10")
        for r in want
    )
    for args in (
        ["--room", "01/02/10"],
        ["--room", "D0102 10"],
        ["--room", "010210"],
        ["--room", "0210", "--building", "01"],
        ["--room", "Room 0210", "--building", "01"],
    ):
        r = nc(d, "--db", db, "ci", "list", *args, "--json")
        assert r.returncode == 0 and json.loads(r.stdout) == want, (args, r.stderr)
    table = nc(d, "--db", db, "ci", "list", "--room", "D010210").stdout
    assert "D010210 " in table and "01/02/10" not in table  # the rule's code, plus the name
    shown = nc(d, "--db", db, "ci", "show", want[0]["name"]).stdout
    assert "D010210" in shown


@pytest.mark.parametrize(
    "args,message",
    [
        (["ci", "list", "--room", ""], "--room"),
        (["ci", "list", "--building", " "], "--building"),
        (["label", "print", "--room", "", "-o", "x.pdf"], "--room"),
        (["export", "yaml", "--class", "", "-o", "x.yaml"], "--class"),
        (["ci", "list", "--room", "0210"], "give the building"),
        (["ci", "list", "--nope"], "No such option"),
        (["ci", "lst"], "No such command"),
        (["impact"], "Missing argument"),
        (["runs", "list", "--limit", "x"], "not a valid integer"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    campus: tuple[Path, str], args: list[str], message: str
) -> None:
    d, db = campus
    before = (d / "cmdb.sqlite").read_bytes()
    r = nc(d, "--db", db, *args)
    assert r.returncode == 2, r
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    assert (d / "cmdb.sqlite").read_bytes() == before


def test_impact_takes_a_mac_like_ci_show(campus: tuple[Path, str]) -> None:
    d, db = campus
    ci = json.loads(nc(d, "--db", db, "ci", "show", "sw-dist-01-1", "--json").stdout)
    mac = ci["mac"].replace(":", "-").upper()
    by_mac = nc(d, "--db", db, "impact", mac, "--json")
    assert by_mac.returncode == 0, by_mac.stderr
    by_name = nc(d, "--db", db, "impact", "sw-dist-01-1", "--json")
    assert json.loads(by_mac.stdout) == json.loads(by_name.stdout)
    assert all(" " not in room for room in json.loads(by_mac.stdout)["summary"]["by_room"])


def test_file_writers_take_o_and_json(campus: tuple[Path, str]) -> None:
    d, db = campus
    r = nc(d, "--db", db, "export", "json", "-o", str(d / "a.json"))
    assert r.returncode == 0 and json.loads((d / "a.json").read_text())["cis"]
    r = nc(d, "--db", db, "export", "yaml", "--building", "01", "-o", str(d / "a.yaml"), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["out"] == str(d / "a.yaml") and res["cis"] > 0 and (d / "a.yaml").exists()
    r = nc(d, "--db", db, "topology", "draw", "--format", "dot", "-o", str(d / "t.dot"), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["bytes"] == (d / "t.dot").stat().st_size
