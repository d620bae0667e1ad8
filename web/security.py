"""Who is asking, and what a response must carry: sessions, CSRF, bearer tokens, headers.

- Reads: anonymous on a loopback bind (the default), a login or token otherwise.
- Writes: always a login (with a CSRF token, double submit: the signed session cookie holds it,
  the form or the ``X-CSRF-Token`` header repeats it) or a bearer token of role editor/admin.
- Errors on ``/api/`` are JSON (401 with ``WWW-Authenticate: Bearer``, 403), never a trace.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from fastapi import HTTPException, Request

from netcmdb.cmdb.access import ANONYMOUS, Principal

SESSION_COOKIE = "netcmdb_session"
LANG_COOKIE = "netcmdb_lang"
SESSION_MAX_AGE = 12 * 3600

#: Content-Security-Policy: no inline script, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def secret_key() -> str:
    """The key that signs session cookies: ``NETCMDB_WEB_SECRET``, else a 0600 file in the user
    config dir (made once, so every worker and restart shares it)."""
    env = os.environ.get("NETCMDB_WEB_SECRET")
    if env:
        return env
    import platformdirs

    path = Path(platformdirs.user_config_dir("netcmdb")) / "web-secret"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


class Sessions:
    """Signed cookies holding ``{"u": user or None, "c": csrf token}``."""

    def __init__(self, key: str) -> None:
        from itsdangerous import URLSafeTimedSerializer

        self._s = URLSafeTimedSerializer(key, salt="netcmdb-session")

    def load(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return {}
        from itsdangerous import BadData

        try:
            data = self._s.loads(raw, max_age=SESSION_MAX_AGE)
        except BadData:
            return {}
        return data if isinstance(data, dict) else {}

    def dump(self, data: dict[str, Any]) -> str:
        return str(self._s.dumps(data))


class LoginThrottle:
    """Failed logins counted per user name and per client address.

    After ``max_failures`` for a name (``per_address`` for an address: many people may share
    one behind NAT) in ``window_s`` seconds, it may not try again until its oldest failure
    leaves the window -- refused before any password hashing, so a flood of guesses costs the
    server nothing and a guesser gets ``max_failures`` tries per window, not thousands.

    In memory, per worker process (``serve --workers N`` allows N times as many); a success
    clears the name's count. At most ``max_keys`` names/addresses are tracked (the oldest are
    dropped), so the table cannot grow without bound either.
    """

    def __init__(
        self,
        max_failures: int = 10,
        window_s: float = 300.0,
        *,
        per_address: int = 50,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.window_s, self.max_keys = max_failures, window_s, max_keys
        self.per_address = per_address
        self.clock = clock
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.get(key, deque())
        while q and now - q[0] >= self.window_s:
            q.popleft()
        return q

    def wait(self, keys: Sequence[str]) -> float:
        """Seconds until ``keys`` may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [
                self.window_s - (now - q[0])
                for k, q in ((k, self._recent(k, now)) for k in keys)
                if len(q) >= (self.per_address if k.startswith("addr:") else self.max_failures)
            ]
        return max(waits, default=0.0)

    def failed(self, keys: Sequence[str]) -> None:
        now = self.clock()
        with self._lock:
            for k in keys:
                q = self._recent(k, now)
                q.append(now)
                self._fails.pop(k, None)
                self._fails[k] = q  # most recent last: the first keys are the oldest
            while len(self._fails) > self.max_keys:
                del self._fails[next(iter(self._fails))]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


def login_keys(request: Request, name: str) -> list[str]:
    """What a failed login counts against: the (case-folded) user name and the client."""
    client = request.client.host if request.client else "?"
    return [f"user:{name.strip().lower()}", f"addr:{client}"]


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(session: dict[str, Any], given: str | None) -> bool:
    want = session.get("c")
    return bool(want and given and hmac.compare_digest(str(want), str(given)))


class Denied(HTTPException):
    """401 (who are you?) or 403 (not allowed), rendered as JSON on the API."""


def principal_of(request: Request) -> Principal | None:
    """The caller: a bearer token, a logged-in user, anonymous (loopback reads), or None.

    Raises:
        Denied: 401 for a bearer token that is unknown or revoked.
    """
    cached = getattr(request.state, "principal", False)
    if cached is not False:
        return cast("Principal | None", cached)
    app = request.app
    who: Principal | None = None
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Denied(401, "use Authorization: Bearer <token> (netcmdb token create)")
        from netcmdb.cmdb.access import check_token
        from netcmdb.errors import AccessError

        try:
            with app.state.session() as s:
                who = check_token(s, token.strip())
        except AccessError as exc:
            raise Denied(401, str(exc)) from None
        request.state.via_cookie = False
    else:
        sess = request.state.web_session
        name = sess.get("u")
        if name:
            from netcmdb.cmdb.access import list_users

            with app.state.session() as s:
                role = {u["name"]: u["role"] for u in list_users(s)}.get(name)
            if role:
                who = Principal(name, role, "user")
        request.state.via_cookie = who is not None
        if who is None and app.state.open_read:
            who = ANONYMOUS
    request.state.principal = who
    return who


def require(request: Request, role: str, *, write: bool) -> Principal:
    """The caller if they may act with ``role``; CSRF checked for cookie-authenticated writes.

    Raises:
        Denied: 401 when nobody (or only anonymous) is asking, 403 when the role is too low or
            a browser write lacks its CSRF token.
    """
    who = principal_of(request)
    if who is None or (write and who.kind == "anonymous"):
        raise Denied(401, "log in or send an API token (Authorization: Bearer ...)")
    if not who.may(role):
        raise Denied(403, f"{who.name} is a {who.role}; this needs {role}")
    return who


def check_csrf(request: Request, form_value: str | None = None) -> None:
    """Cookie-authenticated writes must repeat the session's CSRF token.

    Raises:
        Denied: 403 when the token is missing or wrong.
    """
    if getattr(request.state, "via_cookie", False) or (
        request.state.web_session and "authorization" not in request.headers
    ):
        given = form_value or request.headers.get("x-csrf-token")
        if not csrf_ok(request.state.web_session, given):
            raise Denied(403, "missing or wrong CSRF token; reload the page and try again")
