"""The web UI and API fed hostile input (issue 17 sweep of the newer surfaces): ids beyond any
INTEGER, pushed facts of the wrong shape, request bodies without bound, a push redirected
elsewhere. Each answer is one JSON error (never a 500, never a trace) and the CMDB is
unchanged; the bearer token goes only to the server the user named."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from netcmdb.cmdb.models import Base

A = "/api/v1"
HUGE = "9" * 40


def cmdb_digest(url: str) -> str:
    """Every row of every table but ``api_token`` (a token's ``last_used`` moves with each
    request, accepted or refused)."""
    import hashlib

    eng = create_engine(url)
    h = hashlib.sha256()
    try:
        with eng.connect() as c:
            for t in Base.metadata.sorted_tables:
                if t.name != "api_token":
                    rows = sorted(repr(tuple(r)) for r in c.execute(select(t)))
                    h.update(f"{t.name}:{rows}".encode("utf-8", "surrogatepass"))
    finally:
        eng.dispose()
    return h.hexdigest()


def test_ids_beyond_any_integer_are_not_found(client: Any) -> None:
    """They reached the driver: OverflowError -> 500."""
    assert client.get(f"{A}/cis/{HUGE}").status_code == 404
    assert client.get(f"{A}/cis/%23{HUGE}").status_code == 404
    r = client.get(f"{A}/runs/{HUGE}")
    assert r.status_code == 404 and r.json()["error"] == f"no run {HUGE} (see netcmdb runs list)"
    assert client.get(f"/runs/{HUGE}").status_code == 404
    assert client.get(f"/ci/%23{HUGE}").status_code == 404
    assert client.get(f"{A}/search", params={"q": f"#{HUGE}"}).status_code == 200
    r = client.get(f"{A}/cis", params={"offset": "9" * 30})
    assert r.status_code == 422 and "offset" in r.json()["error"]


def _result(**device: Any) -> dict[str, Any]:
    return {"target": "10.77.0.1", "device": {"source": "snmp", "ip": "10.77.0.1", **device}}


HOSTILE_FACTS = [
    ("list-for-text", {"results": [_result(hostname=["a"])]}, "device.hostname must be text"),
    ("lone-surrogate", None, "lone surrogate"),
    ("nan", None, "device.rtt_ms must be a finite number"),
    ("infinity", None, "device.rtt_ms must be a finite number"),
    ("unknown-field", {"results": [_result(evil=1)]}, "unknown field 'evil'"),
    ("ifaces-text", {"results": [_result(interfaces="x")]}, "device.interfaces must be a list"),
    (
        "iface-name-number",
        {"results": [_result(interfaces=[{"name": 5}])]},
        "device.interfaces[0].name must be text",
    ),
    ("extra-not-text", {"results": [_result(extra={"a": [1]})]}, "must be text"),
    ("result-number", {"results": [5]}, "a result must be an object"),
    ("device-text", {"results": [{"target": "x", "device": "y"}]}, "device must be an object"),
    ("targets-text", {"results": [], "targets": "10.0.0.0/8"}, "targets must be a list of text"),
    ("methods-numbers", {"results": [], "methods": [5]}, "methods must be a list of text"),
]
RAW = {
    "lone-surrogate": (
        b'{"results":[{"target":"x","device":{"source":"snmp","hostname":"\\ud800"}}]}'
    ),
    "nan": b'{"results":[{"target":"x","device":{"source":"snmp","hostname":"a","rtt_ms":NaN}}]}',
    "infinity": b'{"results":[{"target":"x","device":{"source":"snmp","rtt_ms":1e999}}]}',
}


@pytest.mark.parametrize(
    ("case", "doc", "needle"), HOSTILE_FACTS, ids=[c[0] for c in HOSTILE_FACTS]
)
def test_pushed_facts_of_the_wrong_shape_are_one_error(
    client: Any, web_db: Any, case: str, doc: Any, needle: str
) -> None:
    """A list where text belongs made a CI called "['a']"; a lone surrogate was a 500."""
    before = cmdb_digest(web_db.url)
    body = RAW[case] if doc is None else json.dumps(doc).encode()
    r = client.post(
        f"{A}/facts",
        content=body,
        headers={
            "Authorization": f"Bearer {web_db.tokens['editor']}",
            "Content-Type": "application/json",
        },
    )
    assert r.status_code == 400, r.text
    assert needle in r.json()["error"] and "\n" not in r.json()["error"]
    assert cmdb_digest(web_db.url) == before


def test_request_bodies_are_bounded(
    client: Any, web_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pushed document had no size limit (60 MB was parsed and accepted); other bodies
    (impact, login, forms) none either. Refused before the body is read."""
    monkeypatch.setenv("NETCMDB_MAX_INPUT_MB", "1")
    before = cmdb_digest(web_db.url)
    auth = {"Authorization": f"Bearer {web_db.tokens['editor']}"}
    big = b'{"results": [], "pad": "' + b"x" * (2 << 20) + b'"}'
    r = client.post(f"{A}/facts", content=big, headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 413 and "NETCMDB_MAX_INPUT_MB" in r.json()["error"]
    r = client.post(f"{A}/impact", json={"targets": ["x" * (2 << 20)]})
    assert r.status_code == 413 and "larger than 1 MiB" in r.json()["error"]
    r = client.post("/login", data={"name": "x", "password": "p" * (2 << 20)})
    assert r.status_code == 413 and "Traceback" not in r.text

    def chunks() -> Iterator[bytes]:
        yield b'{"results": []}'

    r = client.post(
        f"{A}/facts", content=chunks(), headers={**auth, "Content-Type": "application/json"}
    )
    assert r.status_code == 411 and "Content-Length" in r.json()["error"]
    # within the limit, as before
    r = client.post(f"{A}/facts", json={"results": []}, headers=auth)
    assert r.status_code == 200
    monkeypatch.delenv("NETCMDB_MAX_INPUT_MB")
    assert cmdb_digest(web_db.url) != before  # the last push is a run: the check above is live


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request's Authorization header; redirects when told to."""

    seen: list[tuple[str, str | None]] = []
    redirect_to: str | None = None

    def _answer(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        if self.redirect_to:
            self.send_response(303)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        body = json.dumps({"run_id": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_a: Any) -> None:
        pass


def _serve(handler: type) -> tuple[http.server.HTTPServer, str]:
    srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def test_push_never_follows_a_redirect_with_the_token() -> None:
    """urllib re-sent the request, Authorization included, to wherever a 30x pointed (another
    host, plain http). Both servers here are on loopback."""
    from netcmdb.web.push import PushError, push_facts

    class Elsewhere(_Recorder):
        seen: list[tuple[str, str | None]] = []

    other, other_url = _serve(Elsewhere)

    class Named(_Recorder):
        seen: list[tuple[str, str | None]] = []
        redirect_to = other_url + "/steal"

    named, named_url = _serve(Named)
    try:
        with pytest.raises(PushError, match="redirects to .*/steal.*token is not sent on"):
            push_facts(named_url, "ncm_secret", {"results": []}, timeout=10)
        assert Named.seen == [("/api/v1/facts", "Bearer ncm_secret")]
        assert Elsewhere.seen == []  # nothing, and no token, went anywhere else
        # the same client to a server that answers: works (the check above is not blind)
        assert push_facts(other_url, "ncm_secret", {"results": []}, timeout=10) == {"run_id": 1}
        assert Elsewhere.seen == [("/api/v1/facts", "Bearer ncm_secret")]
    finally:
        named.shutdown()
        other.shutdown()


def _login(client: Any, name: str, password: str) -> Any:
    import re

    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text[:500]
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf": csrf.group(1)},
        follow_redirects=False,
    )


def test_password_guessing_is_throttled(web_db: Any, password: str) -> None:
    """Login had no limit: a guesser could try as fast as argon2 hashed. After 10 failures for
    a name in 5 minutes it is refused (429) before any hashing -- the right password too --
    until the window passes; other names are untouched; a success clears the count."""
    from fastapi.testclient import TestClient

    from netcmdb.web.app import create_app

    now = [1000.0]
    with TestClient(create_app(web_db.url, open_read=False)) as c:
        c.app.state.login_throttle.clock = lambda: now[0]
        for _ in range(10):
            assert _login(c, "editor1", "wrong guess").status_code == 401
        r = _login(c, "editor1", password)
        assert r.status_code == 429 and "too many failed logins; try again in 300 s" in r.text
        assert _login(c, "EDITOR1", password).status_code == 429  # the name in any case
        assert _login(c, "admin1", password).status_code == 303  # another name: unaffected
        now[0] += 301
        assert _login(c, "editor1", password).status_code == 303
        # the success cleared the name's count: one more failure is just a failure
        assert _login(c, "editor1", "wrong guess").status_code == 401


def test_the_throttle_bounds_addresses_and_its_own_memory() -> None:
    from netcmdb.web.security import LoginThrottle

    now = [0.0]
    t = LoginThrottle(
        max_failures=3, per_address=5, window_s=60, max_keys=100, clock=lambda: now[0]
    )
    for i in range(5):
        t.failed([f"user:u{i}", "addr:10.0.0.9"])  # five names from one address
    assert t.wait(["user:u0"]) == 0 and t.wait(["addr:10.0.0.9"]) == 60
    now[0] = 30
    assert t.wait(["user:new", "addr:10.0.0.9"]) == 30
    for i in range(1000):
        t.failed([f"user:spray{i}"])
    assert len(t._fails) <= 100


@pytest.mark.parametrize("where", [{"class": "evil"}, {"status": "evil"}, {"class": "'; --"}])
def test_bulk_edit_with_an_unknown_class_or_status_is_one_error(
    client: Any, web_db: Any, where: dict[str, str]
) -> None:
    """The value went to the database as an enum: LookupError -> 500."""
    before = cmdb_digest(web_db.url)
    r = client.post(
        f"{A}/cis/bulk",
        json={"where": where, "set": {"owner": "x"}},
        headers={"Authorization": f"Bearer {web_db.tokens['editor']}"},
    )
    assert r.status_code == 400, r.text
    assert "unknown" in r.json()["error"] and "(known: " in r.json()["error"]
    assert cmdb_digest(web_db.url) == before
