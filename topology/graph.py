"""The relationship graph of the CMDB, loaded lean enough for a whole campus.

Physical layer: ``connected_to`` links (a cable with its two ports; parallel links between the same
pair are kept, they are what makes a LAG or a double uplink redundant). Logical layer:
``depends_on`` (source needs target) and ``member_of`` (source is a member of the group/cluster
target, which stays up while at least ``min_up`` members are up).

:class:`Topology` holds the graph as flat per-CI columns and per-relation arrays (dense indices
``0..n-1``), read with ONE Core select per table and only the columns we need: a networkx graph of
a million CIs with full attribute dicts costs gigabytes, flat columns cost a few hundred megabytes.
:meth:`Topology.physical_graph` / :meth:`Topology.logical_graph` give networkx graphs (lean node
data) for paths, drawings and GraphML.

Must not import: ``discovery`` scanners, ``exporters``, ``cli``. Never prints.
"""

from __future__ import annotations

import gc
import ipaddress
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netcmdb.errors import N_, TopologyError

if TYPE_CHECKING:
    import networkx as nx
    from sqlalchemy.orm import Session

#: CIs with one of these roles are the upstream roots (where "the network" comes from).
ROOT_ROLES = frozenset({"core", "gateway"})
#: attribute sources that mean "a person said so" (a role set by hand beats a discovered one)
BY_HAND = frozenset({"manual", "import"})
NO_ROOT_HELP = N_(
    "no root: no CI has role core or gateway, and no gateway was discovered; "
    "crawl from the core (netcmdb scan CORE-IP --snmp --crawl: the device whose ARP "
    "table resolves the hosts becomes their gateway), set a role (netcmdb ci set NAME "
    "--role core), or name the root with --root NAME"
)
#: Classes drawn as grouped leaves ("48 PCs in D0102") instead of one node each.
END_HOST_CLASSES = frozenset({"pc", "printer", "phone"})


@dataclass
class Topology:
    """The CMDB graph as flat columns indexed by a dense node index ``0..n-1``.

    Attributes:
        ci_id: database id per node.
        name, label, ci_class, role, ip, owner, contact: CI attributes per node.
        loc: index into :attr:`locations` per node, ``-1`` when unknown.
        locations: ``(building, floor, room)`` triples.
        link_a, link_b, port_a, port_b: one entry per ``connected_to`` link (a MultiGraph edge).
        dep_src, dep_dst: ``depends_on``: ``dep_src[i]`` needs ``dep_dst[i]``.
        mem_src, mem_grp: ``member_of``: ``mem_src[i]`` is a member of group ``mem_grp[i]``.
        min_up: group node -> members that must stay up (default 1).
        roots: node indices of the upstream roots.
    """

    ci_id: array
    name: list[str]
    label: list[str | None]
    ci_class: list[str]
    role: list[str | None]
    ip: list[str | None]
    owner: list[str | None]
    contact: list[str | None]
    loc: array
    locations: list[tuple[str, str, str]]
    link_a: array = field(default_factory=lambda: array("i"))
    link_b: array = field(default_factory=lambda: array("i"))
    port_a: list[str] = field(default_factory=list)
    port_b: list[str] = field(default_factory=list)
    dep_src: array = field(default_factory=lambda: array("i"))
    dep_dst: array = field(default_factory=lambda: array("i"))
    mem_src: array = field(default_factory=lambda: array("i"))
    mem_grp: array = field(default_factory=lambda: array("i"))
    min_up: dict[int, int] = field(default_factory=dict)
    roots: list[int] = field(default_factory=list)
    #: a CI's own department (node -> text); absent: none of its own
    department: dict[int, str] = field(default_factory=dict)
    #: per location index: (department, contact) inherited from the room, else its building
    loc_owner: list[tuple[str | None, str | None]] = field(default_factory=list)
    _by_id: dict[int, int] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.name)

    # -- lookups -----------------------------------------------------------------------------
    def index_of_id(self, ci_id: int) -> int:
        if self._by_id is None:
            self._by_id = {c: i for i, c in enumerate(self.ci_id)}
        return self._by_id[ci_id]

    def room(self, i: int) -> str | None:
        """The room's code as the house label rule writes it: ``D`` + building + floor + room
        (``D010210`` = building 01, floor 02, room 10), the one room notation of every output."""
        li = self.loc[i]
        if li < 0:
            return None
        b, f, r = self.locations[li]
        return f"D{b}{f}{r}"

    def location(self, i: int) -> dict[str, str] | None:
        """``{"building", "floor", "room"}`` or None."""
        li = self.loc[i]
        if li < 0:
            return None
        b, f, r = self.locations[li]
        return {"building": b, "floor": f, "room": r}

    def responsible(self, i: int) -> tuple[str | None, str | None]:
        """(department, contact) to notify for node ``i``: the CI's own, else its room's, else
        its building's (each on its own; ``cmdb.query.responsible`` is the same rule for one
        CI); a CI with no department anywhere falls back to its free-text owner."""
        dept, contact = self.department.get(i), self.contact[i]
        li = self.loc[i]
        if li >= 0 and li < len(self.loc_owner) and not (dept and contact):
            ld, lc = self.loc_owner[li]
            dept, contact = dept or ld, contact or lc
        return dept or self.owner[i], contact

    def building(self, i: int) -> str | None:
        li = self.loc[i]
        return None if li < 0 else self.locations[li][0]

    def link_name(self, k: int) -> str:
        a, b = self.link_a[k], self.link_b[k]
        pa, pb = self.port_a[k], self.port_b[k]
        left = f"{self.name[a]}[{pa}]" if pa else self.name[a]
        right = f"{self.name[b]}[{pb}]" if pb else self.name[b]
        return f"{left}~{right}"

    def root_names(self) -> list[str]:
        """Names of the roots this answer used (every answer names them)."""
        return [self.name[i] for i in self.roots]

    def with_roots(self, names: Sequence[str]) -> Topology:
        """Use these CIs (name, label or IP) as roots instead of the core/gateway roles."""
        if names:
            self.roots = sorted({self.resolve_ci(n) for n in names})
        return self

    def resolve_ci(self, text: str) -> int:
        """A CI by name, label or IP (exact first, then case-insensitive name/label).

        Raises:
            TopologyError: nothing matches, or a name matches several CIs.
        """
        text = text.strip()
        hits = [i for i, n in enumerate(self.name) if n == text]
        if not hits:
            hits = [i for i, lab in enumerate(self.label) if lab == text]
        if not hits:
            try:
                addr = str(ipaddress.ip_address(text))
            except ValueError:
                addr = None
            if addr:
                hits = [i for i, ip in enumerate(self.ip) if ip == addr]
        if not hits:
            low = text.casefold()
            hits = [i for i, n in enumerate(self.name) if n.casefold() == low]
            if not hits:
                hits = [i for i, lab in enumerate(self.label) if lab and lab.casefold() == low]
        if not hits:
            raise TopologyError("unknown CI {text!r}: no CI has this name, label or IP", text=text)
        if len(hits) > 1:
            raise TopologyError(
                "ambiguous CI {text!r}: {n_hits} CIs match; use the label or IP",
                text=text,
                n_hits=len(hits),
            )
        return hits[0]

    def resolve_link(self, text: str) -> list[int]:
        """``A~B`` -> every link between A and B; ``A[port]~B`` narrows it to the link on that port.

        Raises:
            TopologyError: an end is unknown, or no such link exists.
        """
        left, _, right = text.partition("~")
        (a, pa), (b, pb) = _split_port(left), _split_port(right)
        ia, ib = self.resolve_ci(a), self.resolve_ci(b)
        found = []
        for k in range(len(self.link_a)):
            x, y, px, py = self.link_a[k], self.link_b[k], self.port_a[k], self.port_b[k]
            if (x, y) == (ib, ia):
                x, y, px, py = y, x, py, px
            if (x, y) != (ia, ib):
                continue
            if (pa and pa != px) or (pb and pb != py):
                continue
            found.append(k)
        if not found:
            raise TopologyError("no link {text!r} in the CMDB", text=text)
        return found

    def resolve_targets(self, targets: Iterable[str]) -> tuple[list[int], list[int]]:
        """Split impact targets into failed CIs and failed links (``A~B``)."""
        cis: list[int] = []
        links: list[int] = []
        for t in targets:
            if "~" in t:
                links.extend(self.resolve_link(t))
            else:
                cis.append(self.resolve_ci(t))
        return sorted(set(cis)), sorted(set(links))

    # -- networkx views --------------------------------------------------------------------------
    def physical_graph(self, nodes: Iterable[int] | None = None) -> nx.MultiGraph:
        """The cables as a networkx MultiGraph (node = dense index, lean attributes)."""
        import networkx as nx  # imported here: `netcmdb impact` never pays for it

        g = nx.MultiGraph()
        keep = None if nodes is None else set(nodes)
        rng = range(len(self)) if keep is None else sorted(keep)
        for i in rng:
            g.add_node(i, name=self.name[i], ci_class=self.ci_class[i])
        for k in range(len(self.link_a)):
            a, b = self.link_a[k], self.link_b[k]
            if keep is None or (a in keep and b in keep):
                g.add_edge(a, b, key=k, port_a=self.port_a[k], port_b=self.port_b[k], a=a)
        return g

    def logical_graph(self) -> nx.DiGraph:
        """``depends_on`` and ``member_of`` as a DiGraph (edge attr ``kind``)."""
        import networkx as nx

        g = nx.DiGraph()
        for s, d in zip(self.dep_src, self.dep_dst):
            g.add_edge(s, d, kind="depends_on")
        for s, d in zip(self.mem_src, self.mem_grp):
            g.add_edge(s, d, kind="member_of")
        return g


def _split_port(text: str) -> tuple[str, str]:
    text = text.strip()
    if text.endswith("]") and "[" in text:
        name, _, port = text[:-1].rpartition("[")
        return name.strip(), port.strip()
    return text, ""


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic GC while building big acyclic structures (lists of rows, arrays): it
    would otherwise rescan them again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def default_roots(topo: Topology, by_hand: set[int] | None = None) -> list[int]:
    """CIs with role core/gateway; when a person set some of those roles, only theirs.

    Args:
        by_hand: dense indices whose role a person set (manual edit or import file); None:
            treat every role as set by hand.
    """
    roots = [i for i, r in enumerate(topo.role) if r and r.strip().lower() in ROOT_ROLES]
    if by_hand is not None:
        mine = [i for i in roots if i in by_hand]
        if mine:
            return mine
    return roots


def load_topology(session: Session, roots: Sequence[str] = ()) -> Topology:
    """Read the graph with one Core select per table (CI, location, relationship), no N+1.

    Retired CIs are left out. Enum columns are read as plain strings (no per-row enum objects).

    Raises:
        TopologyError: there is no root (no CI with role core/gateway and no ``roots`` given).
    """
    with no_gc():
        return _load_topology(session, roots)


def _load_topology(session: Session, roots: Sequence[str]) -> Topology:
    from sqlalchemy import String, case, func, literal, select, type_coerce

    from netcmdb.cmdb.models import CI, Building, Location, Relationship

    conn = session.connection()
    dialect = conn.dialect
    dbapi_conn = conn.connection.dbapi_connection

    def fetch(stmt):  # type: ignore[no-untyped-def]
        # Plain DBAPI tuples: no per-row Result/Row processing (100,000 rows in ~0.1 s).
        # Only our own constant is inlined as a literal; no user input reaches the SQL.
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        cur = dbapi_conn.cursor()
        try:
            cur.execute(sql)
            return cur.fetchall()
        finally:
            cur.close()

    ci = CI.__table__.c
    rows = fetch(
        select(
            ci.id,
            ci.name,
            ci.label,
            type_coerce(ci["class"], String),
            ci.role,
            ci.ip,
            ci.owner,
            ci.contact,
            ci.location_id,
            ci.min_up,
            # who set the role (only for CIs that have one: a few per campus)
            case((ci.role.is_not(None), type_coerce(ci.attr_sources, String)), else_=None),
            ci.department,
        )
        .where(type_coerce(ci.status, String) != literal("retired"))
        .order_by(ci.id)
    )
    # each room with its building's department and contact (inherited when the room has none)
    loc_rows = fetch(
        select(
            Location.id,
            Location.building,
            Location.floor,
            Location.room,
            func.coalesce(Location.department, Building.department),
            func.coalesce(Location.contact, Building.contact),
        ).select_from(
            Location.__table__.outerjoin(Building.__table__, Building.code == Location.building)
        )
    )
    loc_index = {r[0]: k for k, r in enumerate(loc_rows)}
    locations = [(r[1] or "", r[2] or "", r[3] or "") for r in loc_rows]
    loc_owner = [(r[4], r[5]) for r in loc_rows]
    # one object per distinct value for the repetitive columns: less memory, smaller cache
    same: dict[str | None, str | None] = {}
    one = same.setdefault
    classes: dict[str, str] = {}
    topo = Topology(
        ci_id=array("q", [r[0] for r in rows]),
        name=[r[1] or f"ci-{r[0]}" for r in rows],
        label=[r[2] for r in rows],
        ci_class=[classes.setdefault(r[3] or "other", r[3] or "other") for r in rows],
        role=[one(r[4], r[4]) for r in rows],
        ip=[r[5] for r in rows],
        owner=[one(r[6], r[6]) for r in rows],
        contact=[one(r[7], r[7]) for r in rows],
        loc=array("i", [loc_index.get(r[8], -1) if r[8] is not None else -1 for r in rows]),
        locations=locations,
        department={k: r[11] for k, r in enumerate(rows) if r[11]},
        loc_owner=loc_owner,
    )
    index = {r[0]: k for k, r in enumerate(rows)}
    topo._by_id = index
    for r in rows:
        if r[9] is not None:
            topo.min_up[index[r[0]]] = int(r[9])
    rel = Relationship.__table__.c
    for kind, s, sp, t, tp in fetch(
        select(
            type_coerce(rel.kind, String),
            rel.source_ci_id,
            rel.source_port,
            rel.target_ci_id,
            rel.target_port,
        )
    ):
        si, ti = index.get(s), index.get(t)
        if si is None or ti is None or si == ti:
            continue  # a retired end, or a self-loop (no redundancy meaning)
        if kind == "connected_to":
            topo.link_a.append(si)
            topo.link_b.append(ti)
            topo.port_a.append(one(sp or "", sp or ""))  # type: ignore[arg-type]
            topo.port_b.append(one(tp or "", tp or ""))  # type: ignore[arg-type]
        elif kind == "depends_on":
            topo.dep_src.append(si)
            topo.dep_dst.append(ti)
        elif kind == "member_of":
            topo.mem_src.append(si)
            topo.mem_grp.append(ti)
    by_hand: set[int] = set()
    for k, r in enumerate(rows):
        srcs = r[10]
        if srcs is None:
            continue
        if isinstance(srcs, str):
            import json

            try:
                srcs = json.loads(srcs)
            except ValueError:
                srcs = None
        if isinstance(srcs, dict) and srcs.get("role") in BY_HAND:
            by_hand.add(k)
    topo.roots = default_roots(topo, by_hand)
    if roots:
        topo.with_roots(roots)
    if not topo.roots:
        raise TopologyError(NO_ROOT_HELP)
    return topo


@dataclass
class CmdbGraph:
    """The networkx view of the CMDB: physical MultiGraph, logical DiGraph, roots."""

    physical: nx.MultiGraph
    logical: nx.DiGraph
    roots: list[int]
    topology: Topology


def build_graph(session: Session, roots: Sequence[str] = ()) -> CmdbGraph:
    """networkx graphs of the CMDB (node = dense index; ``name``/``ci_class`` node attributes)."""
    topo = load_topology(session, roots)
    return CmdbGraph(topo.physical_graph(), topo.logical_graph(), list(topo.roots), topo)
