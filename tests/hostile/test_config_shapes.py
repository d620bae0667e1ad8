"""Config values of the wrong shape: one line naming ``[section] key``, never a crash later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostilekit import assert_one_line, run_cli  # type: ignore[import-not-found]

from netcmdb.config import SHAPES, load_config
from netcmdb.errors import ConfigError

#: Values of every TOML type, and numbers out of every range.
WRONG = [
    '"x"',
    '""',
    "[1, 2]",
    "{ a = 1 }",
    "true",
    "-1",
    "1000000000000000000",
    "1e23",
    "nan",
    "inf",
]


def _toml(sect: str, key: str, literal: str) -> str:
    return f"[{sect}]\n{key} = {literal}\n"


@pytest.mark.parametrize("sect, key", sorted(SHAPES))
def test_every_known_key_refuses_every_wrong_shape(tmp_path: Path, sect: str, key: str) -> None:
    ok, _what = SHAPES[(sect, key)]
    cfg = tmp_path / "config.toml"
    refused = 0
    for lit in WRONG:
        cfg.write_text(_toml(sect, key, lit))
        import tomllib

        value = tomllib.loads(cfg.read_text())[sect][key]
        if ok(value):
            continue  # a right shape for this key (e.g. "x" for a string)
        with pytest.raises(ConfigError) as exc:
            load_config(cfg)
        msg = str(exc.value)
        assert f"[{sect}] {key} must be" in msg and "\n" not in msg, msg
        refused += 1
    assert refused >= 5


@pytest.mark.parametrize(
    "text, needle",
    [
        ('[cmdb]\nsource_priority = "x"\n', "[cmdb] source_priority must be"),
        ("[label]\nfields = 5\n", "[label] fields must be a table"),
        ('[label]\nbuildings = "01"\n', "[label] buildings must be a list"),
        ("[label.fields.seat]\nwidth = -3\n", "[label] field seat: width -3"),
        ("[cmdb]\nmissing_after = -2\n", "[cmdb] missing_after must be"),
        ("[ssh]\nconcurrency = -1\n", "[ssh] concurrency must be"),
        ("[database]\nlock_timeout = 1e23\n", "[database] lock_timeout must be"),
        ("[database]\nurl = 5\n", "[database] url must be"),
        ("cmdb = 5\n", "[cmdb] must be a table"),
    ],
)
def test_the_cli_says_one_line(tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    for args in (("ci", "list"), ("label", "parse", "D010101-001")):
        r = run_cli(
            f"sqlite:///{tmp_path / 'cmdb.sqlite'}",
            *args,
            cwd=tmp_path,
            env={"NETCMDB_CONFIG": str(cfg)},
        )
        assert_one_line(r, needle)
    assert (
        not (tmp_path / "cmdb.sqlite").exists()
        or json.loads(
            run_cli(
                f"sqlite:///{tmp_path / 'cmdb.sqlite'}", "ci", "list", "--json", cwd=tmp_path
            ).stdout
        )
        == []
    )


@pytest.mark.parametrize(
    "text",
    [
        '[scan]\nexclude = ["10.0.0.0/8"]\n',  # the profile's spelling, not [scan]'s
        "[scan]\nallow_public = true\n",
        "[scan]\nmax_hosts = 10\n",
        '[scan]\nscope = ["10.0.0.0/8"]\n',
    ],
    ids=["exclude", "allow_public", "max_hosts", "scope"],
)
def test_unknown_scan_keys_are_refused_not_ignored(tmp_path: Path, text: str) -> None:
    """[scan] decides what may be contacted: ``exclude = [...]`` (singular) used to be ignored
    without a word, so the admin's exclude was never applied. Now one line, and no scan runs."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    key = text.split("\n")[1].split(" ")[0]
    with pytest.raises(ConfigError, match=rf"\[scan\] unknown key '{key}' \(known: excludes"):
        load_config(cfg)
    r = run_cli(
        f"sqlite:///{tmp_path / 'c.sqlite'}",
        "scan",
        "10.0.0.1",
        "--snmp",
        "--dry-run",
        env={"NETCMDB_CONFIG": str(cfg)},
        cwd=tmp_path,
    )
    assert_one_line(r, f"unknown key '{key}'")


def test_config_show_hides_a_password_inside_the_database_url(tmp_path: Path) -> None:
    """``[database] url = "postgresql://u:secret@..."``: config show printed the password (the
    key is not a secret's name, its value carries one). Also in its error messages."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[database]\nurl = "postgresql+psycopg://u:S3cretPW@127.0.0.1:1/x?password=S3cretPW"\n'
    )
    cfg.chmod(0o600)
    for args in (["config", "show"], ["config", "show", "--json"], ["ci", "list"]):
        r = run_cli(None, *args, env={"NETCMDB_CONFIG": str(cfg)}, cwd=tmp_path)
        assert "S3cretPW" not in r.stdout + r.stderr, (args, r.stdout, r.stderr)
        assert "u:***@127.0.0.1:1" in r.stdout + r.stderr, (args, r.stdout, r.stderr)
