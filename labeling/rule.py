"""The label rule as data: a pattern with named fields, one formatter and one parser per rule.

The house rule (operations manual) is ``DZZXXXX-YYY``: ``D``, a 2-digit building, 2-digit floor,
2-digit room, a dash and a 3-digit seat (``D010210-009`` is building 01, floor 02, room 10, seat 9).
A fuller code may prefix the customer unit and device category: ``HQ-SW-D010210-001``.

Decisions (documented in docs/labeling.md):

* **Basements** use the floor field: ``B1``..``B9`` (``D01B110-003`` is building 01, basement 1,
  room 10). A rule may switch basements off (``basement_prefix = ""``).
* **Rooms above 99 / more than 999 seats** do not fit the house rule; the parser and the
  assigner say so and name the fix: a wider rule (``WIDE_RULE``: 3-digit room, 4-digit seat, or
  any custom widths from the config file).
* **Prefix** (unit, category) is all-or-nothing so that ``X-D010210-001`` is never ambiguous.
* Parsing is case-insensitive and ignores surrounding blanks; the canonical form is upper-case.

This module is pure (no database, no I/O) and must not import cmdb, exporters or the CLI.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from netcmdb.errors import LabelError

DIGITS = "digits"
ALNUM = "alnum"
_CHARSETS = {DIGITS: string.digits, ALNUM: string.ascii_uppercase + string.digits}
_CHARSET_WORDS = {DIGITS: "digits", ALNUM: "letters A-Z or digits"}
CORE_FIELDS = ("building", "floor", "room", "seat")
PREFIX_FIELDS = ("unit", "category")
_TOKEN = re.compile(r"\{(\w+)\}")


class RoomRef(NamedTuple):
    """(building, floor, room), canonical. A tuple for callers that unpack it, with attributes
    for the reconciler's ``location_parser`` contract (it reads ``.building`` etc.)."""

    building: str
    floor: str
    room: str


_WIDTH_TOKEN = re.compile(r"\{(\w+)(?::(\d+))?(?::(\w+))?\}")


@dataclass(frozen=True)
class FieldSpec:
    """One named field: fixed ``width`` in the core, ``min_width``..``width`` in the prefix."""

    name: str
    width: int
    chars: str = DIGITS
    min_width: int | None = None

    def __post_init__(self) -> None:
        if self.chars not in _CHARSETS:
            raise LabelError(
                "label rule: field {name}: chars must be one of {charsets}, not {chars!r}",
                name=self.name,
                charsets=sorted(_CHARSETS),
                chars=self.chars,
            )
        if not 1 <= self.width <= 12:
            raise LabelError(
                "label rule: field {name}: width {width} not in 1..12",
                name=self.name,
                width=self.width,
            )

    @property
    def allowed(self) -> str:
        return _CHARSETS[self.chars]


@dataclass(frozen=True)
class Label:
    """A parsed label. ``building``/``floor``/``room`` are canonical strings (zero-padded)."""

    building: str
    floor: str
    room: str
    seat: int
    unit: str | None = None
    category: str | None = None

    @property
    def room_key(self) -> tuple[str, str, str]:
        return (self.building, self.floor, self.room)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "category": self.category,
            "building": self.building,
            "floor": self.floor,
            "room": self.room,
            "seat": self.seat,
        }


def _default_fields() -> dict[str, FieldSpec]:
    return {
        "building": FieldSpec("building", 2),
        "floor": FieldSpec("floor", 2),
        "room": FieldSpec("room", 2),
        "seat": FieldSpec("seat", 3),
        "unit": FieldSpec("unit", 8, ALNUM, min_width=1),
        "category": FieldSpec("category", 4, ALNUM, min_width=1),
    }


@dataclass(frozen=True)
class Rule:
    """A label rule. ``core`` is a pattern of literals and ``{field}`` tokens with fixed widths.

    Attributes:
        name: shown in messages (``default``, ``wide`` or the config's name).
        core: e.g. ``"D{building}{floor}{room}-{seat}"``; must contain each core field once.
        fields: widths and allowed characters per field.
        prefix: the optional prefix fields, in order, each followed by ``separator``.
        separator: between prefix fields and the core.
        basement_prefix: ``"B"`` allows floors ``B1``..``B9``; ``""`` forbids basements.
        buildings: when set, only these building codes are valid.
        unit / category: the prefix values ``assign`` writes (both or neither).
    """

    name: str = "default"
    core: str = "D{building}{floor}{room}-{seat}"
    fields: Mapping[str, FieldSpec] = field(default_factory=_default_fields)
    prefix: tuple[str, ...] = PREFIX_FIELDS
    separator: str = "-"
    basement_prefix: str = "B"
    buildings: tuple[str, ...] | None = None
    unit: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        names = _TOKEN.findall(self.core)
        for f in CORE_FIELDS:
            if names.count(f) != 1:
                raise LabelError(
                    "label rule {name!r}: core pattern {core!r} must contain {{{f}}} exactly once",
                    name=self.name,
                    core=self.core,
                    f=f,
                )
        for f in (*names, *self.prefix):
            if f not in self.fields:
                raise LabelError(
                    "label rule {name!r}: no width given for field {f!r}", name=self.name, f=f
                )
        for f in self.prefix:
            if f not in PREFIX_FIELDS:
                raise LabelError(
                    "label rule {name!r}: prefix field {f!r} is not one of {prefix_fields}",
                    name=self.name,
                    f=f,
                    prefix_fields=", ".join(PREFIX_FIELDS),
                )
        literal = _TOKEN.sub("", self.core)
        if any(c.isalnum() and c not in string.ascii_uppercase for c in literal):
            raise LabelError("label rule {name!r}: literals must be upper-case", name=self.name)
        if self.basement_prefix and (
            len(self.basement_prefix) != 1 or not self.basement_prefix.isalpha()
        ):
            raise LabelError(
                "label rule {name!r}: basement_prefix must be one letter", name=self.name
            )
        if (self.unit is None) != (self.category is None) and len(self.prefix) == 2:
            raise LabelError(
                "label rule {name!r}: set both unit and category or neither", name=self.name
            )
        if self.buildings is not None:
            object.__setattr__(
                self, "buildings", tuple(self._pad("building", b) for b in self.buildings)
            )
        if self.unit is not None:
            self._check_prefix_value("unit", self.unit)
        if self.category is not None:
            self._check_prefix_value("category", self.category)

    # ---- pattern pieces -------------------------------------------------------------------
    @property
    def tokens(self) -> list[tuple[str, str]]:
        """The core as ``[("lit", "D"), ("field", "building"), ...]``."""
        out: list[tuple[str, str]] = []
        pos = 0
        for m in _TOKEN.finditer(self.core):
            out.extend(("lit", c) for c in self.core[pos : m.start()])
            out.append(("field", m.group(1)))
            pos = m.end()
        out.extend(("lit", c) for c in self.core[pos:])
        return out

    @property
    def core_length(self) -> int:
        return sum(1 if kind == "lit" else self.fields[v].width for kind, v in self.tokens)

    @property
    def shape(self) -> str:
        """Human picture of the core, e.g. ``DBBFFRR-SSS`` (B building, F floor, R room, S seat)."""
        letter = {"building": "B", "floor": "F", "room": "R", "seat": "S"}
        return "".join(
            v if kind == "lit" else letter.get(v, "?") * self.fields[v].width
            for kind, v in self.tokens
        )

    @property
    def room_tokens(self) -> list[tuple[str, str]]:
        """Core tokens up to and including the last of building/floor/room (the room code)."""
        toks = self.tokens
        last = max(i for i, (k, v) in enumerate(toks) if k == "field" and v in CORE_FIELDS[:3])
        return toks[: last + 1]

    @property
    def max_seat(self) -> int:
        return 10 ** self.fields["seat"].width - 1

    # ---- formatting -----------------------------------------------------------------------
    def format(self, label: Label) -> str:
        """The canonical label text. Raises LabelError when a value does not fit the rule.

        >>> DEFAULT_RULE.format(Label("01", "02", "10", 9))
        'D010210-009'
        >>> DEFAULT_RULE.format(Label("1", "B1", "3", 12, "HQ", "SW"))
        'HQ-SW-D01B103-012'
        """
        values = self._check(label.building, label.floor, label.room, label.seat)
        out = [self._prefix_text(label.unit, label.category)]
        for kind, v in self.tokens:
            out.append(v if kind == "lit" else values[v])
        return "".join(out)

    def format_room(self, building: str, floor: str, room: str) -> str:
        """The room code (``D010210``): the core up to the room field."""
        values = self._check(building, floor, room, 1)
        return "".join(v if k == "lit" else values[v] for k, v in self.room_tokens)

    def room_text(self, building: str, floor: str, room: str, name: str | None = None) -> str:
        """How every output shows a room: its room code, then its name when known.

        A location that does not fit the rule is shown as ``building/floor/room``.

        >>> DEFAULT_RULE.room_text("01", "02", "10", "网络机房")
        'D010210 网络机房'
        >>> DEFAULT_RULE.room_text("A", "02", "10")
        'A/02/10'
        """
        try:
            code = self.format_room(building, floor, room)
        except LabelError:
            code = f"{building}/{floor}/{room}"
        return f"{code} {name}" if name else code

    def _prefix_text(self, unit: str | None, category: str | None) -> str:
        given = {"unit": unit, "category": category}
        vals = [given[f] for f in self.prefix]
        extra = [f for f in PREFIX_FIELDS if f not in self.prefix and given[f] is not None]
        if extra:
            raise LabelError(
                "label rule {name!r} has no {value} prefix", name=self.name, value=extra[0]
            )
        if all(v is None for v in vals):
            return ""
        if any(v is None for v in vals):
            raise LabelError(
                "label rule {name!r}: give {prefix} together or neither",
                name=self.name,
                prefix=" and ".join(self.prefix),
            )
        return "".join(
            self._check_prefix_value(f, v) + self.separator  # type: ignore[arg-type]
            for f, v in zip(self.prefix, vals, strict=True)
        )

    def _check_prefix_value(self, name: str, value: str) -> str:
        spec = self.fields[name]
        v = value.strip().upper()
        lo = spec.min_width or spec.width
        if not lo <= len(v) <= spec.width:
            raise LabelError(
                "{name} {value!r}: must be {lo}-{width} characters",
                name=name,
                value=value,
                lo=lo,
                width=spec.width,
            )
        bad = [c for c in v if c not in spec.allowed]
        if bad:
            raise LabelError(
                "{name} {value!r}: {chars!r} not allowed ({allowed} only)",
                name=name,
                value=value,
                chars=bad[0],
                allowed=_CHARSET_WORDS[spec.chars],
            )
        return v

    def _pad(self, name: str, value: object) -> str:
        """Canonical text of a building/floor/room value: digits zero-padded to the width."""
        spec = self.fields[name]
        v = str(value).strip().upper()
        if not v:
            raise LabelError("{name} is empty", name=name)
        if name == "floor" and self.basement_prefix and v.startswith(self.basement_prefix):
            digits = v[len(self.basement_prefix) :].lstrip("0") or "0"
            if not digits.isdigit() or digits == "0":
                raise LabelError(
                    "floor {value!r}: a basement is {basement_prefix}1..{basement_prefix}{nines}",
                    value=value,
                    basement_prefix=self.basement_prefix,
                    nines="9" * (spec.width - 1),
                )
            v = self.basement_prefix + digits.zfill(spec.width - 1)
            if len(v) > spec.width:
                raise LabelError(
                    "floor {value!r}: basement too deep for the {width}-character floor field",
                    value=value,
                    width=spec.width,
                )
            return v
        if spec.chars == DIGITS and v.isdigit():
            v = v.zfill(spec.width)
        if len(v) > spec.width:
            if name == "room":
                raise LabelError(
                    "room {value!r} does not fit the {width}-character room field (configure a "
                    "wider rule, e.g. the 'wide' preset)",
                    value=value,
                    width=spec.width,
                )
            raise LabelError(
                "{name} {value!r} does not fit the {width}-character {name} field",
                name=name,
                value=value,
                width=spec.width,
            )
        bad = [c for c in v if c not in spec.allowed]
        if bad:
            raise LabelError(
                "{name} {value!r}: {chars} only",
                name=name,
                value=value,
                chars=_CHARSET_WORDS[spec.chars],
            )
        if len(v) != spec.width:
            raise LabelError(
                "{name} {value!r}: must be {width} characters",
                name=name,
                value=value,
                width=spec.width,
            )
        return v

    def _check(self, building: str, floor: str, room: str, seat: int) -> dict[str, str]:
        b = self._pad("building", building)
        if self.buildings is not None and b not in self.buildings:
            raise LabelError(
                "unknown building {b} (configured buildings: {buildings})",
                b=b,
                buildings=", ".join(self.buildings),
            )
        f = self._pad("floor", floor)
        r = self._pad("room", room)
        if not isinstance(seat, int) or isinstance(seat, bool):
            raise LabelError("seat {seat!r} is not a number", seat=seat)
        if seat < 1:
            raise LabelError(
                "seat {seat}: seats start at 1", seat=f"{seat:0{self.fields['seat'].width}d}"
            )
        if seat > self.max_seat:
            raise LabelError(
                (
                    "seat {seat} does not fit the {width}-digit seat field (more seats in one room "
                    "need a wider rule, e.g. 'wide')"
                ),
                seat=seat,
                width=self.fields["seat"].width,
            )
        return {
            "building": b,
            "floor": f,
            "room": r,
            "seat": str(seat).zfill(self.fields["seat"].width),
        }

    def normalize_room(self, building: object, floor: object, room: object) -> RoomRef:
        """Canonical (building, floor, room) as stored in ``Location``; raises LabelError."""
        v = self._check(str(building), str(floor), str(room), 1)
        return RoomRef(v["building"], v["floor"], v["room"])

    # ---- parsing --------------------------------------------------------------------------
    def parse(self, text: str) -> Label:
        """Parse a label; the error names the first thing that is wrong and where.

        >>> DEFAULT_RULE.parse("D010210-009")
        Label(building='01', floor='02', room='10', seat=9, unit=None, category=None)
        >>> DEFAULT_RULE.parse("D010210-000")
        Traceback (most recent call last):
        ...
        netcmdb.errors.LabelError: 'D010210-000': seat 000: seats start at 1
        """
        if not isinstance(text, str):
            raise LabelError("label {text!r} is not text", text=text)
        raw = text.strip().upper()
        shown = repr(text.strip())
        if not raw:
            raise LabelError("empty label")
        if any(not (c.isascii() and c.isprintable()) for c in raw):
            raise LabelError(
                "{shown}: only ASCII letters, digits and {separator!r} are allowed",
                shown=shown,
                separator=self.separator,
            )
        unit, category, core = self._split_prefix(raw, shown)
        values = self._parse_core(core, shown, offset=len(raw) - len(core))
        label = Label(
            values["building"], values["floor"], values["room"], int(values["seat"]), unit, category
        )
        # Round-trip through the formatter: catches seat 000, unknown building, bad basement.
        try:
            canonical = self.format(label)
        except LabelError as exc:
            raise LabelError("{shown}: {exc}", shown=shown, exc=exc) from None
        if canonical != raw:  # pragma: no cover - guarded by the property test
            raise LabelError(
                "{shown}: not canonical (expected {canonical})", shown=shown, canonical=canonical
            )
        return label

    def _split_prefix(self, raw: str, shown: str) -> tuple[str | None, str | None, str]:
        core_seps = sum(1 for k, v in self.tokens if k == "lit" and v == self.separator)
        parts = raw.split(self.separator)
        n_prefix = len(parts) - core_seps - 1
        if n_prefix <= 0 or not self.prefix:
            return None, None, raw
        if n_prefix != len(self.prefix):
            want = self.separator.join(f.upper() for f in self.prefix)
            raise LabelError(
                (
                    "{shown}: {n_prefix} prefix part(s); the rule takes {want}{separator} or no "
                    "prefix"
                ),
                shown=shown,
                n_prefix=n_prefix,
                want=want,
                separator=self.separator,
            )
        got = dict(zip(self.prefix, parts[:n_prefix], strict=True))
        for f, v in got.items():
            try:
                self._check_prefix_value(f, v)
            except LabelError as exc:
                raise LabelError("{shown}: {exc}", shown=shown, exc=exc) from None
        core = self.separator.join(parts[n_prefix:])
        return got.get("unit"), got.get("category"), core

    def _parse_core(self, core: str, shown: str, offset: int) -> dict[str, str]:
        if len(core) != self.core_length:
            where = f"after the prefix, {len(core)}" if offset else f"{len(core)}"
            raise LabelError(
                "{shown}: wrong length: {where} characters, the rule {shape} has {core_length}",
                shown=shown,
                where=where,
                shape=self.shape,
                core_length=self.core_length,
            )
        values: dict[str, str] = {}
        pos = 0
        for kind, v in self.tokens:
            if kind == "lit":
                if core[pos] != v:
                    raise LabelError(
                        "{shown}: expected {v!r} at position {offset}, found {value!r}",
                        shown=shown,
                        v=v,
                        offset=offset + pos + 1,
                        value=core[pos],
                    )
                pos += 1
                continue
            spec = self.fields[v]
            chunk = core[pos : pos + spec.width]
            ok = all(c in spec.allowed for c in chunk)
            if not ok and v == "floor" and self.basement_prefix:
                ok = chunk.startswith(self.basement_prefix) and chunk[1:].isdigit()
            if not ok:
                at = f"positions {offset + pos + 1}-{offset + pos + spec.width}"
                if spec.chars == DIGITS and any(c.isalpha() for c in chunk):
                    extra = (
                        f" (basements are {self.basement_prefix}1..)"
                        if v == "floor" and self.basement_prefix
                        else ""
                    )
                    msg = f"letters where digits belong: {v} {chunk!r} at {at}{extra}"
                else:
                    msg = f"{v} {chunk!r} at {at}: {_CHARSET_WORDS[spec.chars]} only"
                raise LabelError("{shown}: {msg}", shown=shown, msg=msg)
            values[v] = chunk
            pos += spec.width
        return values

    def parse_room(self, text: str, *, building: str | None = None) -> RoomRef:
        """Parse a room in any notation people write or netcmdb ever printed.

        The room code (``D010210``), also without its leading literals (``010210``) or with
        spaces (``D0102 10``); ``building/floor/room`` (``01/02/10``); and, when ``building``
        is given, floor and room alone (``0210``, ``Room 0210``).

        >>> [tuple(DEFAULT_RULE.parse_room(t)) for t in ("D010210", "D0102 10", "01/02/10")]
        [('01', '02', '10'), ('01', '02', '10'), ('01', '02', '10')]
        >>> tuple(DEFAULT_RULE.parse_room("Room 0210", building="01"))
        ('01', '02', '10')
        >>> DEFAULT_RULE.parse_room("0210")
        Traceback (most recent call last):
        ...
        netcmdb.errors.LabelError: room '0210': floor and room only: give the building (D0102 10)
        """
        shown = repr(text.strip())
        if not text.strip():
            raise LabelError(
                "room '': empty (a room code looks like {room_shape})",
                room_shape=self._room_shape(),
            )
        if "/" in text:
            parts = [p.strip() for p in text.split("/")]
            if len(parts) != 3 or not all(parts):
                raise LabelError(
                    "room {shown}: expected BUILDING/FLOOR/ROOM, e.g. 01/02/10", shown=shown
                )
            try:
                return self.normalize_room(*parts)
            except LabelError as exc:
                raise LabelError("room {shown}: {exc}", shown=shown, exc=exc) from None
        raw = re.sub(r"\s+", "", re.sub(r"(?i)^\s*room\b", "", text)).upper()
        short = self.fields["floor"].width + self.fields["room"].width
        if len(raw) == short and raw.isalnum():
            if building is None:
                raise LabelError(
                    "room {shown}: floor and room only: give the building (D0102 10)", shown=shown
                )
            try:
                return self.normalize_room(
                    building, raw[: self.fields["floor"].width], raw[self.fields["floor"].width :]
                )
            except LabelError as exc:
                raise LabelError("room {shown}: {exc}", shown=shown, exc=exc) from None
        toks = self.room_tokens
        lead = ""
        for k, v in toks:
            if k != "lit":
                break
            lead += v
        if lead and not raw.startswith(lead):
            raw = lead + raw
        want = sum(1 if k == "lit" else self.fields[v].width for k, v in toks)
        shape = self._room_shape()
        if len(raw) != want:
            raise LabelError(
                "room {shown}: wrong length, a room code looks like {shape}",
                shown=shown,
                shape=shape,
            )
        values: dict[str, str] = {}
        pos = 0
        for k, v in toks:
            if k == "lit":
                if raw[pos] != v:
                    raise LabelError(
                        "room {shown}: expected {v!r} at position {pos}",
                        shown=shown,
                        v=v,
                        pos=pos + 1,
                    )
                pos += 1
                continue
            values[v] = raw[pos : pos + self.fields[v].width]
            pos += self.fields[v].width
        try:
            return self.normalize_room(values["building"], values["floor"], values["room"])
        except LabelError as exc:
            raise LabelError("room {shown}: {exc}", shown=shown, exc=exc) from None

    def _room_shape(self) -> str:
        """``DBBFFRR``: the room code's literals and field letters."""
        return "".join(
            v
            if k == "lit"
            else {"building": "B", "floor": "F", "room": "R"}.get(v, "?") * self.fields[v].width
            for k, v in self.room_tokens
        )

    def room_regex(self) -> re.Pattern[str]:
        """A regex finding a room code inside free text (sysLocation), not glued to other text."""
        parts = []
        for k, v in self.room_tokens:
            if k == "lit":
                parts.append(re.escape(v))
                continue
            spec = self.fields[v]
            cls = "0-9" if spec.chars == DIGITS else "A-Z0-9"
            if v == "floor" and self.basement_prefix:
                parts.append(
                    f"(?P<{v}>[{cls}]{{{spec.width}}}|{self.basement_prefix}"
                    f"[0-9]{{{spec.width - 1}}})"
                )
            else:
                parts.append(f"(?P<{v}>[{cls}]{{{spec.width}}})")
        return re.compile(r"(?<![A-Za-z0-9])" + "".join(parts) + r"(?![A-Za-z0-9])", re.IGNORECASE)

    def parse_location(self, text: str | None) -> RoomRef | None:
        """(building, floor, room) from a sysLocation that follows the house rule, else None.

        The room code may stand alone or begin a full label, among other words:

        >>> DEFAULT_RULE.parse_location("HQ D010210 机房")
        RoomRef(building='01', floor='02', room='10')
        >>> tuple(DEFAULT_RULE.parse_location("D010210-009"))
        ('01', '02', '10')
        >>> DEFAULT_RULE.parse_location("Server room, 2nd floor") is None
        True
        """
        if not text or not isinstance(text, str):
            return None
        rx = self.room_regex()
        for m in rx.finditer(text[:1000]):
            try:
                return self.normalize_room(m.group("building"), m.group("floor"), m.group("room"))
            except LabelError:
                continue
        return None

    # ---- configuration --------------------------------------------------------------------
    def to_mapping(self) -> dict[str, Any]:
        """The rule as a TOML-able mapping (what ``from_mapping`` reads)."""
        return {
            "name": self.name,
            "core": self.core,
            "separator": self.separator,
            "prefix": list(self.prefix),
            "basement_prefix": self.basement_prefix,
            "buildings": list(self.buildings) if self.buildings is not None else None,
            "unit": self.unit,
            "category": self.category,
            "fields": {
                n: {"width": s.width, "chars": s.chars, "min_width": s.min_width}
                for n, s in self.fields.items()
            },
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: Rule | None = None) -> Rule:
        """A rule from a config table, starting from ``base`` (or the preset named ``preset``).

        Example TOML::

            [label]
            preset = "default"          # or "wide"
            buildings = ["01", "02", "07"]
            [label.fields.room]
            width = 3
        """
        data = dict(data)
        pattern = data.pop("rule", None)
        if base is None:
            preset = data.pop("preset", "default")
            base = PRESETS.get(str(preset))
            if base is None:
                raise LabelError(
                    "unknown label rule preset {preset!r} (known: {presets})",
                    preset=preset,
                    presets=", ".join(PRESETS),
                )
        else:
            data.pop("preset", None)
        known = {
            "name",
            "core",
            "rule",
            "separator",
            "prefix",
            "basement_prefix",
            "buildings",
            "unit",
            "category",
            "fields",
        }
        unknown = sorted(set(data) - known - {"rule"})
        if unknown:
            raise LabelError(
                "label rule: unknown key {value!r} (known: {known})",
                value=unknown[0],
                known=", ".join(sorted(known)),
            )
        for key in ("name", "core", "separator", "basement_prefix", "unit", "category"):
            if key in data and not isinstance(data[key], str):
                raise LabelError(
                    "label rule: {key} must be a string, got {value!r}", key=key, value=data[key]
                )
        for key in ("prefix", "buildings"):
            v = data.get(key)
            if v is not None and (
                not isinstance(v, (list, tuple))
                or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in v)
            ):
                raise LabelError(
                    'label rule: {key} must be a list such as ["01", "02"], got {v!r}', key=key, v=v
                )
        if data.get("fields") is not None and not isinstance(data["fields"], Mapping):
            raise LabelError(
                "label rule: fields must be a table of field tables, got {fields!r}",
                fields=data["fields"],
            )
        fields = dict(base.fields)
        for name, spec in (data.pop("fields", None) or {}).items():
            if not isinstance(spec, Mapping):
                raise LabelError("label rule: fields.{name} must be a table", name=name)
            old = fields.get(name, FieldSpec(name, 1))
            try:
                fields[name] = FieldSpec(
                    name,
                    int(spec.get("width", old.width)),
                    str(spec.get("chars", old.chars)),
                    spec.get("min_width", old.min_width),
                )
            except (TypeError, ValueError) as exc:
                raise LabelError("label rule: fields.{name}: {exc}", name=name, exc=exc) from None
        kwargs: dict[str, Any] = {k: v for k, v in data.items()}
        if pattern is not None:
            if not isinstance(pattern, str):
                raise LabelError(
                    "label rule: 'rule' must be a pattern string such as "
                    "'D{building:2}{floor:2}{room:2}-{seat:3}'"
                )
            for m in _WIDTH_TOKEN.finditer(pattern):
                name, width, chars = m.group(1), m.group(2), m.group(3)
                old = fields.get(name, FieldSpec(name, 2))
                try:
                    fields[name] = FieldSpec(
                        name, int(width) if width else old.width, chars or old.chars, old.min_width
                    )
                except ValueError as exc:
                    raise LabelError("label rule: {exc}", exc=exc) from None
            kwargs["core"] = _WIDTH_TOKEN.sub(lambda m: "{" + m.group(1) + "}", pattern)
        if "prefix" in kwargs:
            kwargs["prefix"] = tuple(kwargs["prefix"] or ())
        if kwargs.get("buildings") is not None:
            kwargs["buildings"] = tuple(str(b) for b in kwargs["buildings"])
        try:
            return replace(base, fields=fields, **kwargs)
        except TypeError as exc:
            raise LabelError("label rule: {exc}", exc=exc) from None


DEFAULT_RULE = Rule()
#: For sites with rooms above 99 or more than 999 machines in a room: ``D01021010-0009``.
WIDE_RULE = Rule(
    name="wide",
    fields={**_default_fields(), "room": FieldSpec("room", 3), "seat": FieldSpec("seat", 4)},
)
PRESETS: dict[str, Rule] = {"default": DEFAULT_RULE, "wide": WIDE_RULE}


def parse_location(text: str | None) -> RoomRef | None:
    """The house rule's ``location_parser`` for the reconciler (pure; see Rule.parse_location)."""
    return DEFAULT_RULE.parse_location(text)


def get_rule(spec: str | Mapping[str, Any] | None) -> Rule:
    """A preset name, a mapping (config table ``[label]``) or None (the default rule)."""
    if spec is None:
        return DEFAULT_RULE
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise LabelError(
                "unknown label rule preset {spec!r} (known: {presets})",
                spec=spec,
                presets=", ".join(PRESETS),
            )
        return PRESETS[spec]
    return Rule.from_mapping(spec)


def sort_key(label: Label) -> tuple[str, tuple[int, str], str, int]:
    """Order labels by room then seat; basements (deepest first) before the ground floor."""
    f = label.floor
    floor = (0, f"{99 - int(f[1:]):02d}") if f[:1].isalpha() and f[1:].isdigit() else (1, f)
    return (label.building, floor, label.room, label.seat)
