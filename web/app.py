"""The ASGI application: :func:`create_app` wires the CMDB, templates, catalogs and security.

FastAPI (on Starlette) because the REST API's OpenAPI document at ``/api/v1/openapi.json`` comes
from the route signatures themselves, so it cannot drift from the code (docs/web.md).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from netcmdb import i18n
from netcmdb.errors import (
    N_,
    AccessError,
    ConfigError,
    IntegrityError,
    Msg,
    NetcmdbError,
    NotFoundError,
    TopologyError,
)
from netcmdb.web import security

HERE = Path(__file__).resolve().parent
API = "/api/v1"


class WebState:
    """What every request shares: the engine, a session factory, the impact engine memo."""

    def __init__(self, url: str, engine: Engine) -> None:
        from netcmdb.services.context import Cmdb

        self.url = url
        self.engine = engine
        #: what the services (the CLI's service layer) take; config read once per process
        self.cmdb = Cmdb(url)
        self.cmdb.adopt_engine(engine)
        self._impact: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        from netcmdb.cmdb.db import session_scope

        with session_scope(self.engine) as s:
            yield s

    def _stamp(self) -> Any:
        """Changes whenever the CMDB does (file stats for SQLite, counters elsewhere)."""
        from netcmdb.topology.cache import sqlite_file

        path = sqlite_file(self.url)
        if path is not None:
            out: list[tuple[int, int, int] | None] = []
            for p in (path, Path(f"{path}-wal")):
                try:
                    st = p.stat()
                    out.append((st.st_size, st.st_mtime_ns, st.st_ino))
                except FileNotFoundError:
                    out.append(None)
            return tuple(out)
        from sqlalchemy import text

        with self.engine.connect() as c:
            return tuple(
                c.execute(
                    text(
                        "SELECT (SELECT count(*) FROM ci), (SELECT max(id) FROM change), "
                        "(SELECT count(*) FROM relationship), (SELECT max(id) FROM scan_run), "
                        "(SELECT max(last_seen) FROM relationship)"
                    )
                ).one()
            )

    def impact_engine(self) -> Any:
        """The impact engine for the CMDB as it is now (rebuilt only after a change)."""
        from netcmdb.topology.graph import load_topology
        from netcmdb.topology.impact import ImpactEngine

        stamp = self._stamp()
        with self._lock:
            if self._impact is not None and self._impact[0] == stamp:
                return self._impact[1]
            with self.session() as s:
                eng = ImpactEngine(load_topology(s, ()))
            self._impact = (stamp, eng)
            return eng


def _status_of(exc: NetcmdbError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, AccessError):
        return 403
    if isinstance(exc, (IntegrityError, ConfigError)):
        return 422  # a value the CMDB refuses, or a malformed one (a bad location)
    if isinstance(exc, TopologyError):
        return 400
    return 400


def create_app(
    url: str | None = None, *, open_read: bool = True, secret: str | None = None
) -> FastAPI:
    """The web app on the CMDB at ``url`` (schema created or upgraded first).

    Args:
        url: SQLAlchemy URL (default: as the CLI, ``NETCMDB_DB`` or the user data dir).
        open_read: anonymous reads allowed (only for a loopback bind; ``serve`` decides).
        secret: the session-signing key (default :func:`security.secret_key`).
    """
    from netcmdb.cmdb.db import default_url, ensure_schema, make_engine

    url = url or default_url()
    engine = make_engine(url)
    ensure_schema(engine)
    app = FastAPI(
        title="netcmdb",
        version=_version(),
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )  # the docs pages load scripts from a CDN
    state = WebState(url, engine)
    app.state.web = state
    app.state.session = state.session
    app.state.open_read = open_read
    app.state.sessions = security.Sessions(secret or security.secret_key())
    app.state.login_throttle = security.LoginThrottle()
    app.state.templates = _templates()

    @app.middleware("http")
    async def _every_request(request: Request, call_next: Any) -> Response:
        sess = app.state.sessions.load(request)
        fresh = "c" not in sess
        if fresh:
            sess = {**sess, "c": security.new_csrf()}
        request.state.web_session = sess
        request.state.lang = _lang_of(request)
        refused = _body_refused(request)
        if refused is not None:
            for k, v in security.HEADERS.items():
                refused.headers.setdefault(k, v)
            return refused
        started = time.perf_counter()
        response: Response = await call_next(request)
        # the server's own time for this request (benchmarks/web.py reads it)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1e3:.2f}"
        for k, v in security.HEADERS.items():
            response.headers.setdefault(k, v)
        if (
            fresh
            and not request.url.path.startswith(API)
            and not request.url.path.startswith("/static")
        ):
            _set_session(response, app, sess)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        english = f"{where}: {first.get('msg', 'invalid request')}"
        return _error(
            request,
            422,
            english,
            localized=i18n.localize(_validation_message(where, first), request.state.lang),
        )

    @app.exception_handler(NetcmdbError)
    async def _our_error(request: Request, exc: NetcmdbError) -> Response:
        return _error(
            request, _status_of(exc), str(exc), localized=i18n.localize(exc, request.state.lang)
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:  # never a stack trace
        import logging

        logging.getLogger("netcmdb.web").exception("internal error on %s", request.url.path)
        return _error(request, 500, "internal error (see the server log)")

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from netcmdb.web import api, pages

    app.include_router(api.router, prefix=API)
    app.include_router(pages.router)
    return app


#: The largest request body except pushed facts (a PATCH, a login, an impact query).
MAX_FORM_BYTES = 1024 * 1024


def _body_refused(request: Request) -> Response | None:
    """413 for a body larger than its limit, 411 for a body of unstated length, before it is
    read: pushed facts (``POST /api/v1/facts``) may be as large as one input file
    (:func:`netcmdb.inputs.input_limit`), every other body 1 MiB."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    from netcmdb.inputs import input_limit

    facts = request.url.path == f"{API}/facts"
    limit = input_limit() if facts else MAX_FORM_BYTES
    size = request.headers.get("content-length")
    if size is None:
        if "chunked" in request.headers.get("transfer-encoding", "").lower():
            return _error(request, 411, "send the body with a Content-Length")
        return None
    if not size.isdigit():
        return _error(request, 400, "bad Content-Length")
    if int(size) > limit:
        how = " (NETCMDB_MAX_INPUT_MB on the server raises it)" if facts else ""
        return _error(request, 413, f"the body is larger than {limit // (1024 * 1024)} MiB{how}")
    return None


def _version() -> str:
    from netcmdb import __version__

    return str(__version__)


def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # i18n ext; per request, `_` comes in the context
    return env


def _lang_of(request: Request) -> str:
    chosen = i18n.normalize(request.cookies.get(security.LANG_COOKIE))
    return chosen or i18n.negotiate(request.headers.get("accept-language"))


def _set_session(response: Response, app: FastAPI, sess: dict[str, Any]) -> None:
    response.set_cookie(
        security.SESSION_COOKIE,
        app.state.sessions.dump(sess),
        max_age=security.SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=False,
        path="/",
    )


#: FastAPI's request-validation problems (pydantic error types) as our own messages, so the page
#: or the API's ``message`` reads in the user's language; any other type gets the generic one
_VALIDATION = {
    "missing": N_("{field}: a value is required"),
    "int_parsing": N_("{field}: must be a whole number"),
    "int_type": N_("{field}: must be a whole number"),
    "float_parsing": N_("{field}: must be a number"),
    "float_type": N_("{field}: must be a number"),
    "bool_parsing": N_("{field}: must be true or false"),
    "bool_type": N_("{field}: must be true or false"),
    "string_type": N_("{field}: must be text"),
    "string_too_long": N_("{field}: the text is too long"),
    "string_too_short": N_("{field}: the text is too short"),
    "greater_than_equal": N_("{field}: the value is too small"),
    "greater_than": N_("{field}: the value is too small"),
    "less_than_equal": N_("{field}: the value is too large"),
    "less_than": N_("{field}: the value is too large"),
    "list_type": N_("{field}: must be a list"),
    "dict_type": N_("{field}: must be an object"),
    "model_attributes_type": N_("{field}: must be an object"),
    "json_invalid": N_("{field}: the body is not valid JSON"),
    "literal_error": N_("{field}: not one of the allowed values"),
    "enum": N_("{field}: not one of the allowed values"),
}


def _validation_message(where: str, problem: dict[str, Any]) -> Msg:
    """One request-validation problem as a translatable message naming the field."""
    template = _VALIDATION.get(str(problem.get("type", "")))
    field = where or "request"
    if template is None:
        return N_("{field}: invalid value", field=field)
    return Msg(template.template, field=field)


def _error(
    request: Request, status: int, message: str, *, localized: str | None = None
) -> Response:
    """The error as JSON for the API (``error`` in English, the same in every language, and
    ``message`` in the request's language) or as the error page in the user's language."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if localized is None:
        localized = i18n.localize(message, getattr(request.state, "lang", None) or "en")
    if (
        request.url.path.startswith(API)
        or "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    ):
        return JSONResponse(
            {"error": message, "message": localized, "status": status},
            status_code=status,
            headers=headers,
        )
    if status == 401 and request.method == "GET":
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    from netcmdb.web.pages import render

    return render(request, "error.html", {"status": status, "message": localized}, status=status)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (``serve --workers N`` starts one per worker)."""
    return create_app(
        os.environ.get("NETCMDB_DB"), open_read=os.environ.get("NETCMDB_WEB_OPEN_READ", "1") == "1"
    )


__all__ = ["HTMLResponse", "app_from_env", "create_app"]
