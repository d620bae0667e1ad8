"""The collector side of ``POST /api/v1/facts``: send a ``scan --no-store --json`` document to a
netcmdb server (``netcmdb scan ... --push URL --token T``).

Standard library only (a collector needs no web stack). Never prints; errors are
:class:`~netcmdb.errors.NetcmdbError` subclasses with the server's own message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from netcmdb.errors import AccessError, NetcmdbError

FACTS_PATH = "/api/v1/facts"


class PushError(NetcmdbError):
    """The server could not be reached or refused the facts."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would re-send the request, ``Authorization: Bearer`` included,
    to wherever the answer points (another host, plain http) -- the token must go only to the
    server the user named."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        raise PushError(
            (
                "{full_url}: the server redirects to {newurl!r} ({code}); give that URL to "
                "--push yourself (the token is not sent on)"
            ),
            full_url=req.full_url,
            newurl=newurl,
            code=code,
        )


_OPENER = urllib.request.build_opener(_NoRedirect)


def facts_url(server: str) -> str:
    """``http(s)://host[:port][/prefix]`` -> the facts endpoint (a full endpoint URL is kept).

    >>> facts_url("http://cmdb.example.edu:8080")
    'http://cmdb.example.edu:8080/api/v1/facts'
    >>> facts_url("https://cmdb.example.edu/api/v1/facts")
    'https://cmdb.example.edu/api/v1/facts'
    """
    u = urllib.parse.urlsplit(server.strip())
    if u.scheme not in ("http", "https") or not u.netloc:
        raise PushError("--push {server!r}: expected http(s)://HOST[:PORT]", server=server)
    path = u.path.rstrip("/")
    if not path.endswith(FACTS_PATH):
        path += FACTS_PATH
    return urllib.parse.urlunsplit((u.scheme, u.netloc, path, "", ""))


def push_facts(
    server: str, token: str, doc: dict[str, Any], *, timeout: float = 300.0
) -> dict[str, Any]:
    """POST ``doc`` (``{"results": [...], "targets": [...], "methods": [...]}``) to ``server``.

    Returns:
        The server's run summary (``run``, ``new``, ``changed``, ``seen``, ``missing``,
        ``failed``).

    Raises:
        AccessError: 401/403 (bad token, or not an editor).
        PushError: unreachable server, or any other refusal (its message).
    """
    if not token:
        raise AccessError("--push needs --token (netcmdb token create NAME --role editor)")
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        facts_url(server),
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        },
    )
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        try:
            msg = json.loads(exc.read().decode("utf-8")).get("error") or exc.reason
        except (ValueError, OSError, AttributeError):
            msg = exc.reason
        if exc.code in (401, 403):
            raise AccessError(
                "{facts_url}: {code}: {msg}", facts_url=facts_url(server), code=exc.code, msg=msg
            ) from None
        raise PushError(
            "{facts_url}: {code}: {msg}", facts_url=facts_url(server), code=exc.code, msg=msg
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushError(
            "{facts_url}: cannot push: {reason}", facts_url=facts_url(server), reason=reason
        ) from None
