"""The netcmdb/1 document's field lists: the JSON ``cis`` fields and the CSV asset list columns.

One place for the format that :mod:`netcmdb.cmdb.importer` reads and
:mod:`netcmdb.exporters.netcmdb_json` writes, kept free of heavy imports so that ``ci list`` and
the exporters do not load the reconciler to learn a column name.
"""

from __future__ import annotations

FORMAT = "netcmdb/1"

#: Fields of a ``cis`` entry, in export order. ``name`` and ``class`` are required.
CI_FIELDS: tuple[str, ...] = (
    "name",
    "class",
    "role",
    "ip",
    "mac",
    "serial",
    "vendor",
    "model",
    "platform",
    "os",
    "os_version",
    "description",
    "owner",
    "contact",
    "location",
    "label",
    "min_up",
    "status",
    "location_text",
    "asset_code",
    "department",
    "lifecycle",
)
#: what a person records beside discovery (issue 16): applied after the reconciler's run,
#: through ``set_manual`` (recorded in each CI's history)
OPS_FIELDS: tuple[str, ...] = ("asset_code", "department", "lifecycle")
#: the fields of a ``cis`` entry written and read as they are (text, the IP, the MAC); the
#: others have their own shape (name, class, location, label, min_up, status) or are ops fields
PLAIN_FIELDS: tuple[str, ...] = tuple(
    f
    for f in CI_FIELDS
    if f not in ("name", "class", "location", "label", "min_up", "status", *OPS_FIELDS)
)

#: Flat CSV columns (export order). ``id``/``first_seen``/``last_seen`` are accepted and ignored.
CSV_COLUMNS: tuple[str, ...] = (
    *CI_FIELDS[: CI_FIELDS.index("location")],  # the JSON's scalar fields before the location
    "building",
    "floor",
    "room",
    "room_name",
    "seat",
    "label",
    "min_up",
    "status",
)
#: Further CSV columns (after ``last_seen`` in the export): the sysLocation kept verbatim and
#: what a person records beside discovery. Imported like the JSON fields of the same names.
CSV_EXTRA: tuple[str, ...] = ("location_text", *OPS_FIELDS)
CSV_IGNORED = ("id", "first_seen", "last_seen")
