"""REST API ``/api/v1``: the same records the CLI prints with ``--json``.

Every handler parses, calls one library function, and returns its dict. Reads need the reader
role (anonymous on a loopback bind), writes editor. Errors are JSON (see app.py).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from netcmdb.web.security import check_csrf, require

router = APIRouter(tags=["cmdb"])

READ, EDIT = "reader", "editor"


class CIList(BaseModel):
    cis: list[dict[str, Any]]
    total: int


class CIPatch(BaseModel):
    """Manual fields (as ``ci set``): pinned, discovery never overwrites them. ``null`` clears."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(default=None, max_length=255)
    ci_class: str | None = Field(default=None, alias="class", max_length=20)
    role: str | None = Field(default=None, max_length=64)
    owner: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    seat: int | None = Field(default=None, ge=0, le=100000)
    label: str | None = Field(default=None, max_length=64)
    min_up: int | None = Field(default=None, ge=0, le=100000)
    status: str | None = Field(default=None, max_length=20)
    location: str | None = Field(
        default=None,
        max_length=60,
        description="a room in any notation the label rule reads: D010210, 01/02/10...",
    )
    room_name: str | None = Field(default=None, max_length=200)


class BulkWhere(BaseModel):
    """Which CIs a bulk edit changes (``ci set --where-room ...``): at least one."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    room: str | None = Field(default=None, max_length=60)
    building: str | None = Field(default=None, max_length=16)
    ci_class: str | None = Field(default=None, alias="class", max_length=20)
    status: str | None = Field(default=None, max_length=20)


class BulkSet(BaseModel):
    """One value for every selected CI (what a bulk ``ci set`` may set)."""

    model_config = ConfigDict(extra="forbid")

    department: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=4000)
    lifecycle: str | None = Field(default=None, max_length=20)


class BulkEdit(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    where: BulkWhere
    set_: BulkSet = Field(alias="set")
    dry_run: bool = False


class ImpactQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: list[str] = Field(
        min_length=1, max_length=1000, description="CI names, labels, IPs, or links A~B / A[port]~B"
    )


def _session(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.session()


def cmdb_of(request: Request):  # type: ignore[no-untyped-def]
    """The services' handle on this server's CMDB."""
    return request.app.state.web.cmdb


def manual_values(patch: dict[str, Any]) -> dict[str, Any]:
    """``ci set``'s values from a PATCH body / web form: the given fields, ``location`` as
    room text (``services.cis.set_ci`` reads it with the configured label rule)."""
    return {("class" if k == "ci_class" else k): v for k, v in patch.items()}


def ref_of(request: Request, ref: str) -> str:
    """A bare number is an id (``12`` -> ``#12``) when a CI has it; anything else as given."""
    from netcmdb.cmdb.query import row_id

    ref = ref.strip()
    rid = row_id(ref) if ref.isdigit() else None
    if rid is not None:
        from netcmdb.cmdb.models import CI

        with _session(request) as s:
            if s.get(CI, rid) is not None:
                return f"#{ref}"
    return ref


@router.get("/cis", response_model=CIList)
def list_cis(
    request: Request,
    q: str | None = Query(None, max_length=200),
    ci_class: str | None = Query(None, alias="class", max_length=20),
    building: str | None = Query(None, max_length=16),
    room: str | None = Query(None, max_length=16),
    status: str | None = Query(None, max_length=20),
    role: str | None = Query(None, max_length=64),
    vendor: str | None = Query(None, max_length=128),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=2**31 - 1),
) -> dict[str, Any]:
    """CIs shaped as ``ci list --json``, filtered and paged, with the total matched."""
    require(request, READ, write=False)
    from netcmdb.web.service import label_rule
    from netcmdb.web.service import list_cis as page

    rule = label_rule(cmdb_of(request))
    with _session(request) as s:
        recs, total = page(
            s,
            q=q,
            filters={
                "class": ci_class,
                "building": building,
                "room": room,
                "status": status,
                "role": role,
                "vendor": vendor,
            },
            limit=limit,
            offset=offset,
            rule=rule,
            cmdb=cmdb_of(request),
        )
    return {"cis": recs, "total": total}


@router.get("/cis/{ref:path}")
def show_ci(request: Request, ref: str) -> dict[str, Any]:
    """One CI by name, label, IP, MAC or id (``#12`` or ``12``), as ``ci show --json``."""
    require(request, READ, write=False)
    from netcmdb.services.cis import show_ci

    return show_ci(cmdb_of(request), ref_of(request, ref))


@router.post("/cis/bulk")
def bulk_edit(request: Request, edit: BulkEdit) -> dict[str, Any]:
    """A bulk edit as ``ci set --where-... --json`` (``services.cis.bulk_set``): the selected
    CIs get the values in one transaction; ``dry_run`` returns the diff and writes nothing."""
    who = require(request, EDIT, write=True)
    check_csrf(request)
    from netcmdb.services.cis import bulk_set

    where = edit.where.model_dump(by_alias=True)
    values = edit.set_.model_dump(exclude_none=True)
    return bulk_set(
        cmdb_of(request), where, values, dry_run=edit.dry_run, source=f"web:{who.name}"[:32]
    )


@router.patch("/cis/{ref:path}")
def patch_ci(request: Request, ref: str, patch: CIPatch) -> dict[str, Any]:
    """Set manual fields as ``ci set`` does; returns ``{"ci": name, "changes": [...]}``."""
    who = require(request, EDIT, write=True)
    check_csrf(request)
    from netcmdb.services.cis import set_ci

    values = manual_values(patch.model_dump(exclude_unset=True))
    return set_ci(cmdb_of(request), ref_of(request, ref), values, source=f"web:{who.name}"[:32])


@router.post("/impact")
def impact(request: Request, query: ImpactQuery) -> Response:
    """Exactly the JSON of ``netcmdb impact --json TARGETS...``."""
    require(request, READ, write=False)
    from netcmdb.services.impact import impact as impact_

    rep = impact_(cmdb_of(request), query.targets, engine=request.app.state.web.impact_engine())
    return Response(json.dumps(rep, ensure_ascii=False), media_type="application/json")


@router.get("/where/{query:path}")
def where(request: Request, query: str) -> dict[str, Any]:
    """Which switch port a MAC, IP or name sits on now, and before (``where --json``)."""
    require(request, READ, write=False)
    from netcmdb.services.where import where as where_

    return where_(cmdb_of(request), query)


@router.get("/runs")
def runs(request: Request, limit: int = Query(50, ge=1, le=1000)) -> list[dict[str, Any]]:
    """Scan runs, newest first (``runs list --json``)."""
    require(request, READ, write=False)
    from netcmdb.services.runs import list_runs

    return list_runs(cmdb_of(request), limit)


@router.get("/runs/{run_id}")
def run(request: Request, run_id: str) -> dict[str, Any]:
    """One run with its new / changed / missing CIs (``runs show --json``)."""
    require(request, READ, write=False)
    from netcmdb.services.runs import show_run

    return show_run(cmdb_of(request), run_id)


@router.get("/search")
def search(
    request: Request, q: str = Query(..., max_length=200), limit: int = Query(20, ge=1, le=200)
) -> dict[str, Any]:
    """What the search box finds as you type (CIs and rooms)."""
    require(request, READ, write=False)
    from netcmdb.web.service import label_rule
    from netcmdb.web.service import search as search_

    rule = label_rule(cmdb_of(request))
    with _session(request) as s:
        return {"q": q, "hits": search_(s, q, limit=limit, rule=rule)}


@router.get("/rooms/{room}/labels.pdf", response_class=Response)
def room_labels(request: Request, room: str) -> Response:
    """The labels of one room (room code such as ``D010210``) as a PDF sheet."""
    require(request, READ, write=False)
    from netcmdb.web.service import room_labels_pdf

    pdf = room_labels_pdf(cmdb_of(request), room)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="labels-{_safe_name(room)}.pdf"'},
    )


@router.post("/facts")
def push_facts(request: Request, payload: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """A remote collector's facts (``scan ... --no-store --json`` output), reconciled as one run.

    Needs an editor token. Returns the run summary (the one shape: ``services.runs``).
    """
    require(request, EDIT, write=True)
    check_csrf(request)
    from netcmdb.services.ingest import ingest_facts
    from netcmdb.services.runs import summary_dict

    return summary_dict(ingest_facts(cmdb_of(request), payload, source="push"))


def _safe_name(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in "-_")[:40] or "room"


__all__ = ["JSONResponse", "router"]
