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

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import platformdirs

from netcmdb.errors import ConfigError

#: Keys whose values are secrets wherever they appear (masked by :func:`redacted`).
SECRET_KEYS = ("password", "secret", "community", "auth_key", "priv_key", "authkey", "privkey",
               "token", "passphrase")

EXAMPLE = """\
# netcmdb configuration (TOML). Every key is optional.
[database]
# url = "postgresql+psycopg://netcmdb@localhost/netcmdb"

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

_SECTIONS = {"database", "scan", "credentials", "label", "cmdb", "ssh", "snmp", "export",
             "topology", "labeling", "labels", "asset_codes", "register"}


def config_path() -> Path:
    """``$NETCMDB_CONFIG`` or ``<user config dir>/netcmdb/config.toml`` (may not exist)."""
    env = os.environ.get("NETCMDB_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("netcmdb")) / "config.toml"


def _has_inline_secret(obj: Any) -> bool:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if any(s in k.lower() for s in SECRET_KEYS) and not k.lower().endswith(
                    ("_env", "_keyring")) and isinstance(v, str) and v:
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
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - _SECTIONS)
    if unknown:
        raise ConfigError(f"{p}: unknown section [{unknown[0]}] "
                          f"(known: {', '.join(sorted(_SECTIONS))})")
    for sect, value in data.items():
        if not isinstance(value, dict):
            raise ConfigError(f"{p}: [{sect}] must be a table")
    db = data.get("database", {})
    if "url" in db and not isinstance(db["url"], str):
        raise ConfigError(f"{p}: [database] url must be a string")
    for key in ("scopes", "excludes"):
        v = data.get("scan", {}).get(key)
        if v is not None and (not isinstance(v, list) or not all(isinstance(x, str) for x in v)):
            raise ConfigError(f"{p}: [scan] {key} must be a list of strings")
    if _has_inline_secret(data) and os.name == "posix":
        mode = p.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{p}: holds secrets but is readable by others; run "
                              f"chmod 600 {p} (or use *_env / *_keyring references)")
    reconcile_config(data, path=p)  # validate the [cmdb] table early
    return data


def redacted(obj: Any) -> Any:
    """A copy with every secret value replaced by ``"***"`` (for ``config show``)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            secret = any(s in k.lower() for s in SECRET_KEYS) and not k.lower().endswith(
                ("_env", "_keyring"))
            out[k] = "***" if secret and isinstance(v, str) and v else redacted(v)
        return out
    if isinstance(obj, list):
        return [redacted(x) for x in obj]
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
    known = {"identification", "missing_after", "junk_serials", "junk_hostnames",
             "source_priority", "create_neighbor_cis", "max_macs_per_access_port",
             "parallel_min_facts"}
    bad = sorted(set(c) - known)
    if bad:
        raise ConfigError(f"{where}[cmdb] unknown key {bad[0]!r} "
                          f"(known: {', '.join(sorted(known))})")
    try:
        prio = dict(DEFAULT_SOURCE_PRIORITY)
        for k, v in c.get("source_priority", {}).items():
            if not isinstance(v, int) or k == "manual":
                raise ConfigError(f"{where}[cmdb] source_priority.{k} must be an integer "
                                  "(and manual always ranks first)")
            prio[k] = v
        return ReconcileConfig(
            rules=tuple(c.get("identification", DEFAULT_RULES)),
            missing_after=int(c.get("missing_after", 3)),
            junk_serials=DEFAULT_JUNK_SERIALS | {str(s).casefold()
                                                 for s in c.get("junk_serials", [])},
            junk_hostnames=DEFAULT_JUNK_HOSTNAMES | {str(s).casefold()
                                                     for s in c.get("junk_hostnames", [])},
            source_priority=prio,
            create_neighbor_cis=bool(c.get("create_neighbor_cis", True)),
            max_macs_per_access_port=int(c.get("max_macs_per_access_port", 8)),
            parallel_min_facts=int(c.get("parallel_min_facts", 0)),
        )
    except ConfigError as exc:
        if where and not str(exc).startswith(where):
            raise ConfigError(f"{where}{exc}") from None
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}[cmdb] {exc}") from None
