"""The ``netcmdb`` command. Thin: parse options, call library functions, render with rich/JSON.

The only module that knows every package. Library errors (``NetcmdbError``) become one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys

import click

from netcmdb import __version__
from netcmdb.errors import NetcmdbError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netcmdb")
@click.option("--db", "db_url", envvar="NETCMDB_DB", default=None, metavar="URL",
              help="SQLAlchemy URL of the CMDB (default: SQLite in the user data dir).")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, verbose: int) -> None:
    """Find every device on the network, keep it in a CMDB, label it, and know what breaks."""
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    ctx.obj["verbose"] = verbose


def engine_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The CMDB engine for this invocation (created once, schema ensured by the foundation)."""
    from netcmdb.cmdb.db import make_engine

    root = ctx.find_root()
    if "engine" not in root.obj:
        root.obj["engine"] = make_engine(root.obj.get("db_url"))
    return root.obj["engine"]


def main() -> None:
    """Console-script entry point: library errors are one line and exit status 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except NetcmdbError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


# Command groups, defined here once so every area can add its commands to them.
@cli.group("ci")
def ci_cmd() -> None:
    """List, show and edit configuration items."""


@cli.group("runs")
def runs_cmd() -> None:
    """Scan history: what each run found new, changed or missing."""


@cli.group("import")
def import_cmd() -> None:
    """Import CIs from a file (one transaction: all or nothing)."""


@cli.group("export")
def export_cmd() -> None:
    """Export the CMDB and its graph."""


@cli.group("config")
def config_cmd() -> None:
    """The TOML config file (defaults, scopes, credentials references, label rule)."""


@cli.group("label")
def label_cmd() -> None:
    """Asset labels: parse, check, assign, walk, print."""


@cli.group("topology")
def topology_cmd() -> None:
    """The relationship graph: single points of failure, paths, pictures."""
