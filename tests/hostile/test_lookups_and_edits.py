"""No silent data damage: exact CI look-ups, every edit validated as ``import json`` validates,
and ``export json`` of an edited CMDB imports again (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from hostilekit import assert_one_line, run_cli, seed_json  # type: ignore[import-not-found]

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
        {"name": "swXcore", "class": "switch"},
        {"name": "pc-7", "class": "pc"},
        {"name": "pc_8", "class": "pc"},
        {"name": "cluster-a", "class": "cluster", "min_up": 1},
    ],
}


@pytest.fixture
def seeded(db_url: str, tmp_path: Path, unchanged):  # type: ignore[no-untyped-def]
    seed_json(db_url, SEED, tmp_path)
    unchanged.reset()
    return unchanged


@pytest.mark.parametrize("query", ["%", "_", "sw%", "sw_core", "pc_%", "%-7", "pc\\_8"])
def test_wildcards_are_plain_characters(cli_on: Cli, seeded, query: str) -> None:  # type: ignore[no-untyped-def]
    assert_one_line(cli_on("ci", "set", query, "--owner", "mallory"), "no CI matches")
    assert_one_line(cli_on("ci", "show", query), "no CI matches")
    seeded()


def test_exact_names_with_wildcard_characters_still_work(cli_on: Cli, seeded) -> None:  # type: ignore[no-untyped-def]
    r = cli_on("ci", "show", "pc_8", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["name"] == "pc_8"


def test_ambiguous_lookup_lists_the_candidates(cli_on: Cli, seeded, db_url: str) -> None:  # type: ignore[no-untyped-def]
    # names differing only in case cannot be made through netcmdb (the importer and ci set
    # take them as one name); older data may hold them
    from sqlalchemy import create_engine

    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.models import CI, CIClass

    eng = create_engine(db_url)
    with session_scope(eng) as s:
        s.add(CI(name="PC-7", ci_class=CIClass.PC))
    eng.dispose()
    seeded.reset()
    line = assert_one_line(cli_on("ci", "set", "Pc-7", "--owner", "x"), "2 CIs match 'Pc-7'")
    assert "PC-7" in line and "pc-7" in line and "use #ID" in line
    seeded()
    r = cli_on("ci", "show", "pc-7", "--json")  # the exact spelling is not ambiguous
    assert r.returncode == 0 and json.loads(r.stdout)["name"] == "pc-7"


@pytest.mark.parametrize(
    "args, needle",
    [
        (("--name", "swXcore"), "already called 'swXcore'"),
        (("--name", "SWxCORE"), "already called 'swXcore'"),
        (("--name", " "), "a CI needs a name"),
        (("--name", "n" * 256), "name is longer than 255"),
        (("--label", "NOT-A-LABEL"), "does not follow the label rule"),
        (("--label", "D010101-001"), "already belongs"),
        (("--location", "01/01/" + "9" * 17), "location room is longer than 16"),
        (("--location", "01/01/01", "--room-name", "x" * 201), "room name is longer than 200"),
        (("--owner", "o" * 201), "owner is longer than 200"),
        (("--role", "r" * 65), "role is longer than 64"),
    ],
)
def test_every_edit_is_validated(
    cli_on: Cli,
    seeded,
    args: tuple[str, ...],  # type: ignore[no-untyped-def]
    needle: str,
) -> None:
    assert_one_line(cli_on("ci", "set", "pc-7", *args), needle)
    seeded()


EDITS: list[tuple[str, ...]] = [
    ("pc-7", "--name", "pc-seven"),
    ("pc-seven", "--label", "d010102-004", "--location", "01/01/02"),
    ("pc-seven", "--location", "01/02/03", "--room-name", "网络机房", "--seat", "3"),
    ("pc_8", "--owner", "Zhang \x1b]0;pwned\x07 San", "--contact", "=cmd|' /C calc'!A0"),
    ("pc_8", "--description", "line one\nline two\t\u202e"),
    ("pc-seven", "--role", "access", "--class", "printer", "--status", "retired"),
    ("cluster-a", "--min-up", "0"),
]


def test_export_imports_again_after_each_kind_of_edit(
    cli_on: Cli,
    seeded,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    for n, edit in enumerate(EDITS):
        r = cli_on("ci", "set", *edit)
        assert r.returncode == 0, (edit, r.stderr)
        out = tmp_path / f"export-{n}.json"
        r = cli_on("export", "json", "-o", str(out))
        assert r.returncode == 0, r.stderr
        fresh = f"sqlite:///{tmp_path / f'fresh-{n}.sqlite'}"
        r = run_cli(fresh, "import", "json", str(out), cwd=tmp_path)
        assert r.returncode == 0, (edit, r.stderr)
        again = tmp_path / f"again-{n}.json"
        assert run_cli(fresh, "export", "json", "-o", str(again), cwd=tmp_path).returncode == 0
        assert json.loads(again.read_text())["cis"] == json.loads(out.read_text())["cis"], edit
