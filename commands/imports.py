"""`netcmdb import json|csv|nmap`: CIs from files, each import one transaction."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, console, echo_summary, print_run_summary
from netcmdb.i18n import _
from netcmdb.services import ingest


@click.group("import")
def group() -> None:
    """Import CIs from a file (one transaction: all or nothing)."""


def _do_import(ctx: click.Context, kind: str, path: str, as_json: bool) -> None:
    from contextlib import nullcontext

    cmdb = cmdb_of(ctx)
    cmdb.reconcile_config()  # a bad config file is reported before the spinner starts
    err = console(err=True)
    # one transaction, no meaningful steps to count: a spinner on a terminal, silence otherwise
    busy = (
        err.status(_("importing {path} ...").format(path=path))
        if err.is_terminal and not as_json
        else nullcontext()
    )
    with busy:
        summary = ingest.import_file(cmdb, kind, path)
    if as_json:
        print_run_summary(summary, True, "")
    else:
        echo_summary(_("imported {path}").format(path=path), summary)


@group.command("json")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_context
def import_json_cmd(ctx: click.Context, path: str, as_json: bool) -> None:
    """Import a netcmdb/1 JSON file (all or nothing)."""
    _do_import(ctx, "json", path, as_json)


@group.command("csv")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_context
def import_csv_cmd(ctx: click.Context, path: str, as_json: bool) -> None:
    """Import the flat CSV asset list (columns as `export csv` writes them)."""
    _do_import(ctx, "csv", path, as_json)


@group.command("nmap")
@click.argument("xml_file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="JSON summary on stdout.")
@click.pass_context
def import_nmap_cmd(ctx: click.Context, xml_file: str, as_json: bool) -> None:
    """Import hosts, MACs, names, open ports and OS guesses from nmap -oX output."""
    # the whole file is parsed before the CMDB is touched: a bad file changes nothing
    summary, up, total = ingest.import_nmap(cmdb_of(ctx), xml_file)
    print_run_summary(
        summary, as_json, _("import nmap ({up} up of {total} hosts)").format(up=up, total=total)
    )
