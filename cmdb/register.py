"""The hospital's asset register (Excel or CSV with Chinese headers) into the CMDB.

``netcmdb import xlsx|register FILE``: the sheet is read (openpyxl; CSV in UTF-8 with or without
BOM, else GB18030), its headers mapped to CMDB fields (common Chinese headers without a map,
``--map "设备名称=name"`` or a saved profile otherwise), **every row validated before anything is
written** (a bad row is reported with its sheet row number), then each row is matched to a CI
(asset code, serial, MAC, name, IP — in that order) and applied in the caller's transaction:
matched CIs get the register's values (recorded in their history), unmatched rows become new
CIs unless ``update_only``. Identifiers (serial, MAC, IP, hostname) are registered through the
reconciler's one rule (:func:`netcmdb.cmdb.reconcile.fact_identifiers`), so a later scan finds
the same CI instead of making a second one.

Must not import the CLI or scanners; never prints.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcmdb.cmdb.lifecycle import lifecycle_state
from netcmdb.cmdb.models import CI, Change, CIClass, Identifier, utcnow
from netcmdb.cmdb.query import _s, _v, set_manual
from netcmdb.cmdb.reconcile.identify import canon_ip, fact_identifiers
from netcmdb.discovery.facts import DeviceFact, Source
from netcmdb.discovery.normalize import mac_or_none
from netcmdb.errors import CmdbError, ImportFormatError, LabelError

#: CMDB fields a register column can fill
FIELDS = (
    "name",
    "asset_code",
    "serial",
    "mac",
    "ip",
    "room",
    "department",
    "contact",
    "lifecycle",
    "purchase_date",
    "class",
    "owner",
    "vendor",
    "model",
    "description",
)
#: headers recognised without a map (lower-cased, spaces removed), besides the field names
COMMON_HEADERS: dict[str, str] = {
    "设备名称": "name",
    "名称": "name",
    "资产名称": "name",
    "主机名": "name",
    "资产编号": "asset_code",
    "资产编码": "asset_code",
    "设备编号": "asset_code",
    "设备分类编码": "asset_code",
    "序列号": "serial",
    "sn": "serial",
    "设备序列号": "serial",
    "mac地址": "mac",
    "mac": "mac",
    "物理地址": "mac",
    "ip地址": "ip",
    "ip": "ip",
    "位置/房间": "room",
    "位置": "room",
    "房间": "room",
    "房间号": "room",
    "安装位置": "room",
    "使用科室": "department",
    "科室": "department",
    "使用部门": "department",
    "部门": "department",
    "责任人": "contact",
    "联系人": "contact",
    "使用人": "contact",
    "状态": "lifecycle",
    "使用状态": "lifecycle",
    "资产状态": "lifecycle",
    "购置日期": "purchase_date",
    "购买日期": "purchase_date",
    "采购日期": "purchase_date",
    "设备类型": "class",
    "设备类别": "class",
    "类别": "class",
    "类型": "class",
    "品牌": "vendor",
    "厂商": "vendor",
    "型号": "model",
    "规格型号": "model",
    "备注": "description",
}
#: register states -> lifecycle
STATES: dict[str, str] = {
    "在用": "in_use",
    "使用中": "in_use",
    "正常": "in_use",
    "在库": "in_stock",
    "库存": "in_stock",
    "闲置": "in_stock",
    "备用": "in_stock",
    "维修": "repair",
    "维修中": "repair",
    "送修": "repair",
    "故障": "repair",
    "报废": "retired",
    "已报废": "retired",
    "停用": "retired",
    "退役": "retired",
}
#: register device types -> class
CLASSES: dict[str, str] = {
    "电脑": "pc",
    "台式机": "pc",
    "计算机": "pc",
    "笔记本": "pc",
    "笔记本电脑": "pc",
    "打印机": "printer",
    "交换机": "switch",
    "路由器": "router",
    "防火墙": "firewall",
    "服务器": "server",
    "无线ap": "ap",
    "ap": "ap",
    "电话": "phone",
    "ups": "ups",
}
#: the register's values are people's: pinned like ``import`` (beats discovery, not hand edits)
PIN = "import"
SOURCE = "register"
_MAX = {
    "name": 255,
    "asset_code": 64,
    "serial": 128,
    "department": 200,
    "contact": 200,
    "owner": 200,
    "vendor": 128,
    "model": 128,
    "description": 2000,
}

RoomParser = Callable[[str], tuple[str, str, str]]


@dataclass
class Table:
    """A sheet as read: its name and its non-empty rows with their sheet row numbers (the
    header row is found later: registers often have a title row or two above it)."""

    source: str
    rows: list[tuple[int, list[str]]]

    @property
    def header(self) -> list[str]:
        return self.rows[0][1]


@dataclass
class RegisterResult:
    """What an import did (or, with ``dry_run``, would do)."""

    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "unmatched": self.unmatched,
            "ignored_columns": self.ignored_columns,
        }


# ---- reading -------------------------------------------------------------------------------


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if not (v.hour or v.minute or v.second) else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_xlsx(path: str | Path, sheet: str | None = None) -> Table:
    """The first (or the named) sheet of an .xlsx file; the header is its first non-empty row.

    Raises:
        ImportFormatError: not a readable xlsx, no such sheet, or an empty sheet.
    """
    import io
    import zipfile

    import openpyxl

    from netcmdb.inputs import input_limit, read_capped

    data = read_capped(path)  # /dev/zero, a FIFO, a 40 GB file: bounded, one line
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ImportFormatError(
            "{path}: not a readable .xlsx file ({exc})", path=path, exc=exc
        ) from None
    if unpacked > input_limit():
        raise ImportFormatError(
            (
                "{path}: unpacks to {unpacked} MiB, more than the limit for one input file "
                "({input_limit} MiB; NETCMDB_MAX_INPUT_MB raises it)"
            ),
            path=path,
            unpacked=unpacked // (1024 * 1024),
            input_limit=input_limit() // (1024 * 1024),
        )
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl/lxml raise many types for a damaged file: all one line
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportFormatError(
            "{path}: not a readable .xlsx file ({value})", path=path, value=msg[:200]
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise ImportFormatError(
                "{path}: no sheet {sheet!r} (sheets: {sheetnames})",
                path=path,
                sheet=sheet,
                sheetnames=", ".join(wb.sheetnames),
            )
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        try:
            rows = [
                (i, [_cell(v) for v in r]) for i, r in enumerate(ws.iter_rows(values_only=True), 1)
            ]
        except Exception as exc:  # a damaged sheet part (bad XML, resource limits): one line
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ImportFormatError(
                "{path}: not a readable .xlsx file ({value})", path=path, value=msg[:200]
            ) from None
        name = ws.title
    finally:
        wb.close()
    return _table(f"{Path(path).name} sheet {name}", rows, path)


def read_csv(path: str | Path) -> Table:
    """A CSV register in UTF-8 (with or without BOM) or GB18030.

    Raises:
        ImportFormatError: unreadable, in neither encoding, or empty.
    """
    from netcmdb.inputs import read_capped

    raw = read_capped(path)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFormatError("{path}: neither UTF-8 nor GB18030 text", path=path)
    try:
        rows = [
            (i, [c.strip() for c in r])
            for i, r in enumerate(csv.reader(io.StringIO(text, newline="")), 1)
        ]
    except csv.Error as exc:
        raise ImportFormatError("{path}: not CSV ({exc})", path=path, exc=exc) from None
    return _table(Path(path).name, rows, path)


def _table(source: str, rows: list[tuple[int, list[str]]], path: Any) -> Table:
    rows = [(i, r) for i, r in rows if any(c for c in r)]
    if not rows:
        raise ImportFormatError("{path}: the sheet is empty", path=path)
    return Table(source, rows)


# ---- mapping and validation ----------------------------------------------------------------


def _key(header: str) -> str:
    return "".join(header.split()).lower()


def parse_maps(items: Sequence[str]) -> dict[str, str]:
    """``["设备名称=name", ...]`` as a dict; refuses unknown fields.

    Raises:
        ImportFormatError: an item without ``=`` or naming an unknown field.
    """
    out: dict[str, str] = {}
    for item in items:
        head, sep, fld = item.partition("=")
        if not sep or not head.strip() or not fld.strip():
            raise ImportFormatError(
                "--map {item!r}: expected HEADER=FIELD, e.g. 设备名称=name", item=item
            )
        fld = fld.strip()
        if fld not in FIELDS:
            raise ImportFormatError(
                "--map {item!r}: unknown field {fld!r} (fields: {fields})",
                item=item,
                fld=fld,
                fields=", ".join(FIELDS),
            )
        out[head.strip()] = fld
    return out


def column_map(header: Sequence[str], maps: Mapping[str, str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field, and the headers that map to nothing (ignored).

    Raises:
        ImportFormatError: two columns for one field, or a mapped header the sheet lacks.
    """
    explicit = {_key(h): f for h, f in maps.items()}
    by_col: dict[int, str] = {}
    ignored: list[str] = []
    for i, h in enumerate(header):
        k = _key(h)
        fld = explicit.get(k) or COMMON_HEADERS.get(k) or (k if k in FIELDS else None)
        if fld is None:
            if h:
                ignored.append(h)
            continue
        if fld in by_col.values():
            raise ImportFormatError(
                "columns {h!r} and {value!r} both fill {fld!r}; map one of them away (--map)",
                h=h,
                value=header[[c for c, f in by_col.items() if f == fld][0]],
                fld=fld,
            )
        by_col[i] = fld
    missing = [h for h in maps if _key(h) not in {_key(x) for x in header}]
    if missing:
        raise ImportFormatError("--map: the sheet has no column {value!r}", value=missing[0])
    return by_col, ignored


def _date(v: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.strptime(v[:10] if fmt == "%Y-%m-%d" else v, fmt).date()
        except ValueError:
            continue
    raise ValueError(v)


def _value(fld: str, v: str, parse_room: RoomParser) -> Any:
    """One cell as the CMDB value; ValueError names what is wrong."""
    if fld == "mac":
        m = mac_or_none(v)
        if m is None:
            raise ValueError(f"MAC地址 {v!r} is not a MAC address")
        return m
    if fld == "ip":
        a = canon_ip(v)
        if a is None:
            raise ValueError(f"IP地址 {v!r} is not an IP address")
        return a
    if fld == "room":
        try:
            return tuple(parse_room(v))
        except (LabelError, CmdbError) as exc:
            raise ValueError(f"room {v!r}: {exc}") from None
    if fld == "lifecycle":
        state = STATES.get(v) or v
        try:
            return lifecycle_state(state).value
        except CmdbError:
            raise ValueError(
                f"状态 {v!r} is not a known state ({', '.join(STATES)}, or "
                "in_use / in_stock / repair / retired)"
            ) from None
    if fld == "class":
        cls = CLASSES.get(_key(v)) or v.lower()
        if cls not in {c.value for c in CIClass}:
            raise ValueError(f"device type {v!r} is not known ({', '.join(CLASSES)})")
        return cls
    if fld == "purchase_date":
        try:
            return _date(v)
        except ValueError:
            raise ValueError(f"购置日期 {v!r} is not a date (2020-05-01)") from None
    if any(ord(ch) < 32 for ch in v):
        raise ValueError(f"{fld} holds control characters")
    if len(v) > _MAX.get(fld, 255):
        raise ValueError(f"{fld} is longer than {_MAX.get(fld, 255)} characters")
    return v


#: the header is looked for in this many first rows
HEADER_SEARCH_ROWS = 10


def header_first(table: Table, maps: Mapping[str, str]) -> Table:
    """``table`` from its header row on: the first of the first rows naming two known fields
    (or one, for a one-column sheet); title rows above it are dropped."""
    explicit = {_key(h) for h in maps}
    for pos, (_, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        known = sum(
            1
            for c in cells
            if _key(c) in explicit or _key(c) in COMMON_HEADERS or _key(c) in FIELDS
        )
        if known >= min(2, len([c for c in cells if c])):
            return Table(table.source, table.rows[pos:])
    return table


def validate(
    table: Table, by_col: Mapping[int, str], parse_room: RoomParser
) -> list[tuple[int, dict[str, Any]]]:
    """Every data row as ``(sheet row, {field: value})``.

    Raises:
        ImportFormatError: the first bad row, with its sheet row number; also an asset code or
            serial that appears on two rows.
    """
    out: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for n, cells in table.rows[1:]:
        rec: dict[str, Any] = {}
        for i, fld in by_col.items():
            v = cells[i].strip() if i < len(cells) else ""
            if not v:
                continue
            try:
                rec[fld] = _value(fld, v, parse_room)
            except ValueError as exc:
                raise ImportFormatError(
                    "{source} row {n}: {exc}", source=table.source, n=n, exc=exc
                ) from None
        if not rec:
            continue
        if not any(k in rec for k in ("name", "asset_code", "serial", "mac", "ip")):
            raise ImportFormatError(
                "{source} row {n}: no 设备名称, 资产编号, 序列号, MAC or IP to know the device by",
                source=table.source,
                n=n,
            )
        for k in ("asset_code", "serial", "mac"):
            if k in rec:
                prev = seen.setdefault((k, str(rec[k]).upper()), n)
                if prev != n:
                    raise ImportFormatError(
                        "{source} row {n}: {k} {value} is also on row {prev}",
                        source=table.source,
                        n=n,
                        k=k,
                        value=rec[k],
                        prev=prev,
                    )
        out.append((n, rec))
    return out


# ---- matching and applying -------------------------------------------------------------------


def _match(session: Session, rec: Mapping[str, Any]) -> CI | None:
    if "asset_code" in rec:
        hit = session.scalars(select(CI).where(CI.asset_code == rec["asset_code"])).first()
        if hit is not None:
            return hit
    fact = DeviceFact(
        source=Source.IMPORT, serial=rec.get("serial"), mac=rec.get("mac"), ip=rec.get("ip")
    )
    ids = fact_identifiers(fact)
    for kind in ("serial", "mac"):
        for value in ids.get(kind, []):
            cid = session.scalar(
                select(Identifier.ci_id).where(Identifier.kind == kind, Identifier.value == value)
            )
            if cid is not None:
                return session.get(CI, cid)
    if "name" in rec:
        hits = list(session.scalars(select(CI).where(CI.name == rec["name"]).limit(2)))
        if len(hits) == 1:
            return hits[0]
    for value in ids.get("ip", []):
        cid = session.scalar(
            select(Identifier.ci_id).where(Identifier.kind == "ip", Identifier.value == value)
        )
        if cid is not None:
            return session.get(CI, cid)
    return None


#: attributes discovery also knows: written directly, pinned ``import``
_DIRECT = ("serial", "mac", "ip", "vendor", "model", "purchase_date")
_MANUAL = ("name", "asset_code", "department", "contact", "owner", "description", "lifecycle")


def _diff(ci: CI, rec: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for k, v in rec.items():
        if k in ("room", "class"):
            continue
        old = _s(_v(getattr(ci, k)))
        if old != _s(v):
            out.append({"attribute": k, "old": old, "new": _s(v)})
    if "class" in rec and _v(ci.ci_class) != rec["class"]:
        out.append({"attribute": "class", "old": _v(ci.ci_class), "new": rec["class"]})
    if "room" in rec:
        loc = ci.location
        old_room = (loc.building, loc.floor, loc.room) if loc else None
        if old_room != tuple(rec["room"]):
            out.append(
                {
                    "attribute": "location",
                    "old": "/".join(old_room) if old_room else None,
                    "new": "/".join(rec["room"]),
                }
            )
    return out


def _identify(session: Session, ci: CI, rec: Mapping[str, Any], row: str) -> None:
    """Register the row's identifiers for ``ci`` (refused when one belongs to another CI)."""
    fact = DeviceFact(
        source=Source.IMPORT,
        serial=rec.get("serial"),
        mac=rec.get("mac"),
        ip=rec.get("ip"),
        hostname=rec.get("name"),
    )
    for kind, values in fact_identifiers(fact).items():
        for value in values:
            owner = session.scalar(
                select(Identifier.ci_id).where(Identifier.kind == kind, Identifier.value == value)
            )
            if owner is None:
                session.add(Identifier(kind=kind, value=value, ci_id=ci.id))
            elif owner != ci.id and kind != "hostname":
                other = session.get(CI, owner)
                raise ImportFormatError(
                    "{row}: {kind} {value} belongs to CI {name!r}",
                    row=row,
                    kind=kind,
                    value=value,
                    name=other.name if other else owner,
                )


def _apply(session: Session, ci: CI, rec: Mapping[str, Any], row: str) -> None:
    srcs = dict(ci.attr_sources or {})
    now = utcnow()
    for k in _DIRECT:
        if k in rec and getattr(ci, k) != rec[k]:
            session.add(
                Change(
                    ci_id=ci.id,
                    attribute=k,
                    old=_s(getattr(ci, k)),
                    new=_s(rec[k]),
                    source=SOURCE,
                    at=now,
                )
            )
            setattr(ci, k, rec[k])
            srcs[k] = PIN
    ci.attr_sources = srcs
    values: dict[str, Any] = {k: rec[k] for k in _MANUAL if k in rec and k != "lifecycle"}
    if "class" in rec:
        values["class"] = rec["class"]
    if "room" in rec:
        values["location"] = tuple(rec["room"])
    if "lifecycle" in rec and _v(ci.lifecycle) != rec["lifecycle"]:
        values["lifecycle"] = rec["lifecycle"]
        values["lifecycle_date"] = date.today()
    try:
        set_manual(session, ci, values, source=SOURCE)
    except CmdbError as exc:
        raise ImportFormatError("{row}: {exc}", row=row, exc=exc) from None
    session.flush()
    _identify(session, ci, rec, row)


def import_register(
    session: Session,
    table: Table,
    *,
    maps: Mapping[str, str] | None = None,
    parse_room: RoomParser,
    update_only: bool = False,
    dry_run: bool = False,
) -> RegisterResult:
    """Validate every row of ``table``, then match and apply them in the caller's transaction.

    With ``dry_run`` nothing is written (the plan is returned; the caller should roll back).

    Raises:
        ImportFormatError: a bad row (named by its sheet row number) or header mapping; then
            nothing has been written that will be committed.
    """
    table = header_first(table, maps or {})
    by_col, ignored = column_map(table.header, maps or {})
    if not by_col:
        shown = ", ".join(h[:40] for h in table.header[:20])
        more = f", ... ({len(table.header)} columns)" if len(table.header) > 20 else ""
        raise ImportFormatError(
            "{source}: no column is known (headers: {shown}{more}); use --map HEADER=FIELD",
            source=table.source,
            shown=shown,
            more=more,
        )
    rows = validate(table, by_col, parse_room)
    result = RegisterResult(ignored_columns=ignored)
    claimed: dict[int, int] = {}
    for n, rec in rows:
        row = f"{table.source} row {n}"
        ci = _match(session, rec)
        if ci is not None and ci.id in claimed:
            raise ImportFormatError(
                "{row}: is the same CI {name!r} as row {value}",
                row=row,
                name=ci.name,
                value=claimed[ci.id],
            )
        if ci is None:
            if update_only:
                result.unmatched.append(
                    {
                        "row": n,
                        **{
                            k: _s(v) if not isinstance(v, tuple) else "/".join(v)
                            for k, v in rec.items()
                        },
                    }
                )
                continue
            if "name" not in rec:
                raise ImportFormatError("{row}: a new device needs a 设备名称 (name)", row=row)
            result.new.append({"row": n, "name": rec["name"]})
            if dry_run:
                continue
            ci = CI(name=rec["name"], ci_class=CIClass(rec.get("class", "other")), attr_sources={})
            session.add(ci)
            session.flush()
            _apply(session, ci, rec, row)
            claimed[ci.id] = n
            continue
        claimed[ci.id] = n
        diff = _diff(ci, rec)
        if not diff:
            result.unchanged += 1
            continue
        result.changed.append({"row": n, "ci": ci.name, "changes": diff})
        if not dry_run:
            _apply(session, ci, rec, row)
    return result
