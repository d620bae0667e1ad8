"""The TOML config file: defaults for the DB URL, scan scopes, credential references, label rule,
and the CMDB's identification rules.

Lives in the platformdirs user config dir (``netcmdb config path``), or wherever ``NETCMDB_CONFIG``
points. A missing file means "all defaults". Secrets belong in environment variables or the system
keyring: a credential set names them (``community_env = "CAMPUS_RO"``, ``password_keyring =
"netcmdb/campus"``); inline secrets are accepted only in a file no one else can read, and
``netcmdb config show`` never prints them.

Library module: reads files, never prints. Must not import the CLI or scanners.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from netcmdb.errors import ConfigError

#: Keys whose values are secrets wherever they appear (masked by :func:`redacted`).
SECRET_KEYS = (
    "password",
    "secret",
    "community",
    "auth_key",
    "priv_key",
    "authkey",
    "privkey",
    "token",
    "passphrase",
)

EXAMPLE = """\
# netcmdb configuration (TOML). Every key is optional.
[database]
# url = "postgresql+psycopg://netcmdb@localhost/netcmdb"
# lock_timeout = 30   # seconds a writer waits for another writer (NETCMDB_LOCK_TIMEOUT)

[scan]
scopes = ["10.0.0.0/16"]
excludes = ["10.0.255.0/24"]

[credentials.campus-ro]
# secrets by reference: an environment variable or the system keyring
snmp_version = "2c"
community_env = "NETCMDB_CAMPUS_COMMUNITY"
ssh_username = "netops"
password_keyring = "netcmdb/campus"

[label]
rule = "D{building:2}{floor:2}{room:2}-{seat:3}"

[cmdb]
identification = ["serial", "mac", "hostname", "ip"]
missing_after = 3
junk_serials = ["123456"]
"""

_SECTIONS = {
    "database",
    "scan",
    "credentials",
    "label",
    "cmdb",
    "ssh",
    "snmp",
    "export",
    "topology",
    "labeling",
    "labels",
    "asset_codes",
    "register",
    "location",
}


def config_path() -> Path:
    """``$NETCMDB_CONFIG`` or ``<user config dir>/netcmdb/config.toml`` (may not exist)."""
    env = os.environ.get("NETCMDB_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("netcmdb")) / "config.toml"


def _has_inline_secret(obj: Any) -> bool:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if (
                any(s in k.lower() for s in SECRET_KEYS)
                and not k.lower().endswith(("_env", "_keyring"))
                and isinstance(v, str)
                and v
            ):
                return True
            if _has_inline_secret(v):
                return True
    if isinstance(obj, list):
        return any(_has_inline_secret(x) for x in obj)
    return False


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Read and check the config file; ``{}`` when it does not exist.

    Raises:
        ConfigError: unreadable or invalid TOML, an unknown section, a wrong type, or inline
            secrets in a file that group/others can read.
    """
    p = Path(path) if path is not None else config_path()
    if not p.exists():
        return {}
    from netcmdb.inputs import read_capped

    raw = read_capped(p, limit=1 << 20, error=ConfigError)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("{p}: invalid TOML: {exc}", p=p, exc=exc) from None
    unknown = sorted(set(data) - _SECTIONS)
    if unknown:
        raise ConfigError(
            "{p}: unknown section [{value}] (known: {sections})",
            p=p,
            value=unknown[0],
            sections=", ".join(sorted(_SECTIONS)),
        )
    for sect, value in data.items():
        if not isinstance(value, dict):
            raise ConfigError("{p}: [{sect}] must be a table", p=p, sect=sect)
    check_shapes(data, where=f"{p}: ")
    if _has_inline_secret(data) and os.name == "posix":
        mode = p.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                (
                    "{p}: holds secrets but is readable by others; run chmod 600 {p} (or use "
                    "*_env / "
                    "*_keyring references)"
                ),
                p=p,
            )
    reconcile_config(data, path=p)  # validate the [cmdb] table early
    location_patterns(data, path=p)  # and the [location] patterns
    return data


def location_patterns(data: dict[str, Any], path: Path | None = None) -> list[Any]:
    """``[location] patterns`` compiled (see :mod:`netcmdb.labeling.location`).

    Raises:
        ConfigError: one line naming the bad pattern.
    """
    from netcmdb.labeling.location import compile_patterns

    where = f"{path}: " if path else ""
    sect = data.get("location", {})
    bad = sorted(set(sect) - {"patterns"})
    if bad:
        raise ConfigError(
            "{where}[location] unknown key {value!r} (known: patterns)", where=where, value=bad[0]
        )
    pats = sect.get("patterns", [])
    if not isinstance(pats, list):
        raise ConfigError("{where}[location] patterns must be a list of regexes", where=where)
    return compile_patterns(pats, where)


def _int(lo: int, hi: int) -> tuple[Callable[[Any], bool], str]:
    return (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi,
        f"a whole number from {lo} to {hi}",
    )


def _num(lo: float, hi: float, *, above: bool = False) -> tuple[Callable[[Any], bool], str]:
    def ok(v: Any) -> bool:
        return (
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and math.isfinite(v)
            and (v > lo if above else v >= lo)
            and v <= hi
        )

    return ok, (
        f"a number of seconds above {lo:g} and at most {hi:g}"
        if above
        else f"a number of seconds from {lo:g} to {hi:g}"
    )


_STR = (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string")
_BOOL = (lambda v: isinstance(v, bool), "true or false")
_STRS = (
    lambda v: isinstance(v, list) and all(isinstance(x, str) and x for x in v),
    'a list of strings, e.g. ["a", "b"]',
)
_INT_TABLE = (
    lambda v: (
        isinstance(v, dict)
        and all(isinstance(x, int) and not isinstance(x, bool) for x in v.values())
    ),
    "a table of whole numbers, e.g. { snmp = 50 }",
)
_TABLE = (lambda v: isinstance(v, dict), "a table")

#: The shape of every scalar setting, checked when the file is loaded, so a wrong one is one line
#: naming its key instead of a crash wherever it is first used. (Sections with their own loaders
#: — the label rule, [credentials.*], [scan.profiles.*] — check their keys there.)
SHAPES: dict[tuple[str, str], tuple[Callable[[Any], bool], str]] = {
    ("database", "url"): _STR,
    ("database", "lock_timeout"): _num(0, 86400),
    ("scan", "scopes"): _STRS,
    ("scan", "excludes"): _STRS,
    ("scan", "profiles"): _TABLE,
    ("cmdb", "identification"): _STRS,
    ("cmdb", "missing_after"): _int(1, 1_000_000),
    ("cmdb", "junk_serials"): _STRS,
    ("cmdb", "junk_hostnames"): _STRS,
    ("cmdb", "source_priority"): _INT_TABLE,
    ("cmdb", "create_neighbor_cis"): _BOOL,
    ("cmdb", "end_host_cis"): _BOOL,
    ("cmdb", "max_macs_per_access_port"): _int(1, 1_000_000),
    ("cmdb", "parallel_min_facts"): _int(0, 1_000_000_000),
    ("ssh", "port"): _int(1, 65535),
    ("ssh", "concurrency"): _int(1, 10_000),
    ("ssh", "command_timeout"): _num(0, 86400, above=True),
    ("ssh", "device_timeout"): _num(0, 86400, above=True),
    ("ssh", "known_hosts"): _STR,
    ("ssh", "platform"): _STR,
    ("label", "template"): _STR,
    ("label", "qr"): _STR,
    ("label", "dpi"): (lambda v: v in (203, 300, "203", "300"), "203 or 300"),
    ("labels", "seats"): _STR,
}


def _shown(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def check_shapes(data: dict[str, Any], where: str = "") -> None:
    """Refuse a setting of the wrong shape: one line naming ``[section] key``.

    Raises:
        ConfigError: ``<file>: [cmdb] missing_after must be a whole number ..., got 'x'``.
    """
    for (sect, key), (ok, what) in SHAPES.items():
        table = data.get(sect)
        if isinstance(table, dict) and key in table and not ok(table[key]):
            raise ConfigError(
                "{where}[{sect}] {key} must be {what}, got {shown}",
                where=where,
                sect=sect,
                key=key,
                what=what,
                shown=_shown(table[key]),
            )
    scan = data.get("scan")
    if isinstance(scan, dict):
        # [scan] decides what may be contacted: a typo (`exclude = [...]`, `allow_public`)
        # silently ignored would send packets the admin believes excluded
        known = {k for s, k in SHAPES if s == "scan"}
        bad = sorted(set(scan) - known)
        if bad:
            raise ConfigError(
                (
                    "{where}[scan] unknown key {value!r} (known: {known}; --allow-public and "
                    "--max-hosts are per run, on the command line or in a [scan.profiles.NAME] "
                    "table)"
                ),
                where=where,
                value=bad[0],
                known=", ".join(sorted(known)),
            )
    label = data.get("label")
    if isinstance(label, dict):
        from netcmdb.errors import LabelError
        from netcmdb.labeling.rule import get_rule

        rule = {k: v for k, v in label.items() if k not in ("template", "qr", "dpi")}
        if rule:
            try:
                get_rule(rule)
            except LabelError as exc:
                raise ConfigError(  # the label rule's own words, in English (the prefix cut)
                    "{where}[label] {problem}",
                    where=where,
                    problem=str(exc).removeprefix("label rule: "),
                ) from None


def redacted(obj: Any) -> Any:
    """A copy with every secret value replaced by ``"***"`` (for ``config show``)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            secret = any(s in k.lower() for s in SECRET_KEYS) and not k.lower().endswith(
                ("_env", "_keyring")
            )
            out[k] = "***" if secret and isinstance(v, str) and v else redacted(v)
        return out
    if isinstance(obj, list):
        return [redacted(x) for x in obj]
    if isinstance(obj, str):
        from netcmdb.safety import hide_url_password

        return hide_url_password(obj)  # [database] url = "postgresql://u:secret@..."
    return obj


def database_url(data: dict[str, Any]) -> str | None:
    """``[database] url`` if set."""
    url = data.get("database", {}).get("url")
    return str(url) if url else None


def reconcile_config(data: dict[str, Any], path: Path | None = None):  # type: ignore[no-untyped-def]
    """Build the reconciler's :class:`~netcmdb.cmdb.reconcile.ReconcileConfig` from ``[cmdb]``.

    Keys: ``identification`` (ordered rule names), ``missing_after``, ``junk_serials`` and
    ``junk_hostnames`` (added to the built-in lists), ``source_priority`` (source -> rank),
    ``create_neighbor_cis``, ``max_macs_per_access_port``, ``parallel_min_facts``.
    """
    from netcmdb.cmdb.reconcile import (
        DEFAULT_JUNK_HOSTNAMES,
        DEFAULT_JUNK_SERIALS,
        DEFAULT_RULES,
        DEFAULT_SOURCE_PRIORITY,
        ReconcileConfig,
    )

    where = f"{path}: " if path else ""
    c = data.get("cmdb", {})
    known = {
        "identification",
        "missing_after",
        "junk_serials",
        "junk_hostnames",
        "source_priority",
        "create_neighbor_cis",
        "max_macs_per_access_port",
        "parallel_min_facts",
        "end_host_cis",
    }
    bad = sorted(set(c) - known)
    if bad:
        raise ConfigError(
            "{where}[cmdb] unknown key {value!r} (known: {known})",
            where=where,
            value=bad[0],
            known=", ".join(sorted(known)),
        )
    try:
        prio = dict(DEFAULT_SOURCE_PRIORITY)
        for k, v in c.get("source_priority", {}).items():
            if not isinstance(v, int) or k == "manual":
                raise ConfigError(
                    (
                        "{where}[cmdb] source_priority.{k} must be an integer (and manual always "
                        "ranks "
                        "first)"
                    ),
                    where=where,
                    k=k,
                )
            prio[k] = v
        return ReconcileConfig(
            rules=tuple(c.get("identification", DEFAULT_RULES)),
            missing_after=int(c.get("missing_after", 3)),
            junk_serials=DEFAULT_JUNK_SERIALS
            | {str(s).casefold() for s in c.get("junk_serials", [])},
            junk_hostnames=DEFAULT_JUNK_HOSTNAMES
            | {str(s).casefold() for s in c.get("junk_hostnames", [])},
            source_priority=prio,
            create_neighbor_cis=bool(c.get("create_neighbor_cis", True)),
            end_host_cis=bool(c.get("end_host_cis", True)),
            max_macs_per_access_port=int(c.get("max_macs_per_access_port", 8)),
            parallel_min_facts=int(c.get("parallel_min_facts", 0)),
        )
    except ConfigError as exc:
        if where and not str(exc).startswith(where):
            raise ConfigError("{where}{exc}", where=where, exc=exc) from None
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError("{where}[cmdb] {exc}", where=where, exc=exc) from None
