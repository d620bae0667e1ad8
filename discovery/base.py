"""The scanner contract and the registry of scanners by name (Nornir-style plugins).

A scanner takes targets plus options and yields one :class:`ScanResult` per target. Failures are
isolated per host; a scanner raises only for problems that concern the whole scan (bad options,
scope violations, missing privileges).

Scope is enforced here, not only in the CLI: every scanner passes its targets through
:func:`guard` (``options.rules``: excludes, ``allow_public``, ``max_hosts`` of
:mod:`netcmdb.net.scope`) before its first packet, so a library caller cannot bypass it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from netcmdb.discovery.facts import ScanResult
from netcmdb.net.scope import DEFAULT_MAX_HOSTS, ScopeRules

#: progress(done, total, message) -- the CLI turns it into a rich progress bar.
ProgressCallback = Callable[[int, int, str], None]


@dataclass(slots=True)
class ScanOptions:
    """Options common to all scanners; scanner-specific ones live in ``extra``."""

    timeout_s: float = 1.0
    retries: int = 1
    rate_pps: int = 1000  # packets (or requests) per second, polite default
    concurrency: int = 64
    excludes: list[str] = field(default_factory=list)  # addresses/CIDRs/ranges/@files never touched
    allow_public: bool = False  # --allow-public: internet-routed addresses may be contacted
    max_hosts: int = DEFAULT_MAX_HOSTS  # --max-hosts: the one expansion limit
    progress: ProgressCallback | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rules(self) -> ScopeRules:
        """The scope rules these options carry (validated: a bad exclude raises ScopeError)."""
        return ScopeRules(
            tuple(self.excludes), allow_public=self.allow_public, max_hosts=self.max_hosts
        )


def guard(
    targets: Sequence[str], options: ScanOptions, *, names: bool = True
) -> tuple[list[str], list[str]]:
    """``(targets to contact, excluded targets)`` -- what every scanner calls first.

    ``names`` (SNMP/SSH) accepts host names and ``host:port``; sweeps pass False.

    Raises:
        ScopeError: a target is refused (public without ``allow_public``, multicast/broadcast,
            more than ``max_hosts``, not a target): the whole scan is refused, nothing sent.
    """
    return options.rules.contact_list(targets, names=names)


@runtime_checkable
class Scanner(Protocol):
    """What every scanner implements."""

    name: str

    def scan(self, targets: Sequence[str], options: ScanOptions) -> Iterator[ScanResult]:
        """Yield one result per target (targets are already expanded IPs/hostnames)."""
        ...


_REGISTRY: dict[str, type] = {}


def register_scanner(name: str) -> Callable[[type], type]:
    """Class decorator: make a scanner available by name (``--arp`` -> ``"arp"``)."""

    def deco(cls: type) -> type:
        cls.name = name  # type: ignore[attr-defined]
        _REGISTRY[name] = cls
        return cls

    return deco


def get_scanner(name: str, **kwargs: Any) -> Scanner:
    """Instantiate the scanner registered as ``name``."""
    from netcmdb.errors import DiscoveryError

    _load_builtin()
    try:
        cls = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise DiscoveryError(
            "unknown scanner {name!r} (known: {known})", name=name, known=known
        ) from None
    return cls(**kwargs)  # type: ignore[no-any-return]


def scanner_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def _load_builtin() -> None:
    """Import the built-in scanner modules so their decorators run (missing ones are skipped)."""
    import importlib

    for mod in ("sweep", "snmp", "ssh"):
        try:
            importlib.import_module(f"netcmdb.discovery.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"netcmdb.discovery.{mod}":
                raise
