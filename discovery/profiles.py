"""Saved scan profiles: ``netcmdb scan --profile nightly`` for cron jobs and systemd timers.

A profile lives in the TOML config file and names everything a scan needs, so the scheduled
command line stays short and reviewable::

    [scan]
    scopes = ["10.20.0.0/16"]                   # the default targets
    excludes = ["10.20.0.1", "10.20.99.0/24"]   # never probed by any scan or crawl

    [scan.profiles.nightly]
    targets = ["10.20.0.0/16", "@/etc/netcmdb/extra-targets.txt"]
    methods = ["arp", "icmp", "tcp"]
    tcp_ports = "22,80,443,3389,9100"
    rate = 500            # packets per second
    timeout = 1.0         # seconds
    retries = 1
    exclude = ["10.20.5.0/24"]
    max_hosts = 65536
    allow_public = false
    credentials = ["snmp:campus-ro"]   # references into the credential store, never secrets

Everything here is pure: the CLI reads the file with ``netcmdb.config.load_config`` (TOML in the
platformdirs config dir, or ``$NETCMDB_CONFIG``) and passes the parsed mapping in.

Must not import the CMDB, the config loader (it pulls in the reconciler) or the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netcmdb.errors import ConfigError

METHODS = ("arp", "icmp", "tcp", "snmp", "ssh")
_KEYS = {
    "targets",
    "methods",
    "tcp_ports",
    "rate",
    "timeout",
    "retries",
    "exclude",
    "max_hosts",
    "allow_public",
    "credentials",
    "resolve",
    "netbios",
    "description",
}


@dataclass(slots=True)
class ScanProfile:
    name: str
    targets: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    tcp_ports: str | None = None
    rate: int | None = None
    timeout: float | None = None
    retries: int | None = None
    exclude: list[str] = field(default_factory=list)
    max_hosts: int | None = None
    allow_public: bool = False
    credentials: list[str] = field(default_factory=list)
    resolve: bool | None = None
    netbios: bool | None = None


def _strs(name: str, key: str, v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError("profile {name!r}: {key} must be a list of strings", name=name, key=key)
    return list(v)


def profile_from_mapping(name: str, data: Mapping[str, Any]) -> ScanProfile:
    """Validate one ``[profiles.NAME]`` table.

    Raises:
        ConfigError: unknown keys, wrong types, unknown methods, or secrets in the profile.
    """
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ConfigError(
            "profile {name!r}: unknown key(s) {unknown} (known: {keys})",
            name=name,
            unknown=", ".join(unknown),
            keys=", ".join(sorted(_KEYS)),
        )
    p = ScanProfile(name)
    if "targets" in data:
        p.targets = _strs(name, "targets", data["targets"])
    if "methods" in data:
        p.methods = _strs(name, "methods", data["methods"])
        bad = [m for m in p.methods if m not in METHODS]
        if bad:
            raise ConfigError(
                "profile {name!r}: unknown method {value!r} (known: {methods})",
                name=name,
                value=bad[0],
                methods=", ".join(METHODS),
            )
    if "exclude" in data:
        p.exclude = _strs(name, "exclude", data["exclude"])
    if "credentials" in data:
        p.credentials = _strs(name, "credentials", data["credentials"])
        for c in p.credentials:
            if ":" not in c or any(s in c.lower() for s in ("password=", "community=")):
                raise ConfigError(
                    (
                        "profile {name!r}: credentials are references like 'snmp:campus-ro', never "
                        "secrets; fix {value!r}"
                    ),
                    name=name,
                    value=c.split("=")[0],
                )
    if "tcp_ports" in data:
        v = data["tcp_ports"]
        if isinstance(v, list):
            v = ",".join(str(x) for x in v)
        if not isinstance(v, str):
            raise ConfigError(
                "profile {name!r}: tcp_ports must be a string like '22,80'", name=name
            )
        p.tcp_ports = v
    for key, typ in (("rate", int), ("retries", int), ("max_hosts", int)):
        if key in data:
            v = data[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ConfigError(
                    "profile {name!r}: {key} must be a non-negative integer", name=name, key=key
                )
            setattr(p, key, typ(v))
    if "timeout" in data:
        v = data["timeout"]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
            raise ConfigError(
                "profile {name!r}: timeout must be a positive number of seconds", name=name
            )
        p.timeout = float(v)
    for key in ("allow_public", "resolve", "netbios"):
        if key in data:
            if not isinstance(data[key], bool):
                raise ConfigError(
                    "profile {name!r}: {key} must be true or false", name=name, key=key
                )
            setattr(p, key, data[key])
    return p


def global_excludes(cfg: Mapping[str, Any]) -> list[str]:
    """``[scan] excludes`` -- honoured by every scan and crawl."""
    scan = cfg.get("scan", {})
    if not isinstance(scan, Mapping):
        raise ConfigError("config: [scan] must be a table")
    return _strs("[scan]", "excludes", scan.get("excludes", []))


def default_scopes(cfg: Mapping[str, Any]) -> list[str]:
    """``[scan] scopes`` -- what ``netcmdb scan`` sweeps when given no targets."""
    scan = cfg.get("scan", {})
    return _strs("[scan]", "scopes", scan.get("scopes", [])) if isinstance(scan, Mapping) else []


def profile_from_config(cfg: Mapping[str, Any], name: str) -> tuple[ScanProfile, list[str]]:
    """Profile ``[scan.profiles.NAME]`` of a parsed config, and the global excludes.

    Raises:
        ConfigError: no such profile (the message lists the ones that exist) or it is invalid.
    """
    scan = cfg.get("scan", {})
    profiles = scan.get("profiles", {}) if isinstance(scan, Mapping) else {}
    if not isinstance(profiles, Mapping) or name not in profiles:
        known = ", ".join(sorted(profiles)) if isinstance(profiles, Mapping) else ""
        raise ConfigError(
            (
                "no scan profile {name!r} in the config file (defined: {known}); add a "
                "[scan.profiles.{name}] table"
            ),
            name=name,
            known=known or "none",
        )
    data = profiles[name]
    if not isinstance(data, Mapping):
        raise ConfigError("[scan.profiles.{name}] must be a table", name=name)
    return profile_from_mapping(name, data), global_excludes(cfg)
