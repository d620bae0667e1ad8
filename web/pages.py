"""The HTML pages: server-rendered (Jinja2, autoescaped), readable with JavaScript off.

Each handler parses the request, calls the library / :mod:`netcmdb.web.service`, and renders one
template. Browser writes need a login and the session's CSRF token.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from netcmdb import i18n
from netcmdb.web.security import (
    LANG_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    check_csrf,
    new_csrf,
    principal_of,
    require,
)

router = APIRouter(include_in_schema=False)
PAGE = 50


def render(
    request: Request, template: str, ctx: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render ``template`` in the request's language, with the chrome every page needs."""
    lang = getattr(request.state, "lang", "en")
    tr = i18n.translations(lang)
    try:
        who = principal_of(request)
    except Exception:  # noqa: BLE001 - a bad token still gets its error page
        who = None
    sess = getattr(request.state, "web_session", {}) or {}
    env = request.app.state.templates
    html = env.get_template(template).render(
        _=tr.gettext,
        gettext=tr.gettext,
        ngettext=tr.ngettext,
        lang=lang,
        html_lang="zh-CN" if lang == "zh_CN" else "en",
        locales=i18n.LOCALE_NAMES,
        who=who,
        csrf=sess.get("c", ""),
        path=request.url.path,
        here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        q=request.query_params.get("q", ""),
        **ctx,
    )
    return HTMLResponse(html, status_code=status)


def _read(request: Request) -> None:
    require(request, "reader", write=False)


def _session(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.session()


def _cmdb(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.web.cmdb


def _rule(request: Request):  # type: ignore[no-untyped-def]
    from netcmdb.web.service import label_rule

    return label_rule(_cmdb(request))


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    _read(request)
    from netcmdb.services.cis import counts
    from netcmdb.services.runs import list_runs, show_run

    c = counts(_cmdb(request))
    runs = list_runs(_cmdb(request), 5)
    last = show_run(_cmdb(request), runs[0]["id"]) if runs else None
    return render(
        request,
        "dashboard.html",
        {
            "total": c["total"],
            "by_class": c["by_class"],
            "by_status": c["by_status"],
            "by_building": c["by_building"],
            "runs": runs,
            "last": last,
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=200)) -> HTMLResponse:
    _read(request)
    from netcmdb.web.service import search

    with _session(request) as s:
        hits = search(s, q, limit=100, rule=_rule(request))
    return render(request, "search.html", {"hits": hits})


_FILTERS = ("class", "building", "room", "status", "role", "vendor")


def _filters(request: Request) -> dict[str, str]:
    return {
        k: request.query_params.get(k, "")[:64] for k in _FILTERS if request.query_params.get(k)
    }


@router.get("/cis", response_class=HTMLResponse)
def ci_list(request: Request, page: int = Query(1, ge=1, le=100000)) -> HTMLResponse:
    _read(request)
    from netcmdb.services.cis import filter_choices
    from netcmdb.web.service import list_cis

    f = _filters(request)
    q = request.query_params.get("q", "")[:200]
    with _session(request) as s:
        recs, total = list_cis(
            s,
            q=q,
            filters=f,
            limit=PAGE,
            offset=(page - 1) * PAGE,
            rule=_rule(request),
            cmdb=_cmdb(request),
        )
    choices = filter_choices(_cmdb(request))
    keep = {**f, **({"q": q} if q else {})}
    pages = max(1, (total + PAGE - 1) // PAGE)
    return render(
        request,
        "cis.html",
        {
            "cis": recs,
            "total": total,
            "page": page,
            "pages": pages,
            "filters": f,
            "buildings": choices["buildings"],
            "vendors": choices["vendors"],
            "classes": choices["classes"],
            "qs": urlencode(keep),
            "prev_qs": urlencode({**keep, "page": page - 1}),
            "next_qs": urlencode({**keep, "page": page + 1}),
        },
    )


@router.get("/cis.{fmt}")
def ci_list_download(request: Request, fmt: str) -> Response:
    """The filtered list as a file (``/cis.csv``, ``/cis.xlsx``, ``/cis.json``...): written by
    ``services.export.download``, the code ``netcmdb export`` runs (formulas neutralised)."""
    _read(request)
    from netcmdb.errors import NotFoundError
    from netcmdb.services.export import DOWNLOADS, download
    from netcmdb.web.service import list_selection

    if fmt not in DOWNLOADS:
        raise NotFoundError(
            "no download as {value!r} (formats: {downloads})",
            value=fmt[:20],
            downloads=", ".join(DOWNLOADS),
        )
    with _session(request) as s:
        sel = list_selection(
            s, request.query_params.get("q"), _filters(request), _rule(request), _cmdb(request)
        )
    got = download(_cmdb(request), fmt, cis=sel)
    return Response(
        got.data,
        media_type=got.media_type,
        headers={"Content-Disposition": f'attachment; filename="{got.filename}"'},
    )


@router.get("/ci/{ref}/label.pdf")
def ci_label_pdf(request: Request, ref: str) -> Response:
    _read(request)
    from netcmdb.services.cis import show_ci
    from netcmdb.web.api import ref_of
    from netcmdb.web.service import ci_label_pdf as pdf

    cid = show_ci(_cmdb(request), ref_of(request, ref))["id"]
    return Response(pdf(_cmdb(request), cid), media_type="application/pdf")


@router.get("/ci/{ref:path}", response_class=HTMLResponse)
def ci_page(request: Request, ref: str) -> HTMLResponse:
    _read(request)
    from netcmdb.errors import NetcmdbError
    from netcmdb.services.cis import show_ci
    from netcmdb.services.where import where as where_
    from netcmdb.web.api import ref_of
    from netcmdb.web.service import room_code

    d = show_ci(_cmdb(request), ref_of(request, ref))
    where = None
    if d["mac"] or d["ip"]:
        try:
            where = where_(_cmdb(request), d["mac"] or d["ip"])
        except NetcmdbError:
            where = None
    endhosts = {}
    if d["class"] in ("switch", "router", "ap"):
        with _session(request) as s:
            endhosts = _end_hosts(s, d["id"])
    code = room_code(_rule(request), d["location"]) if d["location"] else None
    return render(
        request, "ci.html", {"ci": d, "where": where, "endhosts": endhosts, "room_code": code}
    )


def _end_hosts(s: Any, switch_id: int) -> dict[str, list[dict[str, Any]]]:
    """Per port: the end hosts last seen there (port sightings of this switch)."""
    from sqlalchemy import select

    from netcmdb.cmdb.models import CI, PortSighting

    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = s.execute(
        select(
            PortSighting.port, PortSighting.mac, PortSighting.ip, PortSighting.vlan, CI.id, CI.name
        )
        .outerjoin(CI, CI.id == PortSighting.host_ci_id)
        .where(PortSighting.switch_ci_id == switch_id)
        .order_by(PortSighting.port, PortSighting.mac)
        .limit(5000)
    ).all()
    for port, mac, ip, vlan, cid, name in rows:
        out[port].append({"mac": mac, "ip": ip, "vlan": vlan, "id": cid, "name": name})
    return dict(out)


@router.post("/ci/{ref}/edit")
def ci_edit(
    request: Request,
    ref: str,
    csrf: str = Form(""),
    owner: str = Form(None),
    contact: str = Form(None),
    description: str = Form(None),
    role: str = Form(None),
    label: str = Form(None),
    location: str = Form(None),
    room_name: str = Form(None),
    seat: str = Form(None),
) -> Response:
    """``ci set`` from the CI page (editor, CSRF-checked). Empty fields are left alone."""
    who = require(request, "editor", write=True)
    check_csrf(request, csrf)
    from netcmdb.errors import IntegrityError
    from netcmdb.services.cis import set_ci, show_ci
    from netcmdb.web.api import manual_values, ref_of

    given: dict[str, Any] = {
        k: v.strip()
        for k, v in (
            ("owner", owner),
            ("contact", contact),
            ("description", description),
            ("role", role),
            ("label", label),
            ("location", location),
            ("room_name", room_name),
        )
        if v and v.strip()
    }
    if seat and seat.strip():
        if not seat.strip().isdigit():
            raise IntegrityError("seat: a whole number")
        given["seat"] = int(seat.strip())
    values = manual_values(given)
    ref = ref_of(request, ref)
    if values:
        set_ci(_cmdb(request), ref, values, source=f"web:{who.name}"[:32])
    cid = show_ci(_cmdb(request), ref)["id"]
    return RedirectResponse(f"/ci/{cid}", status_code=303)


@router.get("/impact", response_class=HTMLResponse)
def impact_page(request: Request) -> HTMLResponse:
    """Pick CIs and links (``?t=NAME&t=A~B``): down / at risk by building and room."""
    _read(request)
    from netcmdb.services.impact import impact

    targets = [t.strip()[:200] for t in request.query_params.getlist("t") if t.strip()][:200]
    rep = None
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
    error = None
    if targets:
        from netcmdb.errors import NetcmdbError

        try:
            rep = impact(_cmdb(request), targets, engine=request.app.state.web.impact_engine())
        except NetcmdbError as exc:
            error = i18n.localize(exc, request.state.lang)
        if rep is not None:
            for state in ("down", "at_risk"):
                for row in rep[state]:
                    loc = row.get("location") or {}
                    b = loc.get("building") or "?"
                    room = f"{loc.get('floor', '')}/{loc.get('room', '')}" if loc else "?"
                    reason = i18n.localize(row.get("reason") or "", request.state.lang)
                    groups.setdefault(b, {}).setdefault(room, []).append(
                        {**row, "state": state, "reason": reason}
                    )
    return render(
        request,
        "impact.html",
        {
            "targets": targets,
            "rep": rep,
            "groups": dict(sorted(groups.items())),
            "error": error,
            "share": "/impact?" + urlencode([("t", t) for t in targets]),
            "picture": (
                "/impact.svg?" + urlencode([("t", t) for t in targets])
                if rep is not None
                and rep["summary"]["down"] + rep["summary"]["at_risk"] <= PICTURE_MAX
                else None
            ),
        },
    )


#: above this many down + at-risk CIs the impact page shows no picture (Graphviz takes long)
PICTURE_MAX = 1500


@router.get("/impact.svg")
def impact_svg(request: Request) -> Response:
    """The change drawn: failed, down and at-risk CIs highlighted with their neighbours."""
    _read(request)
    from netcmdb.errors import TopologyError
    from netcmdb.services.impact import impact, impact_drawing

    targets = [t.strip()[:200] for t in request.query_params.getlist("t") if t.strip()][:200]
    if not targets:
        raise TopologyError("name at least one CI or link (?t=NAME)")
    engine = request.app.state.web.impact_engine()
    summary = impact(_cmdb(request), targets, engine=engine)["summary"]
    if summary["down"] + summary["at_risk"] > PICTURE_MAX:
        raise TopologyError(
            "more than {picture_max} CIs affected: too many to draw", picture_max=PICTURE_MAX
        )
    svg = impact_drawing(_cmdb(request), targets, fmt="svg", engine=engine)
    return Response(svg, media_type="image/svg+xml")


@router.get("/room/{room}", response_class=HTMLResponse)
def room_page(request: Request, room: str) -> HTMLResponse:
    _read(request)
    from netcmdb.web.service import room_plan

    with _session(request) as s:
        plan = room_plan(s, room, _rule(request))
    assigned = request.query_params.get("assigned")
    return render(
        request,
        "room.html",
        {
            "plan": plan,
            "u": _u_layout(plan["seated"]),
            "assigned": int(assigned) if assigned and assigned.isdigit() else None,
        },
    )


def _u_layout(seated: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Seats in a U seen from above, the door at the bottom: seat 1 is right of the door, the
    numbers run up the right wall, right to left along the back wall, down the left wall."""
    n = max([s["seat"] for s in seated] + [0])
    by = {s["seat"]: s for s in seated}
    side = max(1, (n + 2) // 3)
    right = list(range(1, min(side, n) + 1))
    back = list(range(side + 1, min(2 * side, n) + 1))
    left = list(range(2 * side + 1, n + 1))

    def cell(k: int) -> dict[str, Any]:
        return {"seat": k, "ci": by.get(k)}

    return {
        "right": [cell(k) for k in reversed(right)],  # drawn top to bottom
        "back": [cell(k) for k in reversed(back)],  # drawn left to right
        "left": [cell(k) for k in left],
    }  # drawn top to bottom


@router.post("/room/{room}/assign")
def room_assign(request: Request, room: str, csrf: str = Form("")) -> Response:
    """``label assign --room ROOM`` from the room page (editor, CSRF-checked)."""
    require(request, "editor", write=True)
    check_csrf(request, csrf)
    from netcmdb.services.labels import assign

    rule = _rule(request)
    code = rule.format_room(*rule.parse_room(room))
    res = assign(_cmdb(request), rule, room=code)
    return RedirectResponse(f"/room/{code}?assigned={len(res['assigned'])}", status_code=303)


@router.get("/room/{room}/labels.pdf")
def room_labels(request: Request, room: str) -> Response:
    _read(request)
    from netcmdb.web.service import room_labels_pdf

    return Response(room_labels_pdf(_cmdb(request), room), media_type="application/pdf")


@router.get("/room/{room}/sheet.pdf")
def room_sheet(request: Request, room: str) -> Response:
    _read(request)
    from netcmdb.web.service import walk_sheet_pdf

    return Response(walk_sheet_pdf(_cmdb(request), room), media_type="application/pdf")


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request) -> HTMLResponse:
    _read(request)
    from netcmdb.services.runs import list_runs

    runs = list_runs(_cmdb(request), 200)
    return render(request, "runs.html", {"runs": runs})


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str) -> HTMLResponse:
    _read(request)
    from netcmdb.services.runs import show_run

    run = show_run(_cmdb(request), run_id)
    return render(request, "run.html", {"run": run})


@router.get("/spof", response_class=HTMLResponse)
def spof_page(request: Request) -> HTMLResponse:
    _read(request)
    from netcmdb.services.impact import spof

    found = spof(_cmdb(request), limit=200, engine=request.app.state.web.impact_engine())
    return render(request, "spof.html", {"spofs": found["spofs"], "roots": found["roots"]})


@router.get("/topology", response_class=HTMLResponse)
def topology_page(request: Request) -> HTMLResponse:
    _read(request)
    return render(request, "topology.html", {})


@router.get("/topology/frame")
def topology_frame(request: Request) -> Response:
    """The interactive topology page that ``topology draw --format html`` writes; it carries its
    own inline script, so it is served sandboxed (scripts only, no same-origin access)."""
    _read(request)
    from netcmdb.services.impact import drawing

    html = drawing(_cmdb(request), "html", engine=request.app.state.web.impact_engine())
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": "sandbox allow-scripts; default-src 'none'; "
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:"
        },
    )


@router.get("/lang")
def set_lang(request: Request, to: str = Query("en"), next: str = Query("/")) -> Response:
    """Switch the language (remembered in a cookie) and go back."""
    loc = i18n.normalize(to) or "en"
    resp = RedirectResponse(_local(next), status_code=303)
    resp.set_cookie(LANG_COOKIE, loc, max_age=365 * 86400, samesite="lax", httponly=True)
    return resp


def _local(url: str) -> str:
    """Only same-site paths (no open redirect)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = Query("/")) -> HTMLResponse:
    return render(request, "login.html", {"next": _local(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    name: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    csrf: str = Form(""),
    next: str = Form("/"),
) -> Response:
    check_csrf(request, csrf)
    from netcmdb.cmdb.access import check_password
    from netcmdb.errors import AccessError
    from netcmdb.web.security import login_keys

    throttle = request.app.state.login_throttle
    keys = login_keys(request, name)
    tr = i18n.translations(request.state.lang)
    wait = throttle.wait(keys)
    if wait > 0:
        msg = tr.gettext("too many failed logins; try again in {seconds} s").format(
            seconds=math.ceil(wait)
        )
        return render(request, "login.html", {"next": _local(next), "error": msg}, status=429)
    try:
        with _session(request) as s:
            who = check_password(s, name, password)
    except AccessError as exc:
        throttle.failed(keys)
        return render(
            request,
            "login.html",
            {"next": _local(next), "error": i18n.localize(exc, request.state.lang)},
            status=401,
        )
    throttle.succeeded(keys[0])
    resp = RedirectResponse(_local(next), status_code=303)
    # a new session (and CSRF token) at login: no fixation
    resp.set_cookie(
        SESSION_COOKIE,
        request.app.state.sessions.dump({"u": who.name, "c": new_csrf()}),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        path="/",
    )
    return resp


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        request.app.state.sessions.dump({"c": new_csrf()}),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        path="/",
    )
    return resp
