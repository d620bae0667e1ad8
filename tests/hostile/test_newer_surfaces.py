"""The newer commands fed hostile input (issue 17 sweep, second pass): row ids beyond any
INTEGER, empty dates, place values longer than their columns, a password prompt without a
terminal, damaged and oversized spreadsheets. Every case: one line on stderr, exit status 2, no
traceback, the CMDB unchanged (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from hostilekit import assert_one_line  # type: ignore[import-not-found]

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
        {"name": "pc-7", "class": "pc"},
        {"name": "pc-8", "class": "pc"},
    ],
}
HUGE = "9" * 40


@pytest.fixture
def seeded(cli_on: Cli, tmp_path: Path, unchanged):  # type: ignore[no-untyped-def]
    doc = tmp_path / "seed.json"
    doc.write_text(json.dumps(SEED))
    r = cli_on("import", "json", str(doc))
    assert r.returncode == 0, r.stderr
    assert cli_on("note", "add", "pc-7", "a note").returncode == 0
    unchanged.reset()
    return unchanged


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ci", "show", f"#{HUGE}"], f"no CI with id {HUGE}"),
        (["note", "list", f"#{HUGE}"], "no CI with id"),
        (["note", "add", f"#{HUGE}", "x"], "no CI with id"),
        (["ci", "replace", "pc-7", f"#{HUGE}"], "no CI with id"),
        (["ci", "set", f"#{HUGE}", "--owner", "x"], "no CI with id"),
        (["impact", f"#{HUGE}"], "unknown CI"),
        (["runs", "show", HUGE], f"no run {HUGE}"),
        (["runs", "diff", HUGE, "1"], f"no run {HUGE}"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_row_ids_beyond_any_integer_are_no_row(
    cli_on: Cli,
    seeded,  # type: ignore[no-untyped-def]
    args: list[str],
    needle: str,
) -> None:
    """A 40-digit id used to reach the driver: OverflowError (SQLite) / DataError traceback."""
    assert_one_line(cli_on(*args), needle)
    seeded()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["note", "list", "--since", ""], "--since must look like 2026-11-01, got ''"),
        (["note", "list", "--until", ""], "--until must look like"),
        (["export", "report", "-o", "r.html", "--since", ""], "--since must look like"),
        (["export", "report", "-o", "r.html", "--since", "9999-12-31"], "is in the future"),
        (["ci", "replace", "pc-7", "pc-8", "--date", ""], "--date must look like"),
        (
            ["ci", "set", "pc-7", "--lifecycle", "retired", "--lifecycle-date", ""],
            "--lifecycle-date must look like",
        ),
    ],
    ids=lambda v: "-".join(v[:3]) if isinstance(v, list) else None,
)
def test_an_empty_date_is_an_error_not_no_date(
    cli_on: Cli,
    seeded,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    args: list[str],
    needle: str,
) -> None:
    """``--since ''`` used to mean "no period" (the whole report, every note) and
    ``--date ''`` today: an empty value is an error, as empty filters are."""
    line = assert_one_line(cli_on(*args), needle)
    assert "None" not in line
    assert not (tmp_path / "r.html").exists()
    seeded()


@pytest.mark.parametrize(
    "args",
    [
        ["room", "set", "D010101", "--name", "r" * 300],
        ["room", "set", "D010101", "--contact", "c" * 201],
        ["building", "set", "01", "--department", "d" * 300],
        ["room", "set", "D010101", "--name", "ok\udcff"],
    ],
    ids=["room-name", "room-contact", "building-department", "lone-surrogate"],
)
def test_place_values_are_checked_as_every_write(
    cli_on: Cli,
    seeded,  # type: ignore[no-untyped-def]
    args: list[str],
) -> None:
    """``room set`` / ``building set`` went straight to the row: on PostgreSQL a 300-character
    name was a StringDataRightTruncation traceback. Now cmdb.validate checks them."""
    env = {"PYTHONUTF8": "1"}
    assert_one_line(cli_on(*args, env=env), args[3])
    seeded()


def test_user_add_without_a_terminal_is_one_line(cli_on: Cli, seeded) -> None:  # type: ignore[no-untyped-def]
    """No terminal to prompt on (cron, a pipe from nowhere) used to end in 'Aborted.' (exit 1)
    after GetPassWarning lines."""
    assert_one_line(cli_on("user", "add", "bob", "--role", "admin"), "--password-stdin")
    assert_one_line(cli_on("user", "add", "bob", "--role", "admin", input=""), "--password-stdin")
    seeded()


def _xlsx_with(path: Path, parts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def test_damaged_and_oversized_spreadsheets_are_one_line(
    cli_on: Cli,
    seeded,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    small = {"NETCMDB_MAX_INPUT_MB": "1"}
    # a zip bomb: 3 MiB of XML packed into a few kB
    bomb = _xlsx_with(tmp_path / "bomb.xlsx", {"xl/workbook.xml": "<x>" + " " * (3 << 20) + "</x>"})
    assert bomb.stat().st_size < 64 * 1024
    assert_one_line(cli_on("import", "xlsx", str(bomb), env=small), "unpacks to 3 MiB")
    # a damaged workbook part: openpyxl/lxml errors used to escape as tracebacks
    broken = _xlsx_with(tmp_path / "broken.xlsx", {"xl/workbook.xml": "<x"})
    assert_one_line(cli_on("import", "xlsx", str(broken)), "not a readable .xlsx file")
    zeros = tmp_path / "zeros.xlsx"
    zeros.write_bytes(b"\0" * 4096)
    assert_one_line(cli_on("import", "xlsx", str(zeros)), "not a readable .xlsx file")
    # /dev/zero under either name is read capped, never into memory whole
    for name in ("endless.xlsx", "endless.csv"):
        (tmp_path / name).symlink_to("/dev/zero")
        assert_one_line(
            cli_on("import", "xlsx", str(tmp_path / name), env=small), "larger than 1 MiB"
        )
    seeded()


def test_user_names_differing_only_in_case_are_one_name(cli_on: Cli, seeded) -> None:  # type: ignore[no-untyped-def]
    """``bob`` beside ``Bob`` were two accounts (two roles) that every journal entry
    (``web:bob``) and reader takes for one person."""
    r = cli_on("user", "add", "Bob", "--role", "reader", "--password-stdin", input="pw-123456789\n")
    assert r.returncode == 0, r.stderr
    seeded.reset()
    assert_one_line(
        cli_on("user", "add", "bob", "--role", "admin", "--password-stdin", input="pw-12345678\n"),
        "user 'Bob' exists (names are unique in any case)",
    )
    seeded()


def test_a_register_of_unknown_columns_is_one_short_line(
    cli_on: Cli,
    seeded,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """20,000 unknown headers made one 150 kB "line" listing every one of them."""
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n" + ",".join("x" * 20_000) + "\n")
    line = assert_one_line(cli_on("import", "xlsx", str(wide)), "no column is known")
    assert "(20000 columns)" in line and len(line) < 400
    seeded()
