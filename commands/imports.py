"""`netcmdb import json|csv|nmap`: CIs from files, each import one transaction."""

from __future__ import annotations

import click

from netcmdb.commands.common import (
    console,
    engine_of,
    location_parser_of,
    print_json,
    print_run_summary,
    reconcile_config,
    summary_line,
)


@click.group("import")
def group() -> None:
    """Import CIs from a file (one transaction: all or nothing)."""


def _do_import(ctx: click.Context, kind: str, path: str, as_json: bool) -> None:
    from contextlib import nullcontext

    from netcmdb.cmdb import importer
    from netcmdb.cmdb.db import session_scope

    cfg = reconcile_config(ctx)
    func = importer.import_json_file if kind == "json" else importer.import_csv_file
    err = console(err=True)
    # one transaction, no meaningful steps to count: a spinner on a terminal, silence otherwise
    busy = (err.status(f"importing {path} ...") if err.is_terminal and not as_json
            else nullcontext())
    with busy, session_scope(engine_of(ctx)) as s:
        summary = func(s, path, config=cfg)
    if as_json:
        print_json({"run": summary.run_id, "new": summary.new, "changed": summary.changed,
                     "seen": summary.seen})
    else:
        click.echo(summary_line(f"imported {path}", summary))


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
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.reconcile import ingest
    from netcmdb.discovery.nmapxml import parse

    results = parse(xml_file)  # all parsing before the CMDB is touched: bad file, no change
    live = [r for r in results if r.alive]
    engine = engine_of(ctx)
    with session_scope(engine) as session:
        summary = ingest(session, live, source="nmap", targets=[xml_file], methods=["nmap"],
                         covered=[], config=reconcile_config(ctx),
                         location_parser=location_parser_of(ctx))
    print_run_summary(summary, as_json, f"import nmap ({len(live)} up of {len(results)} hosts)")

