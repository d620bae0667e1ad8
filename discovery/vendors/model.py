"""The shapes of vendor knowledge (rows only, no logic): what one vendor module declares.

A vendor module (``discovery/vendors/<vendor>.py``) exports one :class:`VendorRows`; the registry
(:mod:`netcmdb.discovery.vendors`) merges them. Everything is keyed by the snake_case platform key
(``huawei_vrp``, ``hp_comware``...), the only key shared by SNMP, SSH, port names and detection.

Must not import anything from netcmdb but :mod:`netcmdb.discovery.facts` (pure data).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Platform:
    """One OS family of one vendor (the platform key's row)."""

    key: str
    vendor: str
    os: str
    netmiko: str | None  # netmiko device_type, None when there is no CLI driver


@dataclass(frozen=True, slots=True)
class CliCommands:
    """SSH command set of a platform (``None`` = no such command or not collected)."""

    ntc: str  # ntc-templates platform name (templates: ``<ntc>_<command>.textfsm``)
    version: str | None = None
    inventory: str | None = None
    interfaces: str | None = None
    lldp: str | None = None
    cdp: str | None = None
    mac: str | None = None
    arp: str | None = None

    def command(self, kind: str) -> str | None:
        """The command that collects ``kind`` (one of ``CLI_KINDS``), or None."""
        return getattr(self, kind)


@dataclass(frozen=True, slots=True)
class Enterprise:
    """An IANA private enterprise number and the vendor name we show for it.

    ``source`` says how the number was verified (never guessed): ``iana`` (the IANA registry, as
    copied in Wireshark's ``enterprises.tsv``), ``rec:<recording>`` (a recording whose sysDescr,
    UPS-MIB or ENTITY-MIB names the vendor next to that sysObjectID) or a public URL.
    """

    number: int
    vendor: str
    source: str


@dataclass(frozen=True, slots=True)
class Rule:
    """sysObjectID prefix and/or sysDescr pattern -> what the device is, with the reason.

    The longest matching ``prefix`` wins; among equal prefixes a rule with ``descr`` beats one
    without. ``descr`` is a case-insensitive regex on sysDescr. ``device_class`` is confident
    (this product line is that class); ``hint_class`` is only used when no evidence (bridge ports,
    forwarding, UPS/Printer MIBs) says otherwise. ``model``: a regex on sysDescr whose first
    group is the model, or a literal model when it has no group. ``why`` is shown to the user.
    """

    prefix: str | None
    why: str
    vendor: str | None = None
    platform: str | None = None
    device_class: str | None = None
    hint_class: str | None = None
    descr: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class ModelClass:
    """A model (ENTITY-MIB chassis or sysDescr model) pattern of a platform -> class."""

    platform: str
    pattern: str  # regex, matched case-insensitively from the start of the model/chassis text
    device_class: str
    why: str


@dataclass(slots=True)
class VendorRows:
    """Everything one vendor module knows; every field is optional."""

    platforms: list[Platform] = field(default_factory=list)
    enterprises: list[Enterprise] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    model_classes: list[ModelClass] = field(default_factory=list)
    cli: dict[str, CliCommands] = field(default_factory=dict)
    #: platform -> regexes on sysDescr whose first group is the OS version
    os_version: dict[str, list[str]] = field(default_factory=dict)
    #: platform -> regexes on sysDescr whose first group is the model (when ENTITY-MIB has none)
    model: dict[str, list[str]] = field(default_factory=dict)
    #: (long port-name prefix, short canonical prefix), lower case, as the vendor spells ports
    port_prefixes: list[tuple[str, str]] = field(default_factory=list)
    #: regexes on LLDP/CDP system descriptions (and sysDescr) naming the platform, best first
    detect: list[tuple[str, str]] = field(default_factory=list)
    #: netmiko autodetect answers that are not a Platform.netmiko value -> platform key
    netmiko_aliases: dict[str, str] = field(default_factory=dict)
    #: (platform, regex on ``show version`` output, better platform)
    refinements: list[tuple[str, str, str]] = field(default_factory=list)
    #: private-MIB serial scalars: name -> OID (tried in order when ENTITY-MIB has no serial)
    serial_scalars: dict[str, str] = field(default_factory=dict)
    #: private-MIB serial columns: name -> OID (first non-empty value)
    serial_columns: dict[str, str] = field(default_factory=dict)
    #: private-MIB columns the SNMP collector walks on every device (a column an agent lacks
    #: ends in the first GETBULK, so walking it everywhere costs a few var-binds)
    walk_columns: list[str] = field(default_factory=list)
    #: vendor power MIB identity scalars: name -> {"kind": "ups"|"pdu", "manufacturer"|"model"|
    #: "serial"|"firmware": OID}; GET with the probe, read by ``identify``
    ident_scalars: dict[str, dict[str, str]] = field(default_factory=dict)
    #: SNMP quirks: quirk name -> platform keys (see ``vendors.QUIRKS``)
    quirks: dict[str, set[str]] = field(default_factory=dict)
