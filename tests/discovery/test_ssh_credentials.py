"""SSH credentials: env, config file (permission check), config credential sets, OS keyring."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from netcmdb.discovery.credentials import (
    KEYRING_ENABLE_SERVICE,
    KEYRING_SERVICE,
    Secret,
    SshCredentials,
    load_credentials,
)
from netcmdb.discovery.ssh import SshSettings, split_target
from netcmdb.errors import ConfigError


class MemoryKeyring(KeyringBackend):
    """A real keyring backend holding values in memory (the CI machine has no Secret Service)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture()
def memory_keyring() -> MemoryKeyring:
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


def _write(tmp_path: Path, text: str, mode: int) -> Path:
    p = tmp_path / "netcmdb.toml"
    p.write_text(text)
    os.chmod(p, mode)
    return p


def test_env_wins() -> None:
    env = {
        "NETCMDB_SSH_USERNAME": "ops",
        "NETCMDB_SSH_PASSWORD": "pw1",
        "NETCMDB_SSH_SECRET": "en1",
    }
    c = load_credentials(env=env)
    assert c.username == "ops" and c.password.reveal() == "pw1" and c.secret.reveal() == "en1"
    assert "env" in c.origin


def test_world_readable_file_with_password_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, '[ssh]\nusername = "ops"\npassword = "pw2"\n', 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_credentials(p, env={})
    os.chmod(p, 0o600)
    c = load_credentials(p, env={})
    assert c.password.reveal() == "pw2"


def test_world_readable_file_without_secrets_is_fine(tmp_path: Path) -> None:
    p = _write(tmp_path, '[ssh]\nusername = "ops"\n', 0o644)
    c = load_credentials(p, env={"NETCMDB_SSH_PASSWORD": "pw3"})
    assert c.username == "ops" and c.password.reveal() == "pw3" and c.secret is None


def test_broken_file_is_one_clear_error(tmp_path: Path) -> None:
    p = _write(tmp_path, "[ssh\nusername = ", 0o600)
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_credentials(p, env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_credentials(tmp_path / "nope.toml", env={})


def test_no_username_says_how_to_fix() -> None:
    with pytest.raises(ConfigError, match="NETCMDB_SSH_USERNAME"):
        load_credentials(env={})


def test_keyring(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, "ops", "kr-pw")
    memory_keyring.set_password(KEYRING_ENABLE_SERVICE, "ops", "kr-en")
    c = load_credentials(env={"NETCMDB_SSH_USERNAME": "ops", "NETCMDB_SSH_KEYRING": "1"})
    assert c.password.reveal() == "kr-pw" and c.secret.reveal() == "kr-en"
    assert "password=keyring" in c.origin
    # without opting in, the keyring is not consulted
    c2 = load_credentials(env={"NETCMDB_SSH_USERNAME": "ops"})
    assert c2.password is None


def test_config_credential_set_references(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("netcmdb/campus", "netops", "campus-pw")
    cfg = {
        "credentials": {
            "campus-ro": {
                "ssh_username": "netops",
                "password_keyring": "netcmdb/campus",
                "secret_env": "CAMPUS_ENABLE",
            }
        }
    }
    c = load_credentials(config=cfg, credential_set="campus-ro", env={"CAMPUS_ENABLE": "en5"})
    assert (c.username, c.password.reveal(), c.secret.reveal()) == ("netops", "campus-pw", "en5")
    with pytest.raises(ConfigError, match="CAMPUS_ENABLE"):
        load_credentials(config=cfg, credential_set="campus-ro", env={})
    with pytest.raises(ConfigError, match=r"no credential set \[credentials.nope\]"):
        load_credentials(config=cfg, credential_set="nope", env={})
    memory_keyring.delete_password("netcmdb/campus", "netops")
    with pytest.raises(ConfigError, match="keyring set netcmdb/campus netops"):
        load_credentials(config=cfg, credential_set="campus-ro", env={"CAMPUS_ENABLE": "x"})


def test_secrets_do_not_print() -> None:
    c = SshCredentials("ops", Secret("hunter2-pw"), Secret("hunter2-en"), origin="env")
    s = SshSettings(credentials=c, known_hosts=Path("/nonexistent"))
    for text in (repr(c), str(c), repr(s), f"{c.password}", f"{c.secret!r}", str([c])):
        assert "hunter2" not in text
    with pytest.raises(TypeError):
        pickle.dumps(c.password)


def test_bad_settings_are_config_errors() -> None:
    c = SshCredentials("ops")
    with pytest.raises(ConfigError, match="unknown SSH platform"):
        SshSettings(credentials=c, platform="cisco_catos")
    with pytest.raises(ConfigError, match="bad port"):
        split_target("10.0.0.1:99999", 22)
