"""Writing discoveries into the CMDB for every face: scan results, import files, pushed facts.

Each call is one transaction and one run; the returned :class:`~netcmdb.cmdb.reconcile.RunSummary`
prints as :func:`netcmdb.services.runs.summary_dict` (the one run-summary shape). Must not import
click, rich or a web framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcmdb.errors import ImportFormatError
from netcmdb.services.context import Cmdb

if TYPE_CHECKING:
    from netcmdb.cmdb.reconcile import RunSummary
    from netcmdb.discovery.facts import ScanResult


def location_parser(cmdb: Cmdb):  # type: ignore[no-untyped-def]
    """The configured sysLocation parser: text -> RoomRef or None. The label rule's room code
    anywhere in the text first, then the ``[location] patterns`` of the config."""
    from netcmdb.config import location_patterns
    from netcmdb.labeling.location import location_parser as parser
    from netcmdb.services.labels import rule_of

    return parser(rule_of(cmdb), location_patterns(cmdb.config))


def ingest_results(
    cmdb: Cmdb,
    results: Sequence[Any],
    *,
    source: str,
    targets: Sequence[str],
    methods: Sequence[str],
    covered: Sequence[str] | None = None,
) -> RunSummary:
    """Reconcile one run's scan results (or bare device facts) into the CMDB.

    ``covered``: where a CI not seen counts a miss (None: the targets that are networks; ``[]``:
    nowhere, as for SSH, imports and pushed facts).
    """
    from netcmdb.cmdb.reconcile import ingest

    cfg = cmdb.reconcile_config()
    parse_location = location_parser(cmdb)
    with cmdb.session() as s:
        return ingest(
            s,
            results,
            source=source,
            targets=list(targets),
            methods=list(methods),
            covered=None if covered is None else list(covered),
            config=cfg,
            location_parser=parse_location,
        )


def import_file(cmdb: Cmdb, kind: str, path: str | Path) -> RunSummary:
    """Import a netcmdb/1 JSON file (``kind="json"``) or the flat CSV list (``"csv"``): all or
    nothing."""
    from netcmdb.cmdb import importer
    from netcmdb.services.labels import rule_of

    func = importer.import_json_file if kind == "json" else importer.import_csv_file
    cfg = cmdb.reconcile_config()
    rule = rule_of(cmdb)
    with cmdb.session() as s:
        return func(s, path, config=cfg, label_rule=rule)  # type: ignore[no-any-return]


def import_nmap(cmdb: Cmdb, path: str | Path) -> tuple[RunSummary, int, int]:
    """Import nmap ``-oX`` output: (summary, hosts up, hosts in the file).

    The whole file is parsed before the CMDB is touched: a bad file changes nothing.
    """
    from netcmdb.discovery.nmapxml import parse

    results = parse(str(path))
    live = [r for r in results if r.alive]
    summary = ingest_results(
        cmdb, live, source="nmap", targets=[str(path)], methods=["nmap"], covered=[]
    )
    return summary, len(live), len(results)


def facts_document(
    results: Sequence[ScanResult], *, targets: Sequence[str], methods: Sequence[str]
) -> dict[str, Any]:
    """The document a remote collector pushes (``scan ... --push``) and
    :func:`ingest_facts` reads back: ``{"results", "targets", "methods"}``."""
    from netcmdb.discovery.factsjson import result_to_dict

    return {
        "results": [result_to_dict(r) for r in results],
        "targets": list(targets),
        "methods": list(methods),
    }


def results_from_document(doc: Any) -> list[ScanResult]:
    """The scan results of a ``netcmdb scan ... --no-store --json`` document.

    Accepts ``{"results": [...]}`` (SNMP/SSH) and ``{"facts": [...]}`` (sweeps).
    """
    from netcmdb.discovery.facts import ScanResult
    from netcmdb.discovery.factsjson import device_from_dict, result_from_dict

    if not isinstance(doc, dict) or not isinstance(doc.get("results", doc.get("facts")), list):
        raise ImportFormatError(
            "facts: expected a JSON object with a 'results' or 'facts' list "
            "(the output of `netcmdb scan ... --no-store --json`)"
        )
    out: list[ScanResult] = []
    entries = [("results", r) for r in doc.get("results") or ()]
    entries += [("facts", d) for d in doc.get("facts") or ()]
    for n, (key, entry) in enumerate(entries):
        try:
            if key == "results":
                out.append(result_from_dict(entry))
            else:
                dev = device_from_dict(entry)
                out.append(ScanResult(target=dev.ip or dev.hostname or f"fact {n}", device=dev))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ImportFormatError(
                "facts: {key} entry {n}: {kind}: {exc}",
                key=key,
                n=n,
                kind=type(exc).__name__,
                exc=exc,
            ) from None
    return out


def ingest_facts(cmdb: Cmdb, doc: Any, *, source: str = "push") -> RunSummary:
    """Reconcile facts a remote collector pushed (``scan ... --no-store --json``) as one run.

    Nothing counts as missing (a collector's view is partial).
    """
    results = results_from_document(doc)
    for key in ("methods", "targets"):
        given = doc.get(key)
        if given is not None and (
            not isinstance(given, list) or not all(isinstance(x, str) for x in given)
        ):
            raise ImportFormatError("facts: {key} must be a list of text", key=key)
    methods = doc.get("methods") or sorted({str(r.device.source) for r in results if r.device})
    targets = doc.get("targets") or [r.target for r in results]
    return ingest_results(
        cmdb,
        results,
        source=source,
        targets=[str(t) for t in targets],
        methods=[str(m) for m in methods],
        covered=[],
    )
