"""Who may use ``netcmdb serve``: web users (argon2 password hashes) and API tokens (SHA-256).

The CLI (``user add``, ``token create``) and the web app both call these functions. A token is
32 random bytes shown once; only its SHA-256 is stored (a high-entropy secret needs no slow hash,
and every API request checks one). Passwords are low-entropy, so they get argon2id
(argon2-cffi's defaults). Must not import the CLI or the web package; never prints.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcmdb.cmdb.models import ApiToken, Role, User, utcnow
from netcmdb.errors import AccessError

#: roles in increasing power; a role may do what every role before it may
ROLES = tuple(r.value for r in Role)
TOKEN_PREFIX = "ncm_"
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user or a token name and its role (``anonymous`` reads on loopback)."""

    name: str
    role: str
    kind: str  # "user" | "token" | "anonymous"

    def may(self, needed: str) -> bool:
        """True when this principal's role is at least ``needed``."""
        return ROLES.index(self.role) >= ROLES.index(needed)


ANONYMOUS = Principal("anonymous", Role.READER.value, "anonymous")


def _check(name: str, role: str) -> None:
    if not _NAME.match(name or ""):
        raise AccessError(
            "bad name {name!r}: use 1-64 letters, digits, '_', '.', '@' or '-'", name=name
        )
    if role not in ROLES:
        raise AccessError(
            "unknown role {role!r} (roles: {roles})", role=role, roles=", ".join(ROLES)
        )


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()


def add_user(session: Session, name: str, role: str, password: str) -> None:
    """Create a user, or reset an existing user's role and password.

    User names are unique in any case (``Bob`` beside ``bob`` would be two people to the server
    and one to every reader of the journal's ``web:bob``).

    Raises:
        AccessError: bad name or role, a password shorter than 8 characters, or a user whose
            name differs only in case.
    """
    from sqlalchemy import func

    _check(name, role)
    if len(password) < 8:
        raise AccessError("the password needs at least 8 characters")
    twin = session.scalars(
        select(User.name).where(func.lower(User.name) == name.lower(), User.name != name)
    ).first()
    if twin is not None:
        raise AccessError(
            "user {twin!r} exists (names are unique in any case); use that name", twin=twin
        )
    digest = _hasher().hash(password)
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        session.add(User(name=name, role=Role(role), password_hash=digest))
    else:
        user.role, user.password_hash = Role(role), digest
    session.flush()


def check_password(session: Session, name: str, password: str) -> Principal:
    """The user ``name`` if ``password`` is theirs.

    Raises:
        AccessError: unknown user or wrong password (one message for both).
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    user = session.scalars(select(User).where(User.name == name)).first()
    hasher = _hasher()
    if user is None:
        # spend the same time as a real check, so a probe cannot tell names apart
        hasher.hash(password or "x")
        raise AccessError("wrong user name or password")
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise AccessError("wrong user name or password") from None
    return Principal(user.name, str(user.role.value), "user")


def list_users(session: Session) -> list[dict[str, str]]:
    """Users (name, role), never their hashes."""
    return [
        {"name": u.name, "role": u.role.value}
        for u in session.scalars(select(User).order_by(User.name))
    ]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, role: str) -> str:
    """A new API token called ``name``; returns the secret (shown once, stored hashed).

    Raises:
        AccessError: bad name or role, or a token of that name already exists.
    """
    _check(name, role)
    if session.scalars(select(ApiToken).where(ApiToken.name == name)).first() is not None:
        raise AccessError(
            "a token called {name!r} exists; revoke it first or pick another name", name=name
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=Role(role), token_hash=_digest(secret)))
    session.flush()
    return secret


def revoke_token(session: Session, name: str) -> None:
    """Delete the token ``name``.

    Raises:
        AccessError: no such token.
    """
    tok = session.scalars(select(ApiToken).where(ApiToken.name == name)).first()
    if tok is None:
        raise AccessError("no token called {name!r}", name=name)
    session.delete(tok)
    session.flush()


def check_token(session: Session, secret: str) -> Principal:
    """The token whose secret this is.

    Raises:
        AccessError: unknown or revoked token.
    """
    tok = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(secret))).first()
    if tok is None:
        raise AccessError("unknown or revoked API token")
    tok.last_used = utcnow()
    return Principal(tok.name, str(tok.role.value), "token")
