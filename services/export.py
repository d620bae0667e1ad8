"""Exports for every face: the one table of formats, and the writers the CLI and the web call.

Must not import click, rich or a web framework.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from netcmdb.services.context import Cmdb


class Format(NamedTuple):
    help: str
    is_dir: bool  # writes a directory of files
    module: str  # netcmdb.exporters.<module>
    func: str  # its writer(doc, path[, run=, selection=])


#: every file format ``export FORMAT -o OUT`` writes from a (selected) netcmdb/1 document.
#: (``export json`` and ``export csv`` are the re-importable dumps: :func:`json_text`,
#: :func:`csv_text`.)
FORMATS: dict[str, Format] = {
    "xlsx": Format(
        "Asset register workbook: one sheet per building (Excel / WPS / LibreOffice).",
        False,
        "xlsx",
        "write_xlsx",
    ),
    "yaml": Format("The netcmdb/1 document as YAML.", False, "yaml_fmt", "write_yaml"),
    "graphml": Format(
        "Graph for yEd / Gephi / networkx (GraphML).", False, "graph", "write_graphml"
    ),
    "gexf": Format("Graph for Gephi (GEXF 1.2).", False, "graph", "write_gexf"),
    "dot": Format("Graphviz DOT source of the graph.", False, "graph", "write_dot"),
    "svg": Format(
        "Graph drawn by Graphviz as SVG (up to 3,000 CIs: select a part).",
        False,
        "graph",
        "write_svg",
    ),
    "drawio": Format("diagrams.net / draw.io diagram.", False, "graph", "write_drawio"),
    "netbox": Format(
        "NetBox bulk-import CSV files (a directory, with a README.txt).",
        True,
        "netbox",
        "write_netbox",
    ),
    "report": Format(
        "Self-contained HTML asset report with charts.", False, "report", "write_report"
    ),
}

#: tables ``export csv --table`` writes; ``cis`` is the flat, re-importable asset list.
CSV_TABLES = ("cis", "links", "dependencies", "groups", "interfaces", "changes", "runs")


def json_text(cmdb: Cmdb) -> str:
    """The whole CMDB as netcmdb/1 JSON text (re-importable)."""
    from netcmdb.exporters.netcmdb_json import document_json, export_document

    with cmdb.session() as s:
        doc = export_document(s)
    return document_json(doc)  # type: ignore[no-any-return]


def csv_text(cmdb: Cmdb, table: str = "cis", *, cis: dict[str, Any] | None = None) -> str:
    """One table as CSV text (``cis``: the flat asset list ``import csv`` reads back), every
    cell formula-neutralised. ``cis``: only the CIs these ``ci list`` filters select
    (``class``, ``building``, ``floor``, ``room``, ``status``, ``role``, ``vendor``, ``ids``)."""
    from netcmdb.exporters.netcmdb_json import export_csv

    with cmdb.session() as s:
        return export_csv(s, table, cis)  # type: ignore[no-any-return]


def selected_document(
    cmdb: Cmdb,
    buildings: Sequence[str] = (),
    classes: Sequence[str] = (),
    *,
    cis: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], Any]:
    """The CMDB read once (one transaction) as a netcmdb/1 document, narrowed to ``buildings``
    and ``classes`` (and to the CIs the ``cis`` filters select, as :func:`csv_text`), plus the
    last run (narrowed alike, for the report)."""
    from netcmdb.exporters.document import select
    from netcmdb.exporters.netcmdb_json import ci_records, export_document
    from netcmdb.exporters.report import last_run

    with cmdb.session() as session:
        doc = export_document(session)
        run = last_run(session)
        wanted = {r["name"] for r in ci_records(session, cis)} if cis is not None else None
    part = select(
        doc, buildings=tuple(buildings) or None, classes=tuple(classes) or None, names=wanted
    )
    if run is not None and (buildings or classes or cis is not None):  # the selection only
        names = {ci["name"] for ci in part["cis"]}
        run.new = [n for n in run.new if n in names]
        run.missing = [n for n in run.missing if n in names]
    return part, run


#: formats that take a period (``--since`` / ``--until``): the report and the workbook
PERIOD_FORMATS = ("report", "xlsx")


def period(cmdb: Cmdb, since: str, until: str | None = None) -> dict[str, Any]:
    """:func:`netcmdb.cmdb.period.period_summary` from ``since`` to ``until`` (default now),
    days as ``2026-11-01``.

    Raises:
        CmdbError: a date that is not one, or ``until`` before ``since``.
    """
    from netcmdb.cmdb.journal import parse_day
    from netcmdb.cmdb.models import utcnow
    from netcmdb.cmdb.period import period_summary
    from netcmdb.errors import CmdbError

    start = parse_day(since, what="--since")
    end = parse_day(until, what="--until", end=True) if until is not None else utcnow()
    if end < start:
        if until is None:
            raise CmdbError("--since {since} is in the future", since=since)
        raise CmdbError("--until {until} is before --since {since}", until=until, since=since)
    with cmdb.session() as s:
        return period_summary(s, start, end)


def write(
    cmdb: Cmdb,
    fmt: str,
    out: str | Path,
    *,
    buildings: Sequence[str] = (),
    classes: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    cis: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write FORMAT to ``out`` atomically: ``{"format", "out", "cis", "summary"}`` (plus
    ``devices`` and ``skipped`` for netbox). ``since`` / ``until`` (report, xlsx) add the
    period: what happened between the two days (:func:`period`). ``cis``: only the CIs these
    ``ci list`` filters select (:func:`selected_document`)."""
    from netcmdb.errors import ExportError

    if (since is not None or until is not None) and fmt not in PERIOD_FORMATS:
        raise ExportError(
            "--since/--until are for {period_formats}", period_formats=" and ".join(PERIOD_FORMATS)
        )
    if until is not None and since is None:
        raise ExportError("--until needs --since")
    per = period(cmdb, since, until) if since is not None else None
    from netcmdb.atomic import atomic_dir
    from netcmdb.atomic import atomic_path as atomic_file

    if fmt not in FORMATS:
        raise ExportError(
            "unknown export format {fmt!r} (formats: {formats})",
            fmt=fmt,
            formats=", ".join(FORMATS),
        )
    doc, run = selected_document(cmdb, buildings, classes, cis=cis)
    spec = FORMATS[fmt]
    writer = getattr(importlib.import_module(f"netcmdb.exporters.{spec.module}"), spec.func)
    res: dict[str, Any] = {"format": fmt, "out": str(out), "cis": len(doc["cis"])}
    if spec.is_dir:
        with atomic_dir(out) as tmp:
            result = writer(doc, tmp)
        res["devices"] = len(result.rows["07_devices.csv"])
        res["skipped"] = len(result.skipped)
        res["summary"] = (
            f"{res['devices']} devices, {res['skipped']} items not exportable (see README.txt)"
        )
        return res
    selection = " ".join([f"building={b}" for b in buildings] + [f"class={c}" for c in classes])
    with atomic_file(out) as tmp:
        if fmt == "report":
            writer(doc, tmp, run=run, selection=selection, period=per)
        elif fmt == "xlsx" and per is not None:
            writer(doc, tmp, period=per)
        else:
            writer(doc, tmp)
    res["summary"] = f"{len(doc['cis'])} CIs"
    return res


class Download(NamedTuple):
    """A file to hand to a browser."""

    data: bytes
    media_type: str
    filename: str


#: what a selection of CIs can be downloaded as (the web CI list): the flat CSV, the netcmdb/1
#: JSON, and every single-file format of :data:`FORMATS`
DOWNLOADS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "yaml": ("application/yaml; charset=utf-8", "yaml"),
    "graphml": ("application/xml", "graphml"),
    "gexf": ("application/xml", "gexf"),
    "dot": ("text/vnd.graphviz; charset=utf-8", "dot"),
    "svg": ("image/svg+xml", "svg"),
    "drawio": ("application/xml", "drawio"),
    "report": ("text/html; charset=utf-8", "html"),
}


def download(
    cmdb: Cmdb, fmt: str, *, cis: dict[str, Any] | None = None, name: str = "netcmdb-cis"
) -> Download:
    """The CIs the ``cis`` filters select (None: all) as one file in memory, written by the
    same code as ``netcmdb export`` (:func:`csv_text`, :func:`write`): formulas neutralised,
    device strings escaped. CSV starts with a UTF-8 BOM (Excel then reads Chinese right;
    ``import csv`` reads it back).

    Raises:
        ExportError: a format that is not in :data:`DOWNLOADS`.
    """
    import os
    import tempfile

    from netcmdb.errors import ExportError

    if fmt not in DOWNLOADS:
        raise ExportError(
            "cannot download {fmt!r} (formats: {downloads})",
            fmt=fmt,
            downloads=", ".join(DOWNLOADS),
        )
    media, ext = DOWNLOADS[fmt]
    filename = f"{name}.{ext}"
    if fmt == "csv":
        return Download(("\ufeff" + csv_text(cmdb, "cis", cis=cis)).encode(), media, filename)
    if fmt == "json":
        from netcmdb.exporters.netcmdb_json import document_json

        doc, _ = selected_document(cmdb, cis=cis)
        return Download(document_json(doc).encode(), media, filename)
    fd, path = tempfile.mkstemp(suffix=f".{ext}", prefix="netcmdb-download-")
    os.close(fd)
    try:
        write(cmdb, fmt, path, cis=cis)
        with open(path, "rb") as fh:
            data = fh.read()
    finally:
        os.unlink(path)
    return Download(data, media, filename)
