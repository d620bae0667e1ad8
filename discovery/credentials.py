"""SSH credentials: where they come from, and keeping them out of every log, repr and file.

Sources, first one that names a value wins per field:

1. environment: ``NETCMDB_SSH_USERNAME``, ``NETCMDB_SSH_PASSWORD``, ``NETCMDB_SSH_SECRET`` (enable);
2. a TOML config file, table ``[ssh]`` with ``username``, ``password``, ``secret``. A file that
   holds a password or secret must not be readable by other users (like OpenSSH refusing a
   world-readable private key) -- otherwise :class:`ConfigError`;
3. the OS keyring (``keyring``), service ``netcmdb-ssh`` (password) and ``netcmdb-ssh-enable``
   (secret), looked up under the username; enabled with ``keyring = true`` in ``[ssh]`` or
   ``NETCMDB_SSH_KEYRING=1``.

Secrets are held in :class:`Secret`, whose ``str``/``repr`` never shows the value; only
:meth:`Secret.reveal` does, and only the connection code calls it. Must not import ``cmdb``.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from netcmdb.errors import ConfigError

ENV_USERNAME = "NETCMDB_SSH_USERNAME"
ENV_PASSWORD = "NETCMDB_SSH_PASSWORD"  # noqa: S105 - the variable's name, not a password
ENV_SECRET = "NETCMDB_SSH_SECRET"  # noqa: S105
ENV_KEYRING = "NETCMDB_SSH_KEYRING"
KEYRING_SERVICE = "netcmdb-ssh"
KEYRING_ENABLE_SERVICE = "netcmdb-ssh-enable"


class Secret:
    """A string that refuses to be printed: ``str()``, ``repr()`` and f-strings show ``'***'``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value -- call only where it is handed to the SSH library."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[type, tuple[str]]:  # pickling is not a leak path we want
        raise TypeError("Secret values cannot be pickled")


@dataclass(frozen=True, slots=True)
class SshCredentials:
    """One login. ``secret`` is the enable password (Cisco/Arista); None when not needed."""

    username: str
    password: Secret | None = None
    secret: Secret | None = None
    #: where each field came from ("env", "file", "keyring") -- safe to log, never the values
    origin: str = ""

    def __repr__(self) -> str:
        return (
            f"SshCredentials(username={self.username!r}, "
            f"password={'***' if self.password else None}, "
            f"secret={'***' if self.secret else None}, origin={self.origin!r})"
        )


def check_file_permissions(path: Path) -> None:
    """Refuse a credentials file other users can read or anyone else can write.

    Raises:
        ConfigError: the file is group/world-writable or world-readable.
    """
    mode = path.stat().st_mode
    if mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IWGRP):
        raise ConfigError(
            (
                "{path} holds SSH secrets but is readable or writable by other users (mode "
                "{mode:o}); run: chmod 600 {path}"
            ),
            path=path,
            mode=stat.S_IMODE(mode),
        )


def _from_file(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("credentials file {path} does not exist", path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("{path} is not valid TOML: {exc}", path=path, exc=exc) from None
    section = data.get("ssh", {})
    if not isinstance(section, dict):
        raise ConfigError("{path}: [ssh] must be a table", path=path)
    if section.get("password") or section.get("secret"):
        check_file_permissions(path)
    for key in ("username", "password", "secret"):
        if key in section and not isinstance(section[key], str):
            raise ConfigError("{path}: [ssh] {key} must be a string", path=path, key=key)
    return section


def _keyring_get(service: str, username: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a hard dependency
        raise ConfigError("the keyring package is not installed") from None
    try:
        return keyring.get_password(service, username)
    except KeyringError as exc:
        raise ConfigError("OS keyring unavailable: {exc}", exc=exc) from None


def ssh_section(
    config: Mapping[str, object], credential_set: str | None = None
) -> dict[str, object]:
    """The SSH-relevant keys of a parsed netcmdb config (``netcmdb.config.load_config``).

    ``[ssh]`` gives defaults; a named ``[credentials.<set>]`` (``--credentials NAME`` or
    ``credentials = "NAME"`` in ``[ssh]``) overrides them. A set spells the user
    ``ssh_username`` (``username`` also accepted) and may reference secrets by
    ``password_env``/``secret_env`` (environment variable names) or
    ``password_keyring``/``secret_keyring`` (keyring service names).

    Raises:
        ConfigError: the named credential set does not exist.
    """
    out: dict[str, object] = {}
    ssh = config.get("ssh", {})
    if isinstance(ssh, dict):
        out.update(ssh)
    name = credential_set or (
        out.get("credentials") if isinstance(out.get("credentials"), str) else None
    )
    if name:
        sets = config.get("credentials", {})
        cset = sets.get(name) if isinstance(sets, dict) else None
        if not isinstance(cset, dict):
            known = ", ".join(sorted(sets)) if isinstance(sets, dict) else ""
            if known:
                raise ConfigError(
                    "no credential set [credentials.{name}] in the config file (known: {known})",
                    name=name,
                    known=known,
                )
            raise ConfigError(
                "no credential set [credentials.{name}] in the config file", name=name
            )
        out.update(cset)
    if "ssh_username" in out and "username" not in out:
        out["username"] = out["ssh_username"]
    return out


def load_credentials(
    config_file: str | os.PathLike[str] | None = None,
    *,
    config: Mapping[str, object] | None = None,
    credential_set: str | None = None,
    env: Mapping[str, str] | None = None,
    use_keyring: bool | None = None,
) -> SshCredentials:
    """Collect one :class:`SshCredentials` from env, config and keyring (see module doc).

    Args:
        config_file: a TOML file with an ``[ssh]`` table (permissions checked here).
        config: an already parsed netcmdb config (permissions checked by its loader).
        credential_set: name of a ``[credentials.<name>]`` table in ``config``.
        env: environment (default ``os.environ``).
        use_keyring: look up missing secrets in the OS keyring under the default services.

    Raises:
        ConfigError: no username anywhere, an unsafe or broken file, a missing reference, or
            an unusable keyring.
    """
    env = os.environ if env is None else env
    section: dict[str, object] = {}
    if config is not None:
        section.update(ssh_section(config, credential_set))
    if config_file is not None:
        section.update(_from_file(Path(config_file)))
    origin: list[str] = []

    def text(key: str) -> str | None:
        val = section.get(key)
        if val is None or val == "":
            return None
        if not isinstance(val, str):
            raise ConfigError("SSH credential setting {key!r} must be a string", key=key)
        return val

    def pick(env_key: str, key: str) -> str | None:
        if env.get(env_key):
            origin.append(f"{key}=env")
            return env[env_key]
        if val := text(key):
            origin.append(f"{key}=config")
            return val
        if ref := text(f"{key}_env"):
            if not env.get(ref):
                raise ConfigError(
                    "SSH {key} references environment variable {ref}, which is not set",
                    key=key,
                    ref=ref,
                )
            origin.append(f"{key}=env:{ref}")
            return env[ref]
        return None

    username = pick(ENV_USERNAME, "username")
    if not username:
        raise ConfigError(
            (
                "no SSH username: set {env_username}, or `username` in [ssh] / `ssh_username` in "
                "a [credentials.<name>] table of the config file"
            ),
            env_username=ENV_USERNAME,
        )
    password = pick(ENV_PASSWORD, "password")
    secret = pick(ENV_SECRET, "secret")
    for key, service_default in (("password", KEYRING_SERVICE), ("secret", KEYRING_ENABLE_SERVICE)):
        if (password if key == "password" else secret) is not None:
            continue
        service = text(f"{key}_keyring")
        if service is None:
            wanted = use_keyring
            if wanted is None:
                wanted = bool(section.get("keyring")) or env.get(ENV_KEYRING, "") in (
                    "1",
                    "true",
                    "yes",
                )
            if not wanted:
                continue
            service = service_default
        value = _keyring_get(service, username)
        if value is None and text(f"{key}_keyring"):
            raise ConfigError(
                (
                    "no {key} for {username!r} in the OS keyring under service {service!r} "
                    "(store it "
                    "with: keyring set {service} {username})"
                ),
                key=key,
                username=username,
                service=service,
            )
        if value:
            origin.append(f"{key}=keyring")
            if key == "password":
                password = value
            else:
                secret = value
    return SshCredentials(
        username=username,
        password=Secret(password) if password else None,
        secret=Secret(secret) if secret else None,
        origin=",".join(origin),
    )
