"""One exception tree for the whole toolkit.

Every error a user can cause or fix is one of these; the CLI prints ``str(exc)`` as one line and
exits with status 2. Third-party errors are converted at the boundary (``raise ... from exc``).
"""

from __future__ import annotations


class NetcmdbError(Exception):
    """Root of every error netcmdb raises on purpose."""


class ConfigError(NetcmdbError):
    """The config file or a command-line option is unusable (bad TOML, unsafe permissions...)."""


class DiscoveryError(NetcmdbError):
    """A scanner could not do its job for a host or for the whole scan."""


class ScanTimeout(DiscoveryError):
    """The host did not answer in time."""


class AuthenticationError(DiscoveryError):
    """The device refused our credentials (SNMP community/v3 user, SSH login)."""


class HostKeyError(DiscoveryError):
    """The SSH host key is unknown or differs from known_hosts."""


class ScopeError(DiscoveryError):
    """A target is out of scope: too many hosts, a public address, or excluded."""


class CmdbError(NetcmdbError):
    """The CMDB refused a change."""


class DatabaseError(CmdbError):
    """The CMDB database cannot be used: bad URL, missing file or driver, corrupt, unreachable."""


class DatabaseLocked(DatabaseError):
    """Another writer held the CMDB lock longer than the configured wait."""


class IdentificationConflict(CmdbError):
    """Two identifiers of one fact point at different existing CIs."""


class IntegrityError(CmdbError):
    """A change would break a CMDB constraint (duplicate label, unknown CI...)."""


class NotFoundError(CmdbError):
    """No CI/run matches what the user asked for."""


class LabelError(NetcmdbError):
    """A label does not follow the rule, or cannot be assigned/printed."""


class ImportFormatError(NetcmdbError):
    """An import file is malformed; the message names the row and the problem."""


class TopologyError(NetcmdbError):
    """An impact/path/drawing request cannot be answered (unknown target, no root...)."""


class ExportError(NetcmdbError):
    """An export could not be written."""


class AccessError(NetcmdbError):
    """A user or API token is unknown, has the wrong password, or lacks the role for a request."""
