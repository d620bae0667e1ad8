"""The reconciler's settings and constants: identification rules, junk lists, source
priorities, the attributes it reconciles, and what a run reports (:class:`RunSummary`).

Pure data; imports nothing of the reconciler. Must not import scanners or anything above ``cmdb``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netcmdb.discovery.facts import Source

DEFAULT_RULES: tuple[str, ...] = ("serial", "mac", "hostname", "ip")


#: Serials that BIOSes/firmware ship with instead of a real one (compared case-insensitively,
#: after stripping). Anything made only of zeros, spaces, dots or dashes is junk too.
DEFAULT_JUNK_SERIALS: frozenset[str] = frozenset(
    s.casefold()
    for s in (
        "",
        "To Be Filled By O.E.M.",
        "To be filled by O.E.M.",
        "0000000000",
        "Default string",
        "System Serial Number",
        "Not Specified",
        "Not Applicable",
        "None",
        "N/A",
        "NA",
        "Unknown",
        "123456789",
        "1234567890",
        "0123456789",
        "Chassis Serial Number",
        "Serial Number",
        "SN",
        "INVALID",
        "XXXXXXXXXX",
        "Base Board Serial Number",
        "OEM",
        "empty",
        "null",
        "undefined",
        "0",
        "Type1Sku0",
    )
)


#: Factory-default names that many devices share: never an identifier.
DEFAULT_JUNK_HOSTNAMES: frozenset[str] = frozenset(
    {
        "",
        "localhost",
        "localhost.localdomain",
        "switch",
        "router",
        "huawei",
        "h3c",
        "ruijie",
        "cisco",
        "default",
        "unknown",
        "none",
        "(none)",
        "android",
        "iphone",
        "ap",
        "printer",
    }
)


#: Lower number = higher priority. ``manual`` (``ci set``) is never overwritten by discovery;
#: ``import`` (a curated inventory file) is only overwritten by a manual edit.
DEFAULT_SOURCE_PRIORITY: Mapping[str, int] = {
    Source.MANUAL.value: 0,
    Source.IMPORT.value: 1,
    Source.SSH.value: 2,
    Source.SNMP.value: 3,
    Source.NMAP.value: 4,
    Source.TCP.value: 5,
    Source.ICMP.value: 5,
    Source.ARP.value: 6,
}


#: Name bases, best first (the name rule): the device's own name, its reverse-DNS name, its IP.
NAME_BASES: Mapping[str, int] = {"hostname": 0, "dns": 1, "ip": 2}


#: CI columns discovery reconciles (``name`` is handled by the name rule, location separately).
ATTRIBUTES: tuple[str, ...] = (
    "class",
    "vendor",
    "model",
    "platform",
    "os",
    "os_version",
    "serial",
    "ip",
    "mac",
    "description",
    "contact",
    "location_text",
)


#: A location parser turns a free-text location (SNMP sysLocation) into a location: either None,
#: a mapping with ``building``, ``floor``, ``room`` (and optional ``seat``, ``name``) or an object
#: with those attributes (the labeling package's parsed label fits).
LocationParser = Callable[[str], Any]


@dataclass(slots=True)
class ReconcileConfig:
    """Knobs of the reconciler (the CLI fills it from the ``[cmdb]`` table of the config file).

    Attributes:
        rules: identification chain, best first; any order of serial/mac/hostname/ip.
        strong_kinds: identifier kinds that, when both the fact and a candidate CI have some and
            they share none, prove the candidate is a different device (so a weaker match such as
            a reused DHCP address does not merge two PCs).
        junk_serials: case-folded serials that identify nothing.
        junk_hostnames: case-folded names that identify nothing (factory defaults).
        source_priority: source -> rank (lower wins; equal rank overwrites).
        missing_after: consecutive covering runs without a sighting before a CI is ``missing``.
        max_macs_per_access_port: an access port (no LLDP/CDP neighbour) with more learned MACs
            gets a placeholder CI (class switch, role unmanaged) its hosts are cabled to.
        end_host_cis: make placed end hosts CIs cabled to their port (False: port sightings
            only, for ``where``).
        create_neighbor_cis: create a CI for an LLDP/CDP neighbour nobody scanned (APs, phones).
        parallel_min_facts: a run of at least this many facts into a CMDB that already holds
            CIs checks the second half of its facts for "nothing changed" in a forked helper
            process on another core (Linux, single-threaded callers). 0, the default, turns it
            off: the helper's copy-on-write pages cost about 4 KB per fact it checks (a
            100k-device rescan: ~0.4 s less, ~225 MB more).
    """

    rules: tuple[str, ...] = DEFAULT_RULES
    strong_kinds: tuple[str, ...] = ("serial", "mac")
    junk_serials: frozenset[str] = DEFAULT_JUNK_SERIALS
    junk_hostnames: frozenset[str] = DEFAULT_JUNK_HOSTNAMES
    source_priority: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_SOURCE_PRIORITY)
    )
    missing_after: int = 3
    max_macs_per_access_port: int = 8
    end_host_cis: bool = True
    create_neighbor_cis: bool = True
    parallel_min_facts: int = 0

    def __post_init__(self) -> None:
        from netcmdb.errors import ConfigError

        bad = [r for r in self.rules if r not in DEFAULT_RULES]
        if bad or not self.rules or len(set(self.rules)) != len(self.rules):
            raise ConfigError(
                "identification rules must be distinct names from {default_rules}; got {rules}",
                default_rules=", ".join(DEFAULT_RULES),
                rules=", ".join(self.rules) or "nothing",
            )
        if self.missing_after < 1:
            raise ConfigError(
                "missing_after must be >= 1, got {missing_after}", missing_after=self.missing_after
            )

    def rank(self, source: str | None) -> int:
        """Priority rank of ``source`` (unknown or absent sources rank lowest)."""
        if source is None:
            return 99
        return self.source_priority.get(source.split(":", 1)[-1], 98)


@dataclass(slots=True)
class RunSummary:
    """What one run did, by CI name (``failed`` holds per-host errors)."""

    run_id: int
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    seen: int = 0
    #: end hosts found on another port than last time (also in ``changed``)
    moved: list[str] = field(default_factory=list)
    #: CIs this run made role ``gateway`` (their ARP tables resolve the placed hosts)
    gateways: list[str] = field(default_factory=list)
    #: CIs a person retired (lifecycle or status) that this run saw again: reported, not revived
    retired_seen: list[str] = field(default_factory=list)


#: the configuration of a caller that gives none
DEFAULT_CFG = ReconcileConfig()


#: ``asserted_by`` of the links the reconciler makes from FDB placements (end host -> port)
FDB_LINK = "fdb"


#: "argument not given" (None is a meaningful value for several of them)
MISSING: Any = object()
