"""Web users and API tokens for every face (``netcmdb user ...`` / ``token ...``).

Must not import click, rich or a web framework.
"""

from __future__ import annotations

from netcmdb.services.context import Cmdb


def add_user(cmdb: Cmdb, name: str, role: str, password: str) -> dict[str, str]:
    """Add user ``name`` (or reset their role and password; argon2-hashed)."""
    from netcmdb.cmdb.access import add_user as add

    with cmdb.session() as s:
        add(s, name, role, password)
    return {"user": name, "role": role}


def list_users(cmdb: Cmdb) -> list[dict[str, str]]:
    """Users and their roles (never their password hashes)."""
    from netcmdb.cmdb.access import list_users as users

    with cmdb.session() as s:
        return users(s)


def create_token(cmdb: Cmdb, name: str, role: str) -> dict[str, str]:
    """A new API token: ``{"name", "role", "token"}`` (the secret, shown once; stored hashed)."""
    from netcmdb.cmdb.access import create_token as create

    with cmdb.session() as s:
        secret = create(s, name, role)
    return {"name": name, "role": role, "token": secret}


def revoke_token(cmdb: Cmdb, name: str) -> dict[str, object]:
    """Revoke API token ``name``."""
    from netcmdb.cmdb.access import revoke_token as revoke

    with cmdb.session() as s:
        revoke(s, name)
    return {"token": name, "revoked": True}
