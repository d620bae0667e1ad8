"""Plumbing every command module shares: the invocation's engine and config, console, JSON.

Must not import any command module (they import this one).
"""

from __future__ import annotations

import click


def engine_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The CMDB engine for this invocation (created once, schema ensured by the foundation).

    URL: ``--db`` / ``NETCMDB_DB``, else ``[database] url`` of the config file, else SQLite in
    the user data dir. The schema is created or upgraded automatically on first use.
    """
    from netcmdb.cmdb.db import ensure_schema

    root = ctx.find_root()
    if "engine" not in root.obj:
        engine = new_engine(ctx)
        ensure_schema(engine)
        root.obj["engine"] = engine
    return root.obj["engine"]


def chosen_url(ctx: click.Context) -> str | None:
    """``--db`` as given (an empty one is kept, to be refused), else ``[database] url``; None
    means the default. The config file is validated even when ``--db`` is given."""
    from netcmdb.config import database_url

    cfg = config_of(ctx)
    given = (ctx.find_root().obj or {}).get("db_url")
    return given if given is not None else database_url(cfg)


def new_engine(ctx: click.Context):  # type: ignore[no-untyped-def]
    """An engine on the chosen URL with the configured lock wait (no schema check)."""
    from netcmdb.cmdb.db import lock_timeout_from, make_engine

    url = chosen_url(ctx)
    wait = lock_timeout_from((config_of(ctx).get("database") or {}).get("lock_timeout"))
    return make_engine(url, lock_timeout=wait)


def db_url_of(ctx: click.Context) -> str | None:
    """The ``--db`` URL this invocation was given (None: the config file's or the default)."""
    obj = ctx.find_root().obj or {}
    return obj.get("db_url")  # type: ignore[no-any-return]


def config_of(ctx: click.Context) -> dict:  # type: ignore[type-arg]
    """The parsed config file (``{}`` when absent), loaded once per invocation."""
    from netcmdb.config import load_config

    root = ctx.find_root()
    root.obj = root.obj if root.obj is not None else {}
    if "config" not in root.obj:
        root.obj["config"] = load_config()
    return root.obj["config"]  # type: ignore[no-any-return]


def reconcile_config(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The reconciler's settings from this invocation's config file."""
    from netcmdb.config import reconcile_config as from_config

    return from_config(config_of(ctx))


def console(err: bool = False):  # type: ignore[no-untyped-def]
    """A rich console on stdout (or stderr); 200 columns when not a terminal."""
    from rich.console import Console

    con = Console(stderr=err, highlight=False, soft_wrap=False)
    if not con.is_terminal:  # pipes and files: do not squeeze tables into 80 columns
        con = Console(stderr=err, highlight=False, soft_wrap=False, width=200)
    return con


def print_json(obj: object) -> None:
    """Print ``obj`` as indented JSON (non-ASCII kept) on stdout."""
    import json

    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def summary_line(kind: str, summary) -> str:  # type: ignore[no-untyped-def]
    """One line for a run summary: ``kind: run N: x new, y changed, ...``."""
    line = (f"{kind}: run {summary.run_id}: {len(summary.new)} new, {len(summary.changed)} "
            f"changed, {len(getattr(summary, 'moved', []))} moved, {summary.seen} seen, "
            f"{len(summary.missing)} missing, {len(summary.failed)} failed")
    for label in ("moved", "gateways"):
        names = getattr(summary, label, None)
        if names:
            line += f"\n  {label}: " + ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
    return line


def write_out(text: str, output: str | None) -> None:
    """Write ``text`` to ``output`` (replacing it whole), or to stdout for None / ``-``."""
    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    from netcmdb.atomic import write_atomic

    write_atomic(output, text)  # type: ignore[arg-type]


def write_out_bytes(out: str | None, data: str | bytes) -> None:
    """Write to ``out`` atomically (never half-written), or to stdout."""
    import sys

    if out is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            click.echo(data, nl=not data.endswith("\n"))
        return
    from netcmdb.atomic import write_atomic

    write_atomic(out, data)


#: [label] keys that are print defaults, not part of the rule.
LABEL_PRINT_KEYS = ("template", "qr", "dpi")


def label_rule(ctx: click.Context, spec: str | None):  # type: ignore[no-untyped-def]
    """The label rule: ``--rule`` (preset or TOML file), else the config's [label], else the
    house rule."""
    import tomllib
    from pathlib import Path

    from netcmdb.errors import LabelError
    from netcmdb.labeling.rule import PRESETS, get_rule

    if spec is None:
        table = {k: v for k, v in (config_of(ctx).get("label") or {}).items()
                 if k not in LABEL_PRINT_KEYS}
        return get_rule(table) if table else get_rule(None)
    if spec in PRESETS:
        return get_rule(spec)
    p = Path(spec)
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise LabelError(f"--rule {spec}: neither a preset ({', '.join(PRESETS)}) nor a "
                         "file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LabelError(f"--rule {spec}: {exc}") from None
    return get_rule(data.get("label", data))


def location_parser_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The configured rule's sysLocation parser, for ``ingest(..., location_parser=...)`` in the
    scan/import commands: returns RoomRef(building, floor, room) or None."""
    return label_rule(ctx, None).parse_location


def print_run_summary(summary, as_json: bool, what: str) -> None:  # type: ignore[no-untyped-def]
    """A scan/import run summary: JSON, or one line plus the names new/changed/missing."""
    import json
    from dataclasses import asdict

    if as_json:
        click.echo(json.dumps(asdict(summary), indent=2, default=str))
        return
    from rich.console import Console

    con = Console()
    con.print(f"{what}: run {summary.run_id}: {len(summary.new)} new, {len(summary.changed)} "
              f"changed, {len(summary.moved)} moved, {len(summary.missing)} missing, "
              f"{len(summary.failed)} failed")
    for label, names in (("new", summary.new), ("changed", summary.changed),
                         ("moved", summary.moved), ("missing", summary.missing)):
        for n in names:
            con.print(f"  {label:<8} {n}", markup=False, highlight=False)
    for n in getattr(summary, "retired_seen", []):  # a person retired it; discovery saw it
        con.print(f"  retired  {n} (seen again; still retired)", markup=False, highlight=False)
    for f in summary.failed[:20]:
        con.print(f"  failed   {f.get('target')}: {f.get('error')}", markup=False,
                  highlight=False)


def topo_load(ctx: click.Context, roots: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """The CMDB graph (one select per table); unreadable CMDB -> one line, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from netcmdb.cmdb.db import session_scope
    from netcmdb.errors import TopologyError
    from netcmdb.topology.graph import load_topology

    try:
        with session_scope(engine_of(ctx)) as session:
            return load_topology(session, roots)
    except SQLAlchemyError as exc:
        raise TopologyError(f"cannot read the CMDB ({type(exc).__name__}); "
                            "is the database initialised?") from exc


def topo_engine(ctx: click.Context, roots: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """The precomputed impact engine, cached per SQLite file state (see topology/cache.py)."""
    from netcmdb.cmdb.db import parse_url
    from netcmdb.topology.cache import cached_engine
    from netcmdb.topology.impact import ImpactEngine

    url = chosen_url(ctx)
    if url is not None:
        parse_url(url)  # a bad --db is refused even when the cache would answer
    return cached_engine(url, roots, lambda: ImpactEngine(topo_load(ctx, roots)))
