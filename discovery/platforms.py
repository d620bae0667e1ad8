"""Compatibility names for :mod:`netcmdb.discovery.vendors` (the one home of vendor knowledge).

Kept so that callers written before the vendor registry (``cli.py``, tests) keep importing the
same names; new code imports from :mod:`netcmdb.discovery.vendors`. Nothing is defined here.
"""

from __future__ import annotations

from netcmdb.discovery.vendors import (
    CLI_COMMANDS,
    CLI_KINDS,
    DESCRIPTION_HINTS,
    NETMIKO_ALIASES,
    PLATFORM_REFINEMENTS,
    PLATFORMS,
    CliCommands,
    Platform,
    by_key,
    by_netmiko,
    cli_commands,
    match_sysobjectid,
    platform_from_description,
)
from netcmdb.discovery.vendors import RULES as SYSOBJECTID_RULES
from netcmdb.discovery.vendors.model import Rule as SysObjectRule

__all__ = [
    "CLI_COMMANDS",
    "CLI_KINDS",
    "DESCRIPTION_HINTS",
    "NETMIKO_ALIASES",
    "PLATFORMS",
    "PLATFORM_REFINEMENTS",
    "SYSOBJECTID_RULES",
    "CliCommands",
    "Platform",
    "SysObjectRule",
    "by_key",
    "by_netmiko",
    "cli_commands",
    "match_sysobjectid",
    "platform_from_description",
]
