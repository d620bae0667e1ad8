"""Every option of every command, fed a wrong type, an empty string and a huge number: exit
status 2 (or a normal run), one line on stderr, no traceback, the CMDB unchanged.

The command tree is walked at test time, so commands added later are covered without editing
this file. In-process (``netcmdb.cli.main``) to keep ~400 runs fast; ``serve`` (a server that
would block) is the one command left out.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import click
import pytest
from hostilekit import cmdb_digest  # type: ignore[import-not-found]

SKIP_COMMANDS = {"serve"}
VALUES = {"wrong-type": "x;y", "empty": "", "huge": "9" * 400}
#: Parameter types whose values are free text: any string is a legitimate value for them.
_TEXT_TYPES = (click.types.StringParamType, click.types.Path, click.types.File)


def _options() -> list[tuple[tuple[str, ...], click.Option]]:
    from netcmdb.cli import cli

    out: list[tuple[tuple[str, ...], click.Option]] = []

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        if path and path[-1] in SKIP_COMMANDS:
            return
        for p in cmd.params:
            if (
                isinstance(p, click.Option)
                and not p.is_flag
                and not p.count
                and "--help" not in p.opts
            ):
                out.append((path, p))
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, (*path, name))

    walk(cli, ())
    return out


OPTIONS = _options()


def _run(args: list[str]) -> tuple[int, str, str]:
    from netcmdb.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = sys.argv
    sys.argv = ["netcmdb", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def cmdb(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    from netcmdb.demo import example_campus_path

    d = tmp_path_factory.mktemp("tree")
    url = f"sqlite:///{d / 'cmdb.sqlite'}"
    code, _out, err = _run(["--db", url, "import", "json", str(example_campus_path())])
    assert code == 0, err
    return url


@pytest.mark.timeout(900)
def test_the_tree_has_options() -> None:
    assert len(OPTIONS) > 50  # the walk found the tree (not an empty import)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("kind", sorted(VALUES))
def test_every_option_every_bad_value(
    cmdb: str,
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
    kind: str,
) -> None:
    monkeypatch.setenv("NETCMDB_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("NETCMDB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NETCMDB_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    before = cmdb_digest(cmdb)
    value = VALUES[kind]
    problems: list[str] = []
    for path, opt in OPTIONS:
        flag = max(opt.opts, key=len)
        args = ["--db", cmdb, *path, flag, value] if path else [flag, value, "ci", "list"]
        if flag == "--db":
            args = [*path, flag, value] if path else [flag, value, "ci", "list"]
        try:
            code, _out, err = _run(args)
        except Exception as exc:  # noqa: BLE001 - what the test looks for
            problems.append(f"{' '.join(args[2:])!r}: raised {type(exc).__name__}: {exc}")
            continue
        lines = err.splitlines()
        typed = not isinstance(opt.type, _TEXT_TYPES) and opt.type is not click.STRING
        where = f"{' '.join(path)} {flag} {value[:12]!r}"
        if "Traceback" in err:
            problems.append(f"{where}: traceback")
        elif code not in (0, 2):
            problems.append(f"{where}: exit {code}: {err[-200:]!r}")
        elif code == 2 and len(lines) != 1:
            problems.append(f"{where}: {len(lines)} lines on stderr: {err[-300:]!r}")
        elif typed and code != 2:
            problems.append(f"{where}: a {opt.type.name} option took it (exit {code})")
        if cmdb_digest(cmdb) != before:
            problems.append(f"{where}: the CMDB changed")
            before = cmdb_digest(cmdb)
    assert problems == [], "\n" + "\n".join(problems)


def test_the_walk_covers_commands_added_later() -> None:
    """A command added to the tree after import is found by the same walk."""
    from netcmdb.cli import cli

    @click.command("zz-hostile-probe")
    @click.option("--count", type=int)
    def probe(count: int | None) -> None:  # pragma: no cover - never run
        pass

    cli.add_command(probe)
    try:
        found = [p for path, p in _options() if path == ("zz-hostile-probe",)]
        assert [p.name for p in found] == ["count"]
    finally:
        cli.commands.pop("zz-hostile-probe")
    json.dumps(VALUES)
