"""Plumbing every command module shares: the invocation's CMDB, console, JSON, file output.

Commands parse options, call ``netcmdb.services`` and render here. Must not import any command
module (they import this one).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import click

from netcmdb.i18n import _

if TYPE_CHECKING:
    from netcmdb.labeling.rule import Rule
    from netcmdb.services.context import Cmdb


def cmdb_of(ctx: click.Context) -> Cmdb:
    """This invocation's CMDB (one per command line): ``--db`` / ``NETCMDB_DB``, else the config
    file's ``[database] url``, else SQLite in the user data dir; schema ensured on first use."""
    from netcmdb.services.context import Cmdb

    root = ctx.find_root()
    root.obj = root.obj if root.obj is not None else {}
    if "cmdb" not in root.obj:
        root.obj["cmdb"] = Cmdb(root.obj.get("db_url"))
    return root.obj["cmdb"]  # type: ignore[no-any-return]


def engine_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The CMDB engine for this invocation (created once, schema created or upgraded)."""
    return cmdb_of(ctx).engine


def db_url_of(ctx: click.Context) -> str | None:
    """The ``--db`` URL this invocation was given (None: the config file's or the default)."""
    obj = ctx.find_root().obj or {}
    return obj.get("db_url")  # type: ignore[no-any-return]


def config_of(ctx: click.Context) -> dict[str, Any]:
    """The parsed config file (``{}`` when absent), loaded once per invocation."""
    return cmdb_of(ctx).config


def label_rule(ctx: click.Context, spec: str | None) -> Rule:
    """``--rule`` (preset or TOML file), else the config's [label], else the house rule."""
    from netcmdb.services.labels import rule_of

    return rule_of(cmdb_of(ctx), spec)


def console(err: bool = False, **options: Any):  # type: ignore[no-untyped-def]
    """A rich console on stdout (or stderr); 200 columns when not a terminal (``options`` such
    as ``file=`` or ``width=`` are passed on).

    Every string it renders (table cells, ``print``) goes through
    :func:`netcmdb.safety.console_text`: a device or import string can never drive the terminal.
    Build ``Text`` cells with :func:`plain`, print data lines with :func:`echo`.
    """
    cls = _safe_console()
    if options:
        return cls(stderr=err, highlight=False, soft_wrap=False, **options)
    con = cls(stderr=err, highlight=False, soft_wrap=False)
    if not con.is_terminal:  # pipes and files: do not squeeze tables into 80 columns
        con = cls(stderr=err, highlight=False, soft_wrap=False, width=200)
    return con


@functools.cache
def _safe_console() -> type:
    from rich.console import Console

    from netcmdb.safety import console_text

    class SafeConsole(Console):
        def render_str(self, text: str, **kw: Any) -> Any:  # type: ignore[override]
            return super().render_str(console_text(text), **kw)

    return SafeConsole


def plain(value: object, style: str = "") -> Any:
    """A rich ``Text`` cell of ``value`` (no markup), control characters shown escaped."""
    from rich.text import Text

    from netcmdb.safety import console_text

    return Text(console_text("" if value is None else value), style=style)


def echo(line: str, err: bool = False) -> None:
    """``click.echo`` for a line holding data: control characters shown escaped."""
    from netcmdb.safety import console_text

    click.echo(console_text(line), err=err)


def print_json(obj: object) -> None:
    """Print ``obj`` as indented JSON (non-ASCII kept) on stdout."""
    import json

    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def echo_summary(kind: str, summary) -> None:  # type: ignore[no-untyped-def]
    """A run summary for the terminal: ``kind: run N: x new, y changed, ...``, then one indented
    line each for the moved hosts and the gateways found (each line escaped on its own, so a
    device name cannot break the layout and the layout's line breaks stay line breaks)."""
    echo(
        _(
            "{what}: run {run}: {new} new, {changed} changed, {moved} moved, {seen} seen, "
            "{missing} missing, {failed} failed"
        ).format(
            what=kind,
            run=summary.run_id,
            new=len(summary.new),
            changed=len(summary.changed),
            moved=len(getattr(summary, "moved", [])),
            seen=summary.seen,
            missing=len(summary.missing),
            failed=len(summary.failed),
        )
    )
    for label, shown in (("moved", _("moved")), ("gateways", _("gateways"))):
        names = getattr(summary, label, None)
        if names:
            echo(f"  {shown}: " + ", ".join(names[:20]) + (" ..." if len(names) > 20 else ""))


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


def print_run_summary(summary, as_json: bool, what: str) -> None:  # type: ignore[no-untyped-def]
    """A scan/import run summary: its one JSON shape (``services.runs.summary_dict``), or one
    line plus the names new/changed/moved/missing and the first failures."""
    if as_json:
        from netcmdb.services.runs import summary_dict

        print_json(summary_dict(summary))
        return
    con = console()
    con.print(
        _(
            "{what}: run {run}: {new} new, {changed} changed, {moved} moved, {missing} "
            "missing, {failed} failed"
        ).format(
            what=what,
            run=summary.run_id,
            new=len(summary.new),
            changed=len(summary.changed),
            moved=len(summary.moved),
            missing=len(summary.missing),
            failed=len(summary.failed),
        ),
        markup=False,
        highlight=False,
    )
    for label, names in (
        (_("new"), summary.new),
        (_("changed"), summary.changed),
        (_("moved"), summary.moved),
        (_("missing"), summary.missing),
    ):
        for n in names:
            con.print(f"  {label:<8} {n}", markup=False, highlight=False)
    for n in getattr(summary, "retired_seen", []):  # a person retired it; discovery saw it
        con.print(
            "  " + _("retired  {name} (seen again; still retired)").format(name=n),
            markup=False,
            highlight=False,
        )
    for f in summary.failed[:20]:
        con.print(
            f"  {_('failed'):<8} {f.get('target')}: {f.get('error')}", markup=False, highlight=False
        )
