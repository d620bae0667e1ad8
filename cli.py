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


# ---- exporters commands ----
_EXPORT_FORMATS = {
    # name: (help, writes a directory)
    "xlsx": ("Asset register workbook: one sheet per building (Excel / WPS / LibreOffice).", False),
    "yaml": ("The netcmdb/1 document as YAML.", False),
    "graphml": ("Graph for yEd / Gephi / networkx (GraphML).", False),
    "gexf": ("Graph for Gephi (GEXF 1.2).", False),
    "dot": ("Graphviz DOT source of the graph.", False),
    "svg": ("Graph drawn by Graphviz as SVG (up to 3,000 CIs: select a part).", False),
    "drawio": ("diagrams.net / draw.io diagram.", False),
    "netbox": ("NetBox bulk-import CSV files (a directory, with a README.txt).", True),
    "report": ("Self-contained HTML asset report with charts.", False),
}


def _export_selected_document(ctx: click.Context, buildings: tuple[str, ...],
                              classes: tuple[str, ...]) -> tuple[dict, object]:
    """Read the CMDB once (one transaction) as a netcmdb/1 document, plus the last run."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.document import select
    from netcmdb.exporters.netcmdb_json import export_document
    from netcmdb.exporters.report import last_run

    with session_scope(engine_of(ctx)) as session:
        doc = export_document(session)
        run = last_run(session)
    return select(doc, buildings=buildings or None, classes=classes or None), run


def _write_export(fmt: str, doc: dict, run: object, out: str, selection: str) -> str:
    from netcmdb.exporters import graph, netbox, report, xlsx, yaml_fmt
    from netcmdb.exporters.output import atomic_dir, atomic_file

    if fmt == "netbox":
        with atomic_dir(out) as tmp:
            result = netbox.write_netbox(doc, tmp)
        n_dev = len(result.rows["07_devices.csv"])
        return f"{n_dev} devices, {len(result.skipped)} items not exportable (see README.txt)"
    writers = {"xlsx": xlsx.write_xlsx, "yaml": yaml_fmt.write_yaml,
               "graphml": graph.write_graphml, "gexf": graph.write_gexf,
               "dot": graph.write_dot, "svg": graph.write_svg, "drawio": graph.write_drawio}
    with atomic_file(out) as tmp:
        if fmt == "report":
            report.write_report(doc, tmp, run=run, selection=selection)
        else:
            writers[fmt](doc, tmp)
    return f"{len(doc['cis'])} CIs"


def _make_export_command(fmt: str, help_text: str, is_dir: bool) -> None:
    @export_cmd.command(fmt, help=help_text)
    @click.option("--building", "buildings", multiple=True, metavar="B",
                  help="Only CIs in this building (repeatable).")
    @click.option("--class", "classes", multiple=True, metavar="CLASS",
                  help="Only CIs of this class (repeatable).")
    @click.option("--out", "out", required=True,
                  type=click.Path(dir_okay=is_dir, file_okay=not is_dir, writable=True),
                  help="Output directory." if is_dir else "Output file.")
    @click.pass_context
    def _cmd(ctx: click.Context, buildings: tuple[str, ...], classes: tuple[str, ...],
             out: str) -> None:
        doc, run = _export_selected_document(ctx, buildings, classes)
        selection = " ".join([f"building={b}" for b in buildings] +
                             [f"class={c}" for c in classes])
        summary = _write_export(fmt, doc, run, out, selection)
        click.echo(f"wrote {out} ({summary})", err=True)


for _fmt, (_help, _is_dir) in _EXPORT_FORMATS.items():
    _make_export_command(_fmt, _help, _is_dir)
