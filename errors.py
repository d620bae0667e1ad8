"""One exception tree for the whole toolkit, and the one way its messages are written.

Every error a user can cause or fix is one of these; the CLI prints it as one line and exits with
status 2. Third-party errors are converted at the boundary (``raise ... from exc``).

Messages are *templates* with named parameters, never f-strings, so that they can be translated::

    raise ScopeError("{addr} is outside the scope ({why})", addr=addr, why=why)

``str(exc)`` is the English text (logs, run records, tests); ``netcmdb.i18n.localize(exc, locale)``
is the text in the user's language (the CLI's ``error:`` line, web pages). Babel's extractor finds
the template as the first argument of any class below (``python -m netcmdb.i18n extract``).
Parameters are inserted as they are (device strings stay untranslated; they are escaped where they
are rendered); a parameter made with :func:`N_` (a fixed phrase) or that is itself a
:class:`NetcmdbError` is translated too. Must not import anything of netcmdb.
"""

from __future__ import annotations

from typing import Any


def _fill(template: str, params: dict[str, Any]) -> str:
    return template.format(**params) if params else template


class Msg(str):
    """A translatable message: the English text, plus its template and parameters.

    Made by :func:`N_`; behaves as the English ``str`` everywhere, and
    ``netcmdb.i18n.localize`` translates it.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Msg:
        obj = super().__new__(cls, _fill(template, params))
        obj.template = template
        obj.params = params
        return obj

    def __reduce__(self) -> Any:  # pickles (process pools) keep the template
        return (_msg, (self.template, self.params))


def _msg(template: str, params: dict[str, Any]) -> Msg:
    return Msg(template, **params)


def N_(template: str, /, **params: Any) -> Msg:
    """Mark ``template`` for the catalog (a message built apart from its ``raise``, a fixed
    phrase passed as a parameter); returns it as a :class:`Msg`, English until localised."""
    return Msg(template, **params)


def message_of(exc: BaseException) -> Msg:
    """An error's message as a :class:`Msg` (English ``str``, translatable later): for a per-item
    reason kept in a report (``skipped``, ``problems``) where the error itself is not raised."""
    if isinstance(exc, NetcmdbError):
        return Msg(exc.template, **exc.params)
    return Msg("{exc}", exc=str(exc))


class NetcmdbError(Exception):
    """Root of every error netcmdb raises on purpose.

    Args:
        message: the English template (``"{addr} is outside the scope"``), formatted with
            ``params`` when there are any (``{`` and ``}`` are then doubled for literal braces).
        args: further positional arguments, kept in ``exc.args`` as for any exception.
        params: the template's parameters (``exc.params``).
    """

    template: str
    params: dict[str, Any]

    def __init__(self, message: object = "", /, *args: object, **params: Any) -> None:
        if isinstance(message, Msg):
            template, params = message.template, {**message.params, **params}
        else:
            template = str(message)
        self.template = template
        self.params = params
        super().__init__(_fill(template, params), *args)


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
