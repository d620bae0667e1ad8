"""Run the web app under uvicorn: what ``netcmdb serve`` calls (the command only parses options).

Anonymous reading is allowed only on a loopback bind; any other address needs a login or token
for every request.
"""

from __future__ import annotations

import ipaddress
import os

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    url: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 1,
    log_level: str = "warning",
) -> None:
    """Serve the CMDB at ``url`` until interrupted (blocks).

    With ``workers > 1`` uvicorn starts that many processes, each building the app from the
    environment (``NETCMDB_DB``, ``NETCMDB_WEB_OPEN_READ``).
    """
    import uvicorn

    from netcmdb.cmdb.db import default_url, ensure_schema, make_engine

    url = url or default_url()
    eng = make_engine(url)
    ensure_schema(eng)  # once, before the workers race for it
    eng.dispose()
    open_read = is_loopback(host)
    if workers > 1:
        os.environ["NETCMDB_DB"] = url
        os.environ["NETCMDB_WEB_OPEN_READ"] = "1" if open_read else "0"
        from netcmdb.web.security import secret_key

        os.environ.setdefault("NETCMDB_WEB_SECRET", secret_key())
        uvicorn.run(
            "netcmdb.web.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            proxy_headers=False,
            server_header=False,
        )
        return
    from netcmdb.web.app import create_app

    uvicorn.run(
        create_app(url, open_read=open_read),
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        server_header=False,
    )
