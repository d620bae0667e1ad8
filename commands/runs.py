"""`netcmdb runs list|show|diff`: the scan and import history."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, console, print_json
from netcmdb.i18n import _
from netcmdb.services import runs


@click.group("runs")
def group() -> None:
    """Scan history: what each run found new, changed or missing."""


@group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def runs_list_cmd(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Scan and import runs, newest first."""
    from rich.table import Table

    found = runs.list_runs(cmdb_of(ctx), limit)
    if as_json:
        print_json(found)
        return
    t = Table(
        _("run"),
        _("started"),
        _("status"),
        _("methods"),
        _("targets"),
        _("seen"),
        _("new"),
        _("changed"),
        _("moved"),
        _("missing"),
        _("failed"),
        title=_("{n} runs").format(n=len(found)),
        title_justify="left",
    )
    for r in found:
        targets = " ".join(r["targets"])
        t.add_row(
            str(r["id"]),
            (r["started"] or "")[:19],
            r["status"],
            ",".join(r["methods"]),
            targets if len(targets) < 40 else targets[:37] + "...",
            str(r["seen"]),
            str(r["new"]),
            str(r["changed"]),
            str(r["moved"]),
            str(r["missing"]),
            str(r["failed"]),
        )
    console().print(t)


@group.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def runs_show_cmd(ctx: click.Context, run_id: str, as_json: bool) -> None:
    """What one run found: new, changed, moved and missing CIs, and failed hosts."""
    from rich.table import Table

    d = runs.show_run(cmdb_of(ctx), run_id)
    if as_json:
        print_json(d)
        return
    con = console()
    con.print(
        f"run {d['id']}  {d['status']}  {','.join(d['methods'])}  "
        f"{' '.join(d['targets'])}  started {d['started']}  finished {d['finished']}"
    )
    for kind in ("new", "changed", "moved", "missing"):
        items = d[f"{kind}_cis"]
        if items:
            t = Table("id", "name", "ip", title=f"{kind} ({len(items)})", title_justify="left")
            for c in items:
                t.add_row(str(c["id"]), c["name"], c["ip"] or "")
            con.print(t)
    if d["changes"]:
        t = Table("ci", "attribute", "old", "new", "source", title="changes", title_justify="left")
        for c in d["changes"]:
            t.add_row(c["ci"], c["attribute"], c["old"] or "", c["new"] or "", c["source"])
        con.print(t)
    failed = [e for e in d["errors"] if e.get("kind") != "warning"]
    warned = [e for e in d["errors"] if e.get("kind") == "warning"]
    for rows, title in ((failed, "failed"), (warned, "warnings")):
        if not rows:
            continue
        t = Table(
            "target",
            "kind",
            "error" if title == "failed" else "warning",
            title=f"{title} ({len(rows)})",
            title_justify="left",
        )
        for e in rows:
            t.add_row(e.get("target", ""), e.get("kind", ""), e.get("error", ""))
        con.print(t)


@group.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def runs_diff_cmd(ctx: click.Context, run_a: str, run_b: str, as_json: bool) -> None:
    """Compare two runs: CIs seen by only one of them, and changes in between."""
    d = runs.diff_runs(cmdb_of(ctx), run_a, run_b)
    if as_json:
        print_json(d)
        return
    con = console()
    con.print(f"runs {d['from']} -> {d['to']}: {d['in_both']} CIs in both")
    for name in d["only_in_from"]:
        con.print(f"- {name}  (seen in run {d['from']} only)")
    for name in d["only_in_to"]:
        con.print(f"+ {name}  (seen in run {d['to']} only)")
    for c in d["changes"]:
        con.print(
            f"~ {c['ci']}: {c['attribute']}: {c['old'] or '-'} -> {c['new'] or '-'}"
            f"  (run {c['run']})"
        )
