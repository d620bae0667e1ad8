"""SQLAlchemy 2 typed models, named for the domain (NetBox style): integrity lives in the schema.

Named constraints: one label per CI, one CI per identifier (kind + value), one row per location.
Every attribute change of a CI is a :class:`Change` row; every scan is a :class:`ScanRun`.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model maps one Table (the stubs say FromClause, which insert()/update() refuse).
    __table__: ClassVar[Table]


class CIClass(enum.StrEnum):
    ROUTER = "router"
    SWITCH = "switch"
    FIREWALL = "firewall"
    AP = "ap"
    SERVER = "server"
    PC = "pc"
    PRINTER = "printer"
    PHONE = "phone"
    UPS = "ups"
    SERVICE = "service"
    CLUSTER = "cluster"
    OTHER = "other"


class CIStatus(enum.StrEnum):
    ACTIVE = "active"
    MISSING = "missing"
    RETIRED = "retired"


class Lifecycle(enum.StrEnum):
    """What a person says about a CI (beside what discovery sees: active / missing)."""

    IN_STOCK = "in_stock"
    IN_USE = "in_use"
    REPAIR = "repair"
    RETIRED = "retired"


class NoteKind(enum.StrEnum):
    """Journal entry kinds (NetBox's journal entry kinds, for a hospital's problem library)."""

    INFO = "info"
    FAULT = "fault"
    REPAIR = "repair"
    CHANGE = "change"


class RelKind(enum.StrEnum):
    CONNECTED_TO = "connected_to"
    DEPENDS_ON = "depends_on"
    MEMBER_OF = "member_of"


class IdKind(enum.StrEnum):
    SERIAL = "serial"
    MAC = "mac"
    IP = "ip"
    HOSTNAME = "hostname"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # finished, some hosts failed
    FAILED = "failed"


class RunEventKind(enum.StrEnum):
    NEW = "new"
    CHANGED = "changed"
    SEEN = "seen"  # seen, nothing changed
    MISSING = "missing"


def _enum(e: type[enum.Enum], name: str) -> Enum:
    # Values are stored as lower-case strings; the CHECK constraint is declared next to the
    # column with one_of() instead of by this type (see there).
    return Enum(
        e,
        name=name,
        values_callable=lambda x: [m.value for m in x],
        native_enum=False,
        create_constraint=False,
        validate_strings=True,
        length=20,
    )


def one_of(column: str, e: type[enum.Enum]) -> str:
    """CHECK text: ``column`` holds one of ``e``'s values, as ``col = 'a' OR col = 'b' ...``.

    Not ``col IN ('a', 'b', ...)`` (what the Enum type would emit): SQLite builds a temporary
    b-tree for an IN list inside a CHECK constraint again for every row written. At 100k new CIs
    and 400k identifiers that was a quarter of a first ingest's instructions.
    """
    return " OR ".join(f"{column} = '{m.value}'" for m in e)


def _checked(column: str, e: type[enum.Enum], name: str) -> CheckConstraint:
    """The named CHECK of an enum column (``ck_<table>_<name>``, the name the Enum type gave)."""
    return CheckConstraint(one_of(column, e), name=name)


class Building(Base):
    """A building's own name, department and contact (its rooms and CIs inherit them)."""

    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("code", name="uq_building_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))  # the label rule's building code, e.g. D01
    name: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))


class Location(Base):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("building", "floor", "room", name="uq_location_bfr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building: Mapped[str] = mapped_column(String(16))
    floor: Mapped[str] = mapped_column(String(16))
    room: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200))  # e.g. a Chinese room name
    #: the room's department and contact; CIs in the room inherit them unless they have their own
    department: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))

    cis: Mapped[list[CI]] = relationship(back_populates="location")


class CI(Base):
    __tablename__ = "ci"
    __table_args__ = (
        UniqueConstraint("label", name="uq_ci_label"),  # NULLs are allowed many times
        # unique where set; a partial index costs nothing for the 100k CIs without one
        Index(
            "uq_ci_asset_code",
            "asset_code",
            unique=True,
            sqlite_where=text("asset_code IS NOT NULL"),
            postgresql_where=text("asset_code IS NOT NULL"),
        ),
        _checked("class", CIClass, "ci_class"),
        _checked("status", CIStatus, "ci_status"),
        CheckConstraint(
            f"lifecycle IS NULL OR {one_of('lifecycle', Lifecycle)}", name="ci_lifecycle"
        ),
        Index("ix_ci_name", "name"),
        Index("ix_ci_ip", "ip"),
        Index("ix_ci_mac", "mac"),
        Index("ix_ci_location_id", "location_id"),  # a room's CIs, list pages by building
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    ci_class: Mapped[CIClass] = mapped_column(
        "class", _enum(CIClass, "ci_class"), default=CIClass.OTHER
    )
    role: Mapped[str | None] = mapped_column(String(64))  # core, gateway, distribution, access...
    vendor: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(128))
    platform: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(128))
    os_version: Mapped[str | None] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(45))
    mac: Mapped[str | None] = mapped_column(String(17))
    description: Mapped[str | None] = mapped_column(Text)
    #: the device's own location text (SNMP sysLocation) as it said it, room code or not
    location_text: Mapped[str | None] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    #: the CI's own department (None: inherited from its room, then its building)
    department: Mapped[str | None] = mapped_column(String(200))
    #: what a person set (in_stock / in_use / repair / retired); discovery never changes it
    lifecycle: Mapped[Lifecycle | None] = mapped_column(_enum(Lifecycle, "ci_lifecycle"))
    lifecycle_date: Mapped[date | None] = mapped_column(Date)
    #: the asset register's 购置日期
    purchase_date: Mapped[date | None] = mapped_column(Date)
    #: 设备分类编码: unit-category-location-number, built by the rule in [asset_codes]
    asset_code: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"))
    seat: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(64))
    min_up: Mapped[int | None] = mapped_column(Integer)  # clusters only
    status: Mapped[CIStatus] = mapped_column(_enum(CIStatus, "ci_status"), default=CIStatus.ACTIVE)
    missed_runs: Mapped[int] = mapped_column(Integer, default=0)
    #: attribute -> source that last set it (manual edits are never overwritten by discovery)
    attr_sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    location: Mapped[Location | None] = relationship(back_populates="cis")
    interfaces: Mapped[list[Interface]] = relationship(
        back_populates="ci", cascade="all, delete-orphan"
    )
    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="ci", cascade="all, delete-orphan"
    )


class ClassReason(Base):
    """Why discovery gave a CI its class: the evidence of the fact that last set the class.

    Kept beside ``ci`` (not a ci column) so that the reconciler's per-CI record stays small;
    written after a run for the CIs whose class the run's facts set (``ci show`` prints it).
    """

    __tablename__ = "ci_class_reason"

    ci_id: Mapped[int] = mapped_column(ForeignKey("ci.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(Integer)


class Interface(Base):
    __tablename__ = "interface"
    __table_args__ = (UniqueConstraint("ci_id", "name", name="uq_interface_ci_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ci_id: Mapped[int] = mapped_column(ForeignKey("ci.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    ifindex: Mapped[int | None] = mapped_column(Integer)
    descr: Mapped[str | None] = mapped_column(String(255))
    alias: Mapped[str | None] = mapped_column(String(255))
    mac: Mapped[str | None] = mapped_column(String(17))
    ips: Mapped[list[str]] = mapped_column(JSON, default=list)
    speed_mbps: Mapped[int | None] = mapped_column(Integer)
    oper_status: Mapped[str | None] = mapped_column(String(16))  # up | down | None
    kind: Mapped[str | None] = mapped_column(String(16))
    lag_parent: Mapped[str | None] = mapped_column(String(128))

    ci: Mapped[CI] = relationship(back_populates="interfaces")


class Relationship(Base):
    """``connected_to`` (a cable, both ports), ``depends_on`` (source needs target),
    ``member_of`` (source is a member of cluster target).

    ``connected_to`` rows are stored with ``source_ci_id < target_ci_id`` so that a link seen from
    either side is one row; ports are ``''`` (not NULL) when unknown so the unique constraint holds.
    """

    __tablename__ = "relationship"
    __table_args__ = (
        UniqueConstraint(
            "kind",
            "source_ci_id",
            "source_port",
            "target_ci_id",
            "target_port",
            name="uq_relationship_ends",
        ),
        Index("ix_relationship_target", "target_ci_id"),
        _checked("kind", RelKind, "rel_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RelKind] = mapped_column(_enum(RelKind, "rel_kind"))
    source_ci_id: Mapped[int] = mapped_column(ForeignKey("ci.id", ondelete="CASCADE"), index=True)
    source_port: Mapped[str] = mapped_column(String(128), default="")
    target_ci_id: Mapped[int] = mapped_column(ForeignKey("ci.id", ondelete="CASCADE"))
    target_port: Mapped[str] = mapped_column(String(128), default="")
    asserted_by: Mapped[str] = mapped_column(String(32), default="manual")  # a Source value
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Identifier(Base):
    """A value that identifies one CI (serial, MAC, IP, hostname): unique per kind and value.

    The identifier itself is the primary key (on SQLite a ``WITHOUT ROWID`` table): one b-tree
    per row instead of a rowid table plus a unique index, at four identifiers per device.
    """

    __tablename__ = "identifier"
    __table_args__ = (_checked("kind", IdKind, "id_kind"), {"sqlite_with_rowid": False})

    kind: Mapped[IdKind] = mapped_column(_enum(IdKind, "id_kind"), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    ci_id: Mapped[int] = mapped_column(ForeignKey("ci.id", ondelete="CASCADE"), index=True)

    ci: Mapped[CI] = relationship(back_populates="identifiers")


class ScanRun(Base):
    __tablename__ = "scan_run"
    __table_args__ = (_checked("status", RunStatus, "run_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[RunStatus] = mapped_column(
        _enum(RunStatus, "run_status"), default=RunStatus.RUNNING
    )
    n_seen: Mapped[int] = mapped_column(Integer, default=0)
    n_new: Mapped[int] = mapped_column(Integer, default=0)
    n_changed: Mapped[int] = mapped_column(Integer, default=0)
    n_missing: Mapped[int] = mapped_column(Integer, default=0)
    n_failed: Mapped[int] = mapped_column(Integer, default=0)
    #: per-host failures: [{"target": ..., "kind": ..., "error": ...}]
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class RunEvent(Base):
    """What a run did to CIs (new / changed / seen / missing): powers ``runs show`` and ``diff``.

    One row per run of CIs with the same event: ``first_ci_id..last_ci_id`` covers consecutive
    CI ids (ids no CI has are skipped over, and never handed out again). A rescan that sees
    100k unchanged CIs writes one row, not 100k. Join with
    ``CI.id.between(RunEvent.first_ci_id, RunEvent.last_ci_id)``; see :func:`event_cis`.
    """

    __tablename__ = "run_event"
    __table_args__ = (
        CheckConstraint("last_ci_id >= first_ci_id", name="range"),
        _checked("event", RunEventKind, "run_event_kind"),
        {"sqlite_with_rowid": False},
    )

    run_id: Mapped[int] = mapped_column(
        ForeignKey("scan_run.id", ondelete="CASCADE"), primary_key=True
    )
    first_ci_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_ci_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[RunEventKind] = mapped_column(_enum(RunEventKind, "run_event_kind"))


def event_cis(*events: str | RunEventKind) -> Any:
    """Join condition and filter: the CIs a :class:`RunEvent` row covers, for ``events``.

    Use as ``select(CI...).join(RunEvent, event_cis("new", "changed"))`` plus a run filter.
    """
    cond: ColumnElement[bool] = CI.id.between(RunEvent.first_ci_id, RunEvent.last_ci_id)
    if events:
        cond = and_(cond, RunEvent.event.in_([str(e) for e in events]))
    return cond


class Change(Base):
    """Attribute history: one row per changed attribute of a CI."""

    __tablename__ = "change"

    id: Mapped[int] = mapped_column(primary_key=True)
    ci_id: Mapped[int] = mapped_column(ForeignKey("ci.id", ondelete="CASCADE"), index=True)
    attribute: Mapped[str] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scan_run.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PortSighting(Base):
    """An end host's MAC seen on a switch access port: answers ``netcmdb where``."""

    __tablename__ = "port_sighting"
    __table_args__ = (
        UniqueConstraint("mac", "switch_ci_id", "port", name="uq_port_sighting_mac_switch_port"),
        Index("ix_port_sighting_mac", "mac"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mac: Mapped[str] = mapped_column(String(17))
    host_ci_id: Mapped[int | None] = mapped_column(ForeignKey("ci.id", ondelete="SET NULL"))
    switch_ci_id: Mapped[int] = mapped_column(ForeignKey("ci.id", ondelete="CASCADE"))
    port: Mapped[str] = mapped_column(String(128))
    vlan: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(45))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Note(Base):
    """A journal entry about a CI (its problem library): never edited in place, a correction
    is a new note.

    ``ci_name`` keeps the CI's name when the note was written, so a note stays readable if its
    CI is ever deleted (``ci_id`` then becomes NULL); renames and merges keep ``ci_id``.
    """

    __tablename__ = "note"
    __table_args__ = (
        _checked("kind", NoteKind, "note_kind"),
        Index("ix_note_ci", "ci_id", "at"),
        Index("ix_note_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ci_id: Mapped[int | None] = mapped_column(ForeignKey("ci.id", ondelete="SET NULL"))
    ci_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[NoteKind] = mapped_column(_enum(NoteKind, "note_kind"), default=NoteKind.INFO)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Role(enum.StrEnum):
    """What a web user or API token may do: read < edit (CIs, labels, pushed facts) < admin."""

    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"


class User(Base):
    """A person who logs in to ``netcmdb serve`` (password stored as an argon2 hash only)."""

    __tablename__ = "web_user"
    __table_args__ = (
        UniqueConstraint("name", name="uq_web_user_name"),
        _checked("role", Role, "web_user_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(_enum(Role, "web_user_role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """An API token for ``Authorization: Bearer``: only its SHA-256 is stored (shown once)."""

    __tablename__ = "api_token"
    __table_args__ = (
        UniqueConstraint("name", name="uq_api_token_name"),
        UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
        _checked("role", Role, "api_token_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(_enum(Role, "api_token_role"))
    token_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
