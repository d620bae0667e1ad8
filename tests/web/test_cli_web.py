"""`netcmdb user add`, `token create/revoke`, `serve`: through the real command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from netcmdb.web.server import is_loopback


def run(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", url, *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture
def url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'c.sqlite'}"


def test_users_and_tokens(url):
    r = run(
        url, "user", "add", "alice", "--role", "editor", "--password-stdin", stdin="s3cret-pass\n"
    )
    assert r.returncode == 0 and "alice: editor" in r.stdout
    short = run(url, "user", "add", "bob", "--role", "reader", "--password-stdin", stdin="x\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    assert "Traceback" not in short.stderr
    bad = run(url, "user", "add", "bob", "--role", "god", "--password-stdin", stdin="xxxxxxxx\n")
    assert bad.returncode == 2
    assert json.loads(run(url, "user", "list", "--json").stdout) == [
        {"name": "alice", "role": "editor"}
    ]
    tok = run(url, "token", "create", "collector-1", "--role", "editor")
    assert tok.returncode == 0
    secret = tok.stdout.strip()
    assert secret.startswith("ncm_") and len(secret) > 40 and "shown once" in tok.stderr
    dup = run(url, "token", "create", "collector-1", "--role", "editor")
    assert dup.returncode == 2 and "exists" in dup.stderr
    # stored hashed: the secret is nowhere in the database file
    with open(url.removeprefix("sqlite:///"), "rb") as fh:
        assert secret.encode() not in fh.read()
    from netcmdb.cmdb.db import make_engine, session_scope

    eng = make_engine(url)
    with session_scope(eng) as s:
        from netcmdb.cmdb.access import check_token

        assert check_token(s, secret).role == "editor"
        hashes = (
            s.execute(__import__("sqlalchemy").text("SELECT password_hash FROM web_user"))
            .scalars()
            .all()
        )
    eng.dispose()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert run(url, "token", "revoke", "collector-1").returncode == 0
    assert run(url, "token", "revoke", "collector-1").returncode == 2


def test_loopback_rule():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    assert not is_loopback("::") and not is_loopback("example.org")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback_and_stops_on_sigint(url):
    port = _free_port()
    env = {**os.environ, "NETCMDB_WEB_SECRET": "y" * 40}
    p = subprocess.Popen(
        [sys.executable, "-m", "netcmdb", "--db", url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while body is None:
            assert p.poll() is None, p.stderr.read().decode() if p.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/cis") as r:
                    body = json.loads(r.read())
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)
        assert body == {"cis": [], "total": 0}
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(timeout=60)
    assert b"serving netcmdb on http://127.0.0.1:" in p.stderr.read()  # type: ignore[union-attr]
