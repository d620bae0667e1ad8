"""JSON/CSV/nmap values and other input files: every bad value is one line, exit status 2, and
the CMDB is exactly as before (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from hostilekit import assert_one_line, seed_json  # type: ignore[import-not-found]

Cli = Callable[..., CompletedProcess[str]]

SEED = {
    "format": "netcmdb/1",
    "cis": [
        {
            "name": "sw-core-1",
            "class": "switch",
            "role": "core",
            "ip": "10.0.0.1",
            "location": {"building": "01", "floor": "01", "room": "01", "seat": 1},
            "label": "D010101-001",
        },
        {
            "name": "pc-1",
            "class": "pc",
            "location": {"building": "01", "floor": "01", "room": "01"},
        },
    ],
    "links": [{"a": "sw-core-1", "a_port": "Gi0/1", "b": "pc-1", "b_port": "eth0"}],
}


def _ci(**kw: object) -> dict[str, object]:
    return {"format": "netcmdb/1", "cis": [{"name": "x", "class": "pc", **kw}]}


# (id, document text, what the one line must say)
JSON_CASES: list[tuple[str, str, str]] = [
    ("deep-nesting", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (
        "deep-nesting-in-a-ci",
        json.dumps(_ci())[:-3] + ', "description": ' + "[" * 50_000 + "]" * 50_000 + "}]}",
        "nested too deeply",
    ),
    ("cis-is-a-number", '{"format": "netcmdb/1", "cis": 5}', "cis: must be a list"),
    ("links-is-text", '{"format": "netcmdb/1", "links": "a"}', "links: must be a list"),
    ("class-is-a-list", json.dumps(_ci(**{"class": ["pc"]})), "unknown class ['pc']"),
    (
        "name-is-a-list",
        json.dumps({"format": "netcmdb/1", "cis": [{"name": ["x"], "class": "pc"}]}),
        "name must be text",
    ),
    ("status-is-an-object", json.dumps(_ci(status={"a": 1})), "unknown status"),
    (
        "row-key-on-some",
        json.dumps(
            {
                "format": "netcmdb/1",
                "cis": [{"name": "a", "class": "pc", "_row": 3}, {"name": "b", "class": "pc"}],
            }
        ),
        "unknown field '_row'",
    ),
    (
        "seat-infinity",
        '{"format": "netcmdb/1", "cis": [{"name": "x", "class": "pc", '
        '"location": {"building": "01", "floor": "01", "room": "01", "seat": Infinity}}]}',
        "seat must be a whole number",
    ),
    (
        "seat-nan",
        '{"format": "netcmdb/1", "cis": [{"name": "x", "class": "pc", '
        '"location": {"building": "01", "floor": "01", "room": "01", "seat": NaN}}]}',
        "seat must be a whole number",
    ),
    (
        "min-up-1e23",
        '{"format": "netcmdb/1", "cis": [{"name": "x", "class": "cluster", "min_up": 1e23}]}',
        "min_up must be a whole number",
    ),
    (
        "min-up-10-pow-23",
        '{"format": "netcmdb/1", "cis": [{"name": "x", "class": "cluster", '
        '"min_up": 100000000000000000000000}]}',
        "min_up must be a whole number",
    ),
    (
        "group-min-up-infinity",
        '{"format": "netcmdb/1", "groups": [{"name": "g", "members": [], "min_up": -Infinity}]}',
        "min_up must be a whole number",
    ),
    (
        "lone-surrogate-name",
        '{"format": "netcmdb/1", "cis": [{"name": "a\\ud800", "class": "pc"}]}',
        "lone surrogate",
    ),
    (
        "lone-surrogate-port",
        '{"format": "netcmdb/1", "cis": [{"name": "a", "class": "pc"},'
        '{"name": "b", "class": "pc"}], "links": [{"a": "a", "b": "b", "a_port": "\\udfff"}]}',
        "links[0].a_port holds a lone surrogate",
    ),
    ("name-too-long", json.dumps(_ci(name="n" * 256)), "name is longer than 255"),
    ("role-too-long", json.dumps(_ci(role="r" * 65)), "role is longer than 64"),
    (
        "room-too-long",
        json.dumps(_ci(location={"building": "01", "floor": "01", "room": "r" * 17})),
        "location room is longer than 16",
    ),
    (
        "room-name-too-long",
        json.dumps(
            _ci(location={"building": "01", "floor": "01", "room": "01", "name": "机" * 201})
        ),
        "location name is longer than 200",
    ),
    (
        "port-too-long",
        json.dumps(
            {
                "format": "netcmdb/1",
                "cis": [{"name": "a", "class": "pc"}, {"name": "b", "class": "pc"}],
                "links": [{"a": "a", "b": "b", "a_port": "p" * 129}],
            }
        ),
        "a_port is longer than 128",
    ),
    (
        "member-too-long",
        json.dumps({"format": "netcmdb/1", "groups": [{"name": "g", "members": ["m" * 256]}]}),
        "member is longer than 255",
    ),
    (
        "label-breaks-the-rule",
        json.dumps(_ci(label="NOT-A-LABEL")),
        "does not follow the label rule",
    ),
    ("binary-file", "\x00\x01\x02binary", "binary file"),
]


@pytest.fixture
def seeded(db_url: str, tmp_path: Path, unchanged):  # type: ignore[no-untyped-def]
    seed_json(db_url, SEED, tmp_path)
    unchanged.reset()
    return unchanged


@pytest.mark.parametrize(
    "text, needle", [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES]
)
def test_bad_json_values(
    cli_on: Cli,
    tmp_path: Path,
    seeded,
    text: str,  # type: ignore[no-untyped-def]
    needle: str,
) -> None:
    f = tmp_path / "bad.json"
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_one_line(cli_on("import", "json", str(f)), needle)
    seeded()


def test_dev_zero_is_capped(cli_on: Cli, seeded) -> None:  # type: ignore[no-untyped-def]
    env = {"NETCMDB_MAX_INPUT_MB": "1"}
    for kind in ("json", "csv", "nmap"):
        assert_one_line(cli_on("import", kind, "/dev/zero", env=env), "larger than 1 MiB")
    seeded()


CSV_HEADER = "name,class,building,floor,room,seat,label,min_up\n"
CSV_CASES: list[tuple[str, str, str]] = [
    ("duplicate-columns", "name,class,name\na,pc,b\n", "column 'name' appears 2 times"),
    ("seat-inf", CSV_HEADER + "a,pc,01,01,01,inf,,\n", "seat must be a whole number"),
    (
        "seat-huge",
        CSV_HEADER + "a,pc,01,01,01,99999999999999999999999,,\n",
        "seat must be a whole number",
    ),
    ("room-too-long", CSV_HEADER + f"a,pc,01,01,{'9' * 17},,,\n", "longer than 16"),
    ("bad-label", CSV_HEADER + "a,pc,01,01,01,1,D01,\n", "does not follow the label rule"),
    ("not-utf8", "name,class\n\xff\xfe,pc\n", "not UTF-8"),
]


@pytest.mark.parametrize("text, needle", [c[1:] for c in CSV_CASES], ids=[c[0] for c in CSV_CASES])
def test_bad_csv_values(
    cli_on: Cli,
    tmp_path: Path,
    seeded,
    text: str,  # type: ignore[no-untyped-def]
    needle: str,
) -> None:
    f = tmp_path / "bad.csv"
    f.write_bytes(text.encode("latin-1") if "\xff" in text else text.encode())
    assert_one_line(cli_on("import", "csv", str(f)), needle)
    seeded()


NMAP = """<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -oX" version="7.93">
<host><status state="up"/><address addr="10.9.9.9" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="{port}"><state state="open"/></port></ports></host>
</nmaprun>
"""


@pytest.mark.parametrize("port", ["0", "65536", "-1", "99999999999999999999999", "22a", "٣"])
def test_nmap_port_ids_out_of_range(
    cli_on: Cli,
    tmp_path: Path,
    seeded,  # type: ignore[no-untyped-def]
    port: str,
) -> None:
    f = tmp_path / "scan.xml"
    f.write_text(NMAP.format(port=port), encoding="utf-8")
    assert_one_line(cli_on("import", "nmap", str(f)), "bad port id")
    seeded()


def test_csv_round_trip_of_quoted_formulas(cli_on: Cli, tmp_path: Path) -> None:
    """export csv -> import csv gives back exactly the values, ``'=`` and ``=`` alike."""
    values = ["=1+1", "'=1+1", "''=x", "+a", "'+a", "-b", "@c", "'quoted", "plain", "'", "\t=tab"]
    doc = {
        "format": "netcmdb/1",
        "cis": [
            {"name": f"ci-{i}", "class": "pc", "owner": v, "description": v}
            for i, v in enumerate(values)
        ],
    }
    src = tmp_path / "in.json"
    src.write_text(json.dumps(doc))
    assert cli_on("import", "json", str(src)).returncode == 0
    out = tmp_path / "out.csv"
    r = cli_on("export", "csv", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "\n=" not in text and ",=" not in text  # still neutralised for spreadsheets
    # import the export into a fresh CMDB and compare what comes back
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    from hostilekit import run_cli  # type: ignore[import-not-found]

    r = run_cli(fresh, "import", "csv", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    back = json.loads(run_cli(fresh, "ci", "list", "--json", cwd=tmp_path).stdout)
    got = {c["name"]: (c.get("owner"), c.get("description")) for c in back}
    for i, v in enumerate(values):
        assert got[f"ci-{i}"] == (v, v), (v, got[f"ci-{i}"])


def test_binary_templates_and_oversized_qr(cli_on: Cli, tmp_path: Path, seeded) -> None:  # type: ignore[no-untyped-def]
    import os

    binary = tmp_path / "templates.toml"
    binary.write_bytes(os.urandom(4096))
    out = tmp_path / "labels.pdf"
    assert_one_line(
        cli_on("label", "print", "--templates", str(binary), "--out", str(out)), "templates.toml"
    )
    bad = tmp_path / "nan.toml"
    bad.write_text("[mine]\npage = [nan, 297]\ncolumns = 1\nrows = 1\nlabel = [10, 10]\n")
    assert_one_line(
        cli_on("label", "print", "--templates", str(bad), "--template", "mine", "--out", str(out)),
        "template mine",
    )
    assert_one_line(
        cli_on("label", "print", "--qr", "{name}" + "x" * 5000, "--out", str(out)), "QR payload"
    )
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    seeded()


@pytest.mark.parametrize(
    "args",
    [
        ("ci", "list", "--room", ""),
        ("ci", "list", "--building", " "),
        ("label", "print", "--room", "", "--out", "x.pdf"),
        ("export", "xlsx", "--building", "", "-o", "x.xlsx"),
        ("label", "assign", "--building", ""),
    ],
)
def test_empty_filters_are_errors(cli_on: Cli, seeded, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    r = cli_on(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "empty; leave the option out" in r.stderr
    seeded()
