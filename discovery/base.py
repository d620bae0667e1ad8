"""The scanner contract and the registry of scanners by name (Nornir-style plugins).

A scanner takes targets plus options and yields one :class:`ScanResult` per target. Failures are
isolated per host; a scanner raises only for problems that concern the whole scan (bad options,
scope violations, missing privileges).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from netcmdb.discovery.facts import ScanResult

#: progress(done, total, message) -- the CLI turns it into a rich progress bar.
ProgressCallback = Callable[[int, int, str], None]


@dataclass(slots=True)
class ScanOptions:
    """Options common to all scanners; scanner-specific ones live in ``extra``."""

    timeout_s: float = 1.0
    retries: int = 1
    rate_pps: int = 1000  # packets (or requests) per second, polite default
    concurrency: int = 64
    excludes: list[str] = field(default_factory=list)  # CIDRs/ranges never touched
    progress: ProgressCallback | None = None
    extra: dict[str, Any] = field(default_factory=dict)


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
        raise DiscoveryError(f"unknown scanner {name!r} (known: {known})") from None
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
