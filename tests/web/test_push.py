"""Remote collectors: ``push_facts`` against a real server; four collectors pushing overlapping
facts at once into one PostgreSQL CMDB end with zero duplicate CIs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from netcmdb.errors import AccessError


def device(i: int, collector: int) -> dict[str, Any]:
    """Device i as collector c sees it: same identifiers, a collector-specific detail."""
    return {
        "target": f"10.60.{i // 200}.{i % 200 + 1}",
        "duration_s": 0.1,
        "device": {
            "source": "snmp",
            "ip": f"10.60.{i // 200}.{i % 200 + 1}",
            "hostname": f"acc-{i:03d}",
            "mac": f"02:60:00:00:{i >> 8:02x}:{i & 255:02x}",
            "serial": f"SN60{i:05d}",
            "vendor": "Huawei",
            "model": "S5735",
            "device_class": "switch",
            "os_version": f"V200R0{collector}",
        },
    }


@pytest.fixture(scope="module")
def pg_web(pg_server: str) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL CMDB, a real uvicorn server on it (threads), an editor token."""
    import uvicorn

    from netcmdb.cmdb.access import create_token
    from netcmdb.cmdb.db import make_engine, session_scope, upgrade
    from netcmdb.web.app import create_app

    admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text('CREATE DATABASE "netcmdb_web_push"'))
    url = f"{pg_server}/netcmdb_web_push"
    eng = make_engine(url)
    upgrade(eng)
    with session_scope(eng) as s:
        token = create_token(s, "collectors", "editor")
        reader = create_token(s, "viewer", "reader")
    eng.dispose()
    import socket

    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(url, open_read=False), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert th.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", url, token, reader  # type: ignore[misc]
    srv.should_exit = True
    th.join(timeout=30)
    with admin.connect() as c:
        c.execute(text('DROP DATABASE "netcmdb_web_push" WITH (FORCE)'))
    admin.dispose()


def test_four_collectors_at_once_make_no_duplicates(pg_web):
    from netcmdb.web.push import push_facts

    base, url, token, _reader = pg_web
    n_collectors, per = 4, 120
    # collector c sees devices 40c .. 40c+119: every device is seen by 1-3 collectors
    docs = [
        {
            "results": [device(i, c) for i in range(40 * c, 40 * c + per)],
            "targets": [f"site-{c}"],
            "methods": ["snmp"],
        }
        for c in range(n_collectors)
    ]
    start = threading.Barrier(n_collectors)
    answers: list[Any] = [None] * n_collectors

    def collector(c: int) -> None:
        start.wait()
        try:
            answers[c] = push_facts(base, token, docs[c])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            answers[c] = exc

    threads = [threading.Thread(target=collector, args=(c,)) for c in range(n_collectors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert all(isinstance(a, dict) for a in answers), answers
    distinct = 40 * (n_collectors - 1) + per
    eng = create_engine(url)
    with eng.connect() as c:
        n_ci = c.execute(text("SELECT count(*) FROM ci")).scalar_one()
        dup = c.execute(
            text("SELECT serial, count(*) FROM ci GROUP BY serial HAVING count(*) > 1")
        ).all()
        runs = c.execute(text("SELECT count(*) FROM scan_run")).scalar_one()
    eng.dispose()
    assert dup == [] and n_ci == distinct
    assert runs == n_collectors  # each push is one run
    assert sum(len(a["new"]) for a in answers) == distinct  # every CI created exactly once


def test_push_errors_are_one_clear_message(pg_web):
    from netcmdb.web.push import PushError, facts_url, push_facts

    base, _url, _token, reader = pg_web
    with pytest.raises(AccessError, match="401"):
        push_facts(base, "ncm_wrong", {"results": [device(1, 0)]})
    with pytest.raises(AccessError, match="403.*needs editor"):
        push_facts(base, reader, {"results": [device(1, 0)]})
    with pytest.raises(AccessError, match="needs --token"):
        push_facts(base, "", {"results": []})
    with pytest.raises(PushError, match="expected"):
        facts_url("ftp://x")
    with pytest.raises(PushError, match="cannot push"):
        push_facts("http://127.0.0.1:9", "ncm_x", {"results": []}, timeout=5)


def test_scan_push_sends_the_run_to_the_server(server, web_db, tmp_path):
    """`netcmdb scan --push`: a TCP sweep of 127.0.0.1 (the test server's own port) reconciled
    by the server as one run; the collector's own CMDB gets nothing."""
    import json
    import subprocess
    import sys
    import urllib.request

    port = server.rsplit(":", 1)[1]
    local = f"sqlite:///{tmp_path / 'collector.sqlite'}"
    before = json.loads(urllib.request.urlopen(f"{server}/api/v1/runs").read())
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "netcmdb",
            "--db",
            local,
            "scan",
            "127.0.0.1",
            "--tcp",
            port,
            "--no-dns",
            "--push",
            server,
            "--token",
            web_db.tokens["editor"],
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    after = json.loads(urllib.request.urlopen(f"{server}/api/v1/runs").read())
    assert len(after) == len(before) + 1 and after[0]["id"] == summary["run_id"]
    assert after[0]["targets"] == ["127.0.0.1"]
    runs = subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", local, "runs", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(runs.stdout) == []  # nothing stored locally
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "netcmdb",
            "--db",
            local,
            "scan",
            "127.0.0.1",
            "--tcp",
            port,
            "--push",
            server,
            "--token",
            "ncm_wrong",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert bad.returncode == 2 and "401" in bad.stderr and "Traceback" not in bad.stderr
    no_token = subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", local, "scan", "127.0.0.1", "--push", server],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={k: v for k, v in __import__("os").environ.items() if k != "NETCMDB_TOKEN"},
    )
    assert no_token.returncode == 2 and "--token" in no_token.stderr
