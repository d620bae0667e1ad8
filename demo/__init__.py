"""``python -m netcmdb.demo OUTDIR`` (what ``make demo`` runs): the main job end to end on the
bundled example campus, outputs written to OUTDIR.

The demo is a list of named steps (:data:`STEPS`). Each step is a function taking the shared
:class:`Demo` state and returning a one-line result; a step that cannot run here raises
:class:`Skip` with the reason (e.g. "needs root"), and the demo goes on. Other areas add their
steps (scan, labels, impact, exporters) by appending to :data:`STEPS`.

The ``netcmdb.demo`` package holds the demo and everything only the demo, the tests and the
benchmarks need: the step protocol (``base``), the exporters' steps (``export_steps``), the
simulated SNMP campus (``snmp_campus``, ``sim/``: the campus generator and the snmpsim runner),
the namespace lab builders (``lab/``) and the sweep step (``sweep``). The library never imports
it (checked by tests/test_architecture.py); it imports the library.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from netcmdb.demo.base import Demo, Skip, Step, example_campus_path
from netcmdb.demo.export_steps import demo_steps

__all__ = ["STEPS", "Demo", "Skip", "Step", "example_campus_path", "main", "run"]


def step_init(d: Demo) -> str:
    from netcmdb.cmdb.db import make_engine, upgrade

    if d.db_path.exists():  # a fresh CMDB every time the demo runs
        for suffix in ("", "-wal", "-shm"):
            Path(str(d.db_path) + suffix).unlink(missing_ok=True)
    d.engine = make_engine(d.db_url)
    _before, after = upgrade(d.engine)
    return f"created {d.db_path} (schema {after})"


def step_import(d: Demo) -> str:
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.importer import import_json_file

    assert d.engine is not None
    path = example_campus_path()
    with session_scope(d.engine) as s:
        summary = import_json_file(s, path)
    d.data["import"] = summary
    return f"imported the example campus: {len(summary.new)} CIs (run {summary.run_id})"


def step_export_json(d: Demo) -> str:
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import export_document

    assert d.engine is not None
    with session_scope(d.engine) as s:
        doc = export_document(s)
    out = d.outdir / "cmdb.json"
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    d.data["doc"] = doc
    return (
        f"{out.name}: {len(doc['cis'])} CIs, {len(doc['links'])} links, "
        f"{len(doc['dependencies'])} dependencies, {len(doc['groups'])} groups"
    )


def step_export_csv(d: Demo) -> str:
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import export_csv

    assert d.engine is not None
    written = []
    with session_scope(d.engine) as s:
        for table, name in (("cis", "assets.csv"), ("links", "links.csv")):
            (d.outdir / name).write_text(export_csv(s, table), encoding="utf-8")
            written.append(name)
    return ", ".join(written)


def step_summary(d: Demo) -> str:
    doc = d.data.get("doc")
    if doc is None:
        raise Skip("nothing exported")
    classes = Counter(c["class"] for c in doc["cis"])
    buildings = Counter(
        c["location"]["building"] for c in doc["cis"] if "building" in c.get("location", {})
    )
    d.data["classes"] = classes
    parts = ", ".join(f"{n} {k}" for k, n in classes.most_common())
    return f"{parts}; buildings: " + ", ".join(f"{b}: {n}" for b, n in sorted(buildings.items()))


STEPS: list[Step] = [
    Step("init", step_init),
    Step("import example campus", step_import),
    Step("export json", step_export_json),
    Step("export csv", step_export_csv),
    Step("summary", step_summary),
]

# ---- exporters demo steps ----
STEPS.extend(demo_steps())


# ---- labels, impact, discovery demo steps ----
def _cli(d: Demo, *args: str) -> str:
    """Run a ``netcmdb`` command on the demo CMDB exactly as a user would; its stdout."""
    from click.testing import CliRunner

    from netcmdb.cli import cli

    if d.engine is not None:
        d.engine.dispose()  # the command opens its own connection
    res = CliRunner().invoke(cli, ["--db", d.db_url, *args], catch_exceptions=True)
    if res.exit_code != 0:
        detail = res.output.strip().splitlines()[-1:] or [repr(res.exception)]
        raise RuntimeError(f"netcmdb {' '.join(args)}: {detail[0]}")
    return res.output


def step_labels(d: Demo) -> str:
    out = json.loads(_cli(d, "label", "assign", "--json"))
    assigned = out.get("assigned", out) if isinstance(out, dict) else out
    n = len(assigned) if isinstance(assigned, list) else assigned
    _cli(
        d,
        "label",
        "print",
        "--room",
        "D010210",
        "--format",
        "pdf",
        "--template",
        "L7160",
        "--out",
        str(d.outdir / "labels-D010210.pdf"),
    )
    _cli(
        d,
        "label",
        "print",
        "--building",
        "01",
        "--class",
        "switch",
        "--format",
        "zpl",
        "--out",
        str(d.outdir / "labels-switches-01.zpl"),
    )
    _cli(
        d,
        "label",
        "print",
        "--building",
        "02",
        "--format",
        "csv",
        "--out",
        str(d.outdir / "labels-02.csv"),
    )
    _cli(d, "label", "sheet", "D010210", "--out", str(d.outdir / "walk-sheet-D010210.pdf"))
    return (
        f"{n} new labels assigned; labels-D010210.pdf (Avery L7160), "
        "labels-switches-01.zpl, labels-02.csv, walk-sheet-D010210.pdf"
    )


def step_impact(d: Demo) -> str:
    target = "sw-dist-01-1"
    report = json.loads(_cli(d, "impact", target, "--json"))
    (d.outdir / "impact-sw-dist-01-1.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    _cli(
        d,
        "impact",
        "sw-acc-0101-1",
        "sw-acc-0101-2",
        "--format",
        "html",
        "--out",
        str(d.outdir / "impact-room-0101.html"),
    )
    both = json.loads(_cli(d, "impact", "sw-acc-0101-1", "sw-acc-0101-2", "--json"))
    spof = json.loads(_cli(d, "topology", "spof", "--json"))
    (d.outdir / "spof.json").write_text(
        json.dumps(spof, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    _cli(d, "topology", "draw", "--format", "html", "--out", str(d.outdir / "topology.html"))
    s1, s2 = report["summary"], both["summary"]
    n_spof = len(spof) if isinstance(spof, list) else len(spof.get("spofs", []))
    return (
        f"reboot {target}: {s1['down']} down, {s1['at_risk']} at risk; both access switches "
        f"of 0101: {s2['down']} down; {n_spof} single points of failure; topology.html"
    )


def step_snmp_campus(d: Demo) -> str:
    from netcmdb.demo.snmp_campus import demo_snmp_campus

    out = d.outdir / "snmp-campus"
    return demo_snmp_campus(out, db_url=f"sqlite:///{out / 'cmdb.sqlite'}")


def step_sweep(d: Demo) -> str:
    from netcmdb.demo.sweep import demo_sweep

    out = d.outdir / "sweep"
    out.mkdir(parents=True, exist_ok=True)
    return demo_sweep(out, f"sqlite:///{out / 'cmdb.sqlite'}", skip=Skip)


STEPS.extend(
    [
        Step("labels: assign + print", step_labels),
        Step("impact + spof", step_impact),
        Step("SNMP crawl of a simulated campus (loopback)", step_snmp_campus),
        Step("ARP/ICMP/TCP sweep of a namespace LAN (root)", step_sweep),
    ]
)


def run(outdir: Path, steps: list[Step] | None = None) -> list[tuple[str, str, str, float]]:
    """Run the steps; returns (name, status ok|skipped|failed, detail, seconds) per step."""
    outdir.mkdir(parents=True, exist_ok=True)
    d = Demo(outdir=outdir, db_path=outdir / "netcmdb.sqlite")
    results = []
    for step in steps or STEPS:
        t = time.perf_counter()
        try:
            detail, status = step.run(d), "ok"
        except Skip as exc:
            detail, status = str(exc), "skipped"
        except Exception as exc:  # noqa: BLE001 - the demo reports every step, then fails
            detail, status = f"{type(exc).__name__}: {exc}", "failed"
        results.append((step.name, status, detail, time.perf_counter() - t))
    if d.engine is not None:
        d.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0] if args else "demo-out")
    results = run(outdir)
    table = Table(
        "step", "status", "result", "s", title=f"netcmdb demo -> {outdir}/", title_justify="left"
    )
    style = {"ok": "green", "skipped": "yellow", "failed": "bold red"}
    for name, status, detail, secs in results:
        table.add_row(name, f"[{style[status]}]{status}[/]", detail, f"{secs:.1f}")
    console = Console()
    console.print(table)
    db = f"sqlite:///{(outdir / 'netcmdb.sqlite').resolve()}"
    console.print(f"try: netcmdb --db {db} ci show D010210-009", markup=False, highlight=False)
    # the last line: the one command that serves this CMDB in a browser
    console.print(
        f"serve it in a browser: netcmdb --db {db} serve  (then open http://127.0.0.1:8080/)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 1 if any(r[1] == "failed" for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
