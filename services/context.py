"""One CMDB as a face opens it: URL, parsed config file, engine (made and migrated on first use).

Must not import click, rich or a web framework.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session


class Cmdb:
    """The CMDB a command or a web request works on.

    Args:
        url: SQLAlchemy URL (``--db`` / ``NETCMDB_DB``); None: the config's ``[database] url``,
            else SQLite in the user data dir.
        config: the parsed config file; None: loaded (and validated) on first use.
    """

    def __init__(self, url: str | None = None, config: dict[str, Any] | None = None) -> None:
        self._url = url
        self._config = config
        self._engine: Engine | None = None

    @property
    def config(self) -> dict[str, Any]:
        """The parsed config file (``{}`` when absent), loaded once."""
        if self._config is None:
            from netcmdb.config import load_config

            self._config = load_config()
        return self._config

    @property
    def given_url(self) -> str | None:
        """The URL as given (an empty one is kept, to be refused), else the config's
        ``[database] url``; None means the default SQLite file. Validates the config file."""
        from netcmdb.config import database_url

        cfg = self.config
        return self._url if self._url is not None else database_url(cfg)

    def new_engine(self) -> Engine:
        """A new engine on :attr:`given_url` with the configured lock wait (no schema check)."""
        from netcmdb.cmdb.db import lock_timeout_from, make_engine

        wait = lock_timeout_from((self.config.get("database") or {}).get("lock_timeout"))
        return make_engine(self.given_url, lock_timeout=wait)

    @property
    def engine(self) -> Engine:
        """The engine, created once; the schema is created or upgraded on first use."""
        if self._engine is None:
            from netcmdb.cmdb.db import ensure_schema

            engine = self.new_engine()
            ensure_schema(engine)
            self._engine = engine
        return self._engine

    def adopt_engine(self, engine: Engine) -> None:
        """Use an engine made elsewhere (tests, a web app that owns its pool)."""
        self._engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on error."""
        from netcmdb.cmdb.db import session_scope

        with session_scope(self.engine) as s:
            yield s

    def reconcile_config(self):  # type: ignore[no-untyped-def]
        """The reconciler's settings from the config file's ``[cmdb]`` table."""
        from netcmdb.config import reconcile_config

        return reconcile_config(self.config)


def upgrade_schema(cmdb: Cmdb) -> dict[str, Any]:
    """Create or upgrade the schema: ``{"before", "after", "url"}`` (password hidden)."""
    from netcmdb.cmdb.db import upgrade
    from netcmdb.safety import hide_url_password

    engine = cmdb.new_engine()
    before, after = upgrade(engine)
    return {
        "before": before,
        "after": after,
        "url": hide_url_password(engine.url.render_as_string(hide_password=True)),
    }
