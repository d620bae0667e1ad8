"""Asset codes (设备分类编码): ``UNIT-CATEGORY-LOCATION-NUMBER``, built by a rule kept as data in
the config file, beside the seat label.

```toml
[asset_codes]
unit = "HOSP"                       # the customer unit
digits = 3                          # width of the number (default 3)
[asset_codes.categories]            # CI class -> category code
pc = "PC"
switch = "SW"
printer = "PR"
```

The location is the room code of the label rule (``D010210``); the number is unique within
(unit, category, location): one above the highest number of that prefix ever given (an asset
code is an identity, so a number is never reused). ``ci.asset_code`` is unique in the schema
(``uq_ci_asset_code``); ``label assign`` gives codes to located CIs that have none.

Imports cmdb; must not import exporters or the CLI; never prints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy import exc as sa_exc

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.models import CI, Change, Location
from netcmdb.errors import N_, ConfigError, LabelError
from netcmdb.labeling.assign import Assignment, retired
from netcmdb.labeling.rule import Rule

SOURCE = "asset_code"
_CODE_PART = re.compile(r"^[A-Z0-9]{1,12}$")


@dataclass(frozen=True)
class AssetCodeRule:
    """The ``[asset_codes]`` table: unit, number width and the class -> category table."""

    unit: str
    categories: dict[str, str] = field(default_factory=dict)
    digits: int = 3

    def code(self, category: str, location: str, number: int) -> str:
        """``HOSP-PC-D010210-001``.

        >>> AssetCodeRule("HOSP", {"pc": "PC"}).code("PC", "D010210", 1)
        'HOSP-PC-D010210-001'
        """
        if number >= 10**self.digits:
            raise LabelError(
                (
                    "asset codes {unit}-{category}-{location}-* are used up ({digits} digits); "
                    "raise "
                    "[asset_codes] digits"
                ),
                unit=self.unit,
                category=category,
                location=location,
                digits=self.digits,
            )
        return f"{self.unit}-{category}-{location}-{number:0{self.digits}d}"

    def prefix(self, category: str, location: str) -> str:
        return f"{self.unit}-{category}-{location}-"


def asset_code_rule(table: Mapping[str, Any] | None) -> AssetCodeRule | None:
    """The rule from the config's ``[asset_codes]`` table (None when there is none).

    Raises:
        ConfigError: a missing or bad unit, categories that are not a table of short codes,
            or a bad digits value.
    """
    if not table:
        return None
    unit = table.get("unit")
    if not isinstance(unit, str) or not _CODE_PART.match(unit.strip().upper()):
        raise ConfigError('[asset_codes] unit must be 1-12 letters or digits, e.g. "HOSP"')
    cats = table.get("categories", {})
    if not isinstance(cats, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and _CODE_PART.match(v.strip().upper())
        for k, v in cats.items()
    ):
        raise ConfigError(
            '[asset_codes.categories] must map classes to 1-12 letters or digits, e.g. pc = "PC"'
        )
    digits = table.get("digits", 3)
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 8:
        raise ConfigError("[asset_codes] digits must be a whole number from 1 to 8")
    unknown = sorted(set(table) - {"unit", "categories", "digits"})
    if unknown:
        raise ConfigError(
            "[asset_codes] has no key {value!r} (keys: unit, digits, categories)", value=unknown[0]
        )
    return AssetCodeRule(
        unit.strip().upper(),
        {k.strip().lower(): v.strip().upper() for k, v in cats.items()},
        digits,
    )


def _used_numbers(session: Any, prefix: str) -> set[int]:
    out = set()
    for (code,) in session.execute(
        select(CI.asset_code).where(
            CI.asset_code.like(prefix.replace("%", "").replace("_", "\\_") + "%", escape="\\")
        )
    ):
        tail = code[len(prefix) :]
        if tail.isdigit():
            out.add(int(tail))
    return out


def assign_asset_codes(
    engine: Engine, rule: Rule, codes: AssetCodeRule, *, dry_run: bool = False
) -> tuple[list[Assignment], list[tuple[int, str, str]]]:
    """Give every located, in-service CI without an asset code the next number of its (unit,
    category, room) in one transaction; returns (assigned, skipped (ci id, name, reason)).

    Raises:
        LabelError: the numbers of a prefix are used up, or another writer took a code first
            (run it again).
    """
    assigned: list[Assignment] = []
    skipped: list[tuple[int, str, str]] = []
    try:
        with session_scope(engine) as s:
            rows = s.execute(
                select(CI.id, CI.name, CI.ci_class, CI.attr_sources, Location)
                .join(Location, Location.id == CI.location_id)
                .where(CI.asset_code.is_(None), ~retired())
                .order_by(Location.building, Location.floor, Location.room, CI.seat, CI.id)
            ).all()
            taken: dict[str, set[int]] = {}
            for ci_id, name, cls, srcs, loc in rows:
                cat = codes.categories.get(str(cls.value if cls else "other"))
                if cat is None:
                    skipped.append(
                        (
                            ci_id,
                            name,
                            N_(
                                "no category for class {cls} in [asset_codes.categories]",
                                cls=cls.value if cls else "other",
                            ),
                        )
                    )
                    continue
                try:
                    room = rule.format_room(*rule.normalize_room(loc.building, loc.floor, loc.room))
                except LabelError as exc:
                    skipped.append(
                        (ci_id, name, N_("location does not fit the rule: {why}", why=exc))
                    )
                    continue
                prefix = codes.prefix(cat, room)
                used = taken.get(prefix)
                if used is None:
                    used = taken[prefix] = _used_numbers(s, prefix)
                number = max(used, default=0) + 1
                code = codes.code(cat, room, number)
                used.add(number)
                assigned.append(Assignment(ci_id, name, None, code, None))
                if not dry_run:
                    s.execute(
                        update(CI)
                        .where(CI.id == ci_id)
                        .values(
                            asset_code=code, attr_sources={**(srcs or {}), "asset_code": "manual"}
                        )
                    )
                    s.add(
                        Change(
                            ci_id=ci_id, attribute="asset_code", old=None, new=code, source=SOURCE
                        )
                    )
            if dry_run:
                s.rollback()
    except sa_exc.IntegrityError:
        raise LabelError(
            "another writer gave out an asset code at the same time; run label assign again"
        ) from None
    return assigned, skipped
