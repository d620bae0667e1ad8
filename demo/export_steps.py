"""The exporters' steps of ``make demo``: the example campus as the files admins hand around.

Appended to :data:`netcmdb.demo.STEPS` (see demo/__init__.py). Each step reads the document
that the "export json" step left in ``Demo.data["doc"]`` and writes into the demo's output
directory.

Must not import ``cli`` or ``discovery``.
"""

from __future__ import annotations

from netcmdb.demo.base import Demo, Skip, Step


def step_export_office(d: Demo) -> str:
    """assets.xlsx, cmdb.yaml and report.html (with the last run's new / missing CIs)."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters import report, xlsx, yaml_fmt

    doc = d.data.get("doc")
    if doc is None:
        raise Skip("no document: the export json step did not run")
    counts = xlsx.write_xlsx(doc, d.outdir / "assets.xlsx")
    yaml_fmt.write_yaml(doc, d.outdir / "cmdb.yaml")
    run = None
    if d.engine is not None:
        with session_scope(d.engine) as s:
            run = report.last_run(s)
    report.write_report(
        doc, d.outdir / "report.html", run=run, title="netcmdb asset report: example campus"
    )
    spofs = report.simple_spof(doc)
    return (
        f"assets.xlsx ({len(counts)} building sheets), cmdb.yaml, report.html "
        f"({len(spofs)} single points of failure)"
    )


def step_export_graphs(d: Demo) -> str:
    """campus.graphml / .gexf / .drawio / .dot / .svg and the NetBox import files."""
    import shutil

    from netcmdb.exporters import graph, netbox

    doc = d.data.get("doc")
    if doc is None:
        raise Skip("no document: the export json step did not run")
    written = []
    for ext, writer in (
        ("graphml", graph.write_graphml),
        ("gexf", graph.write_gexf),
        ("drawio", graph.write_drawio),
        ("dot", graph.write_dot),
    ):
        writer(doc, d.outdir / f"campus.{ext}")
        written.append(f"campus.{ext}")
    if shutil.which("dot") and len(doc["cis"]) <= graph.MAX_LAYOUT_NODES:
        graph.write_svg(doc, d.outdir / "campus.svg")
        written.append("campus.svg")
    result = netbox.write_netbox(doc, d.outdir / "netbox")
    written.append(
        f"netbox/ ({len(result.rows['07_devices.csv'])} devices, "
        f"{len(result.rows['11_cables.csv'])} cables)"
    )
    return ", ".join(written)


def demo_steps() -> list[Step]:
    """The steps, as :class:`netcmdb.demo.base.Step` objects."""
    return [
        Step("export xlsx/yaml/report", step_export_office),
        Step("export graphs and NetBox", step_export_graphs),
    ]
