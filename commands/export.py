"""`netcmdb export FORMAT`: the CMDB (or a selection of it) in every export format."""

from __future__ import annotations

import click

from netcmdb.commands.common import engine_of, write_out


@click.group("export")
def group() -> None:
    """Export the CMDB and its graph."""


@group.command("json")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
@click.pass_context
def export_json_cmd(ctx: click.Context, output: str | None) -> None:
    """Export the whole CMDB as netcmdb/1 JSON (re-importable)."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import document_json, export_document

    with session_scope(engine_of(ctx)) as s:
        doc = export_document(s)
    write_out(document_json(doc), output)


@group.command("csv")
@click.option("--table", default="cis", show_default=True,
              type=click.Choice(["cis", "links", "dependencies", "groups", "interfaces",
                                 "changes", "runs"]),
              help="cis is the flat asset list (re-importable); others are one table each.")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
@click.pass_context
def export_csv_cmd(ctx: click.Context, table: str, output: str | None) -> None:
    """Export the flat asset list (or another table) as CSV."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import export_csv

    with session_scope(engine_of(ctx)) as s:
        text = export_csv(s, table)
    write_out(text, output)


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
    part = select(doc, buildings=buildings or None, classes=classes or None)
    if run is not None and (buildings or classes):  # the report shows the selection only
        names = {ci["name"] for ci in part["cis"]}
        run.new = [n for n in run.new if n in names]
        run.missing = [n for n in run.missing if n in names]
    return part, run


def _write_export(fmt: str, doc: dict, run: object, out: str, selection: str) -> str:
    import importlib

    from netcmdb.atomic import atomic_dir
    from netcmdb.atomic import atomic_path as atomic_file

    if fmt == "netbox":
        from netcmdb.exporters import netbox

        with atomic_dir(out) as tmp:
            result = netbox.write_netbox(doc, tmp)
        n_dev = len(result.rows["07_devices.csv"])
        return f"{n_dev} devices, {len(result.skipped)} items not exportable (see README.txt)"
    # (module, function): imported on demand, so `export yaml` does not load openpyxl.
    writers = {"xlsx": ("xlsx", "write_xlsx"), "yaml": ("yaml_fmt", "write_yaml"),
               "graphml": ("graph", "write_graphml"), "gexf": ("graph", "write_gexf"),
               "dot": ("graph", "write_dot"), "svg": ("graph", "write_svg"),
               "drawio": ("graph", "write_drawio"), "report": ("report", "write_report")}
    module, func = writers[fmt]
    writer = getattr(importlib.import_module(f"netcmdb.exporters.{module}"), func)
    with atomic_file(out) as tmp:
        if fmt == "report":
            writer(doc, tmp, run=run, selection=selection)
        else:
            writer(doc, tmp)
    return f"{len(doc['cis'])} CIs"


def _make_export_command(fmt: str, help_text: str, is_dir: bool) -> None:
    @group.command(fmt, help=help_text)
    @click.option("--building", "buildings", multiple=True, metavar="B",
                  help="Only CIs in this building (repeatable).")
    @click.option("--class", "classes", multiple=True, metavar="CLASS",
                  help="Only CIs of this class (repeatable).")
    @click.option("--out", "-o", "--output", "out", required=True,
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


