"""Every click option more than one command takes, defined once (pip-tools' scripts/options.py).

A command stacks these decorators; an option that means two things gets two names. Options one
command alone takes stay in that command's module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def json_option(help: str = "Print JSON.") -> Callable[[F], F]:
    """``--json``: print the command's result as JSON on stdout (keys stay English)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def dry_run_option(help: str = "Show what would change; write nothing.") -> Callable[[F], F]:
    """``--dry-run``: the one "do not write" flag."""
    return click.option("--dry-run", is_flag=True, help=help)


def out_option(
    required: bool = False, help: str = "Write to FILE instead of stdout.", dir_okay: bool = False
) -> Callable[[F], F]:
    """``-o/--out FILE`` (``--output`` accepted too): where a command writes its file."""
    return click.option(
        "-o",
        "--out",
        "--output",
        "out",
        required=required,
        metavar="DIR" if dir_okay else "FILE",
        type=click.Path(dir_okay=dir_okay, file_okay=not dir_okay, writable=True),
        help=help,
    )


rule_option = click.option(
    "--rule",
    "rule_spec",
    metavar="PRESET|FILE",
    default=None,
    help="Label rule: 'default', 'wide' or a TOML file ([label] table); "
    "default: the config file's [label] table.",
)

root_option = click.option(
    "--root",
    "roots",
    multiple=True,
    metavar="NAME",
    help="Upstream root CI (repeatable; default: CIs with role core or gateway).",
)


def nonempty(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """An empty filter is an error, never "everything" (leave the option out for that)."""
    values = value if isinstance(value, tuple) else (value,)
    if any(v is not None and not str(v).strip() for v in values):
        raise click.BadParameter(
            "empty; leave the option out to select everything", ctx=ctx, param=param
        )
    return value


def building_filter(dest: str = "building") -> Callable[[F], F]:
    """``--building B``: only CIs (or rooms) of this building."""
    return click.option(
        "--building", dest, metavar="B", callback=nonempty, help="Only this building (e.g. 01)."
    )


def room_filter(dest: str = "room") -> Callable[[F], F]:
    """``--room ROOM``: only this room, in any room notation (``D010210``, ``D0102 10``,
    ``01/02/10``; ``0210`` with --building)."""
    return click.option(
        "--room",
        dest,
        metavar="ROOM",
        callback=nonempty,
        help="Only this room: D010210 (also D0102 10, 01/02/10, or 0210 with --building).",
    )


def class_filter(dest: str = "ci_class") -> Callable[[F], F]:
    """``--class CLASS``: only CIs of this class."""
    return click.option(
        "--class",
        dest,
        metavar="CLASS",
        callback=nonempty,
        help="Only this class (switch, pc, printer...).",
    )


def bulk_selection(f: F) -> F:
    """``--where-room / --where-building / --where-class / --where-status``: which CIs a bulk
    edit changes (``ci set`` without a CI). Distinct from the values it sets (``--class``,
    ``--status``... set those on one CI)."""
    for opt in reversed(
        (
            click.option(
                "--where-room",
                metavar="ROOM",
                callback=nonempty,
                help="Bulk edit: the CIs in this room (D010210, 01/02/10, or 0210 with "
                "--where-building).",
            ),
            click.option(
                "--where-building",
                metavar="B",
                callback=nonempty,
                help="Bulk edit: the CIs in this building (e.g. 01).",
            ),
            click.option(
                "--where-class",
                metavar="CLASS",
                callback=nonempty,
                help="Bulk edit: the CIs of this class (switch, pc, printer...).",
            ),
            click.option(
                "--where-status",
                type=click.Choice(["active", "missing", "retired"]),
                help="Bulk edit: the CIs with this status.",
            ),
        )
    ):
        f = opt(f)
    return f


buildings_option = click.option(
    "--building",
    "buildings",
    multiple=True,
    metavar="B",
    callback=nonempty,
    help="Only CIs in this building (repeatable).",
)

classes_option = click.option(
    "--class",
    "classes",
    multiple=True,
    metavar="CLASS",
    callback=nonempty,
    help="Only CIs of this class (repeatable).",
)


def _set_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        root = ctx.find_root()
        root.obj = root.obj if root.obj is not None else {}
        root.obj["db_url"] = value


def db_option() -> click.Option:
    """``--db URL`` on a subcommand: the same as the root's ``netcmdb --db URL``.

    ``cli.py`` gives every command this option (README: every command takes ``--db``).
    """
    return click.Option(
        ["--db"],
        metavar="URL",
        expose_value=False,
        callback=_set_db,
        help="SQLAlchemy URL of the CMDB (as netcmdb --db; default: "
        "NETCMDB_DB, the config file, else SQLite in the user data dir).",
    )


#: The largest whole number any option takes (a 32-bit INTEGER column, a LIMIT...).
INT_MAX = 2**31 - 1


def bound_numbers(root: click.Command) -> None:
    """Give every whole-number option in the tree an upper bound of :data:`INT_MAX` (and keep
    its lower one), so ``--limit 99999...`` is one usage error, not an overflow deep inside.
    Idempotent; ``cli.py`` calls it before each parse, so later commands are covered too."""
    for p in root.params:
        t = p.type
        if isinstance(t, click.IntRange):
            if t.max is None or t.max > INT_MAX:
                p.type = click.IntRange(t.min, INT_MAX, min_open=t.min_open, clamp=t.clamp)
        elif t is click.INT or type(t) is click.types.IntParamType:
            p.type = click.IntRange(None, INT_MAX)
    for sub in getattr(root, "commands", {}).values():
        bound_numbers(sub)
