"""``netcmdb where MAC|IP|NAME``: which switch port a host sits on now, and where it was before.

Answers from :class:`~netcmdb.cmdb.models.PortSighting` rows (written by the reconciler from the
FDB of every crawl): the most recently seen switch port is "now", every switch port with its first
and last sighting is the history. Library code: returns dicts, never prints. Knows models, not
scanners.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from netcmdb.cmdb.models import CI, Identifier, PortSighting
from netcmdb.discovery.normalize import mac_or_none
from netcmdb.errors import NotFoundError


def _iso(dt: Any) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _host_macs(session: Session, query: str) -> tuple[list[str], CI | None]:
    """MACs the query stands for: the MAC itself, the MAC(s) of an IP, or of a named CI."""
    q = query.strip()
    m = mac_or_none(q) if len(q) >= 12 else None
    if m:
        ci = session.scalars(select(CI).where(CI.mac == m)).first()
        return [m], ci
    try:
        ip = str(ipaddress.ip_address(q))
    except ValueError:
        ip = None
    if ip:
        macs = set(session.scalars(select(PortSighting.mac).where(PortSighting.ip == ip)))
        ci = session.scalars(select(CI).where(CI.ip == ip).order_by(CI.id)).first()
        if ci is None:
            ci = session.scalars(
                select(CI).join(Identifier).where(Identifier.kind == "ip", Identifier.value == ip)
            ).first()
        if ci is not None:
            macs |= _ci_macs(session, ci)
        return sorted(macs), ci
    cis = list(session.scalars(select(CI).where(or_(CI.name == q, CI.label == q)).order_by(CI.id)))
    if not cis:
        cis = list(
            session.scalars(select(CI).where(func.lower(CI.name) == q.lower()).order_by(CI.id))
        )  # exact, any case: never a pattern
    if len(cis) > 1:
        ids = ", ".join(f"#{c.id}" for c in cis)
        raise NotFoundError(
            "{n_cis} CIs are called {q!r} ({ids}); ask by MAC or IP", n_cis=len(cis), q=q, ids=ids
        )
    if not cis:
        raise NotFoundError("nothing known as {q!r} (try a MAC, an IP or a CI name)", q=q)
    return sorted(_ci_macs(session, cis[0])), cis[0]


def _ci_macs(session: Session, ci: CI) -> set[str]:
    macs = {ci.mac} if ci.mac else set()
    macs |= set(
        session.scalars(
            select(Identifier.value).where(Identifier.ci_id == ci.id, Identifier.kind == "mac")
        )
    )
    macs |= set(session.scalars(select(PortSighting.mac).where(PortSighting.host_ci_id == ci.id)))
    return macs


def where(session: Session, query: str) -> dict[str, Any]:
    """Where is ``query`` (a MAC, an IP or a CI name) plugged in?

    Returns:
        ``{"query", "host": {...}|None, "macs": [...], "now": [...], "history": [...]}`` where
        ``now`` holds the sightings of the latest run that saw the host (one per MAC) and
        ``history`` every switch port it was ever seen on, newest first.

    Raises:
        NotFoundError: the query matches nothing, or the host was never seen on a switch port.
    """
    macs, ci = _host_macs(session, query)
    rows = []
    if macs:
        q = (
            select(PortSighting, CI.name)
            .join(CI, CI.id == PortSighting.switch_ci_id)
            .where(PortSighting.mac.in_(macs))
        )
        rows = list(session.execute(q))
    if not rows:
        raise NotFoundError(
            (
                "{query!r} was never seen on a switch port (crawl with --snmp --crawl so that "
                "switch forwarding tables are read)"
            ),
            query=query,
        )
    history = []
    for s, sw_name in rows:
        history.append(
            {
                "mac": s.mac,
                "switch": sw_name,
                "switch_id": s.switch_ci_id,
                "port": s.port,
                "vlan": s.vlan,
                "ip": s.ip,
                "first_seen": _iso(s.first_seen),
                "last_seen": _iso(s.last_seen),
                "_ls": s.last_seen.replace(tzinfo=UTC)
                if s.last_seen.tzinfo is None
                else s.last_seen,
            }
        )
    history.sort(key=lambda h: (h["_ls"], h["switch"], h["port"]), reverse=True)
    latest: dict[str, Any] = {}
    for h in history:
        latest.setdefault(h["mac"], h["_ls"])
    now = [h for h in history if h["_ls"] == latest[h["mac"]]]
    for h in history:
        del h["_ls"]
    host = None
    if ci is not None:
        host = {
            "id": ci.id,
            "name": ci.name,
            "ip": ci.ip,
            "mac": ci.mac,
            "class": str(ci.ci_class.value if hasattr(ci.ci_class, "value") else ci.ci_class),
        }
    return {"query": query, "host": host, "macs": macs, "now": now, "history": history}
