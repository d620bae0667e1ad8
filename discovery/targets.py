"""Moved to :mod:`netcmdb.net.scope` (the one scope module). Only the pre-split ``cli.py``
imports this name; it goes when ``commands/scan.py`` plans through ``net.scope`` directly."""

from __future__ import annotations

from collections.abc import Iterable

from netcmdb.net.scope import DEFAULT_MAX_HOSTS, Plan, plan


def resolve_scope(specs: Iterable[str], excludes: Iterable[str] = (), *,
                  max_hosts: int = DEFAULT_MAX_HOSTS, allow_public: bool = False) -> Plan:
    """The sweep's plan (addresses only), as :func:`netcmdb.net.scope.plan` gives it."""
    return plan(specs, excludes, max_hosts=max_hosts, allow_public=allow_public, names=False)


__all__ = ["DEFAULT_MAX_HOSTS", "resolve_scope"]
