"""Web fixtures: one CMDB (the example campus plus hostile device strings, users and tokens) per
test module, the app under FastAPI's TestClient, and for browser tests one real uvicorn server
per module (the headless Chromium fixture ``browser`` is tests/webfixtures.py's)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netcmdb.cmdb.db import make_engine, session_scope, upgrade

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example-campus.json"
HOSTILE = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil")',
    "\x1b[31mred\x1b[0m",
]
PASSWORD = "correct horse battery"
os.environ.setdefault("NETCMDB_WEB_SECRET", "test-secret-" + "x" * 40)


@dataclass
class WebDb:
    url: str
    tokens: dict[str, str]


def build_db(path: Path) -> WebDb:
    """The example campus, hostile CIs linked to an access switch, a user and token per role."""
    from netcmdb.cmdb.access import add_user, create_token
    from netcmdb.cmdb.importer import import_document

    url = f"sqlite:///{path}"
    eng = make_engine(url)
    upgrade(eng)
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    for i, s in enumerate(HOSTILE):
        doc["cis"].append(
            {
                "name": f"{s}-{i}",
                "class": "pc",
                "owner": s,
                "serial": f"HOST{i}",
                "vendor": s,
                "ip": f"10.250.0.{i + 1}",
                "location": {
                    "building": "09",
                    "floor": "01",
                    "room": "01",
                    "name": s,
                    "seat": i + 1,
                },
                "label": f"D090101-{i + 1:03d}",
            }
        )
    with session_scope(eng) as s:
        import_document(s, doc, origin="example-campus.json")
        tokens = {}
        for role in ("reader", "editor", "admin"):
            add_user(s, f"{role}1", role, PASSWORD)
            tokens[role] = create_token(s, f"tok-{role}", role)
    eng.dispose()
    return WebDb(url, tokens)


@pytest.fixture(scope="session")
def hostile() -> list[str]:
    """Device strings that must render as text (the CMDB holds CIs named ``f"{s}-{i}"``)."""
    return HOSTILE


@pytest.fixture(scope="session")
def password() -> str:
    """Every test user's password (users reader1, editor1, admin1)."""
    return PASSWORD


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> WebDb:
    return build_db(tmp_path_factory.mktemp("web") / "cmdb.sqlite")


@pytest.fixture(scope="module")
def client(web_db: WebDb) -> Iterator[Any]:
    """The app on loopback defaults (anonymous reads)."""
    from fastapi.testclient import TestClient

    from netcmdb.web.app import create_app

    with TestClient(create_app(web_db.url, open_read=True)) as c:
        yield c


@pytest.fixture(scope="module")
def closed_client(web_db: WebDb) -> Iterator[Any]:
    """The app as bound to a non-loopback address (every request needs auth)."""
    from fastapi.testclient import TestClient

    from netcmdb.web.app import create_app

    with TestClient(create_app(web_db.url, open_read=False)) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(web_db: WebDb) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 (a thread), its base URL."""
    import uvicorn

    from netcmdb.web.app import create_app

    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(web_db.url, open_read=True), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 60
    while not srv.started:  # wait for the condition, not a guess
        if not th.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(timeout=30)
