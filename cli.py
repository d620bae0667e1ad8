"""The ``netcmdb`` command: the root group, ``main`` and one ``add_command`` line per command.

Each command group lives in its own module under ``netcmdb.commands`` (shared options in
``netcmdb.options``); to add a command, write ``commands/<name>.py`` and add one line below.
Library errors (``NetcmdbError``) become one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys

import click

from netcmdb import __version__
from netcmdb.commands import (
    ci,
    config,
    export,
    impact,
    imports,
    init,
    label,
    note,
    register,
    room,
    runs,
    scan,
    search,
    topology,
    web,
    where,
)
from netcmdb.errors import NetcmdbError
from netcmdb.i18n import _, localize
from netcmdb.options import bound_numbers, db_option


class _Root(click.Group):
    """The root group: before parsing, every command in the tree gets ``--db`` too
    (``netcmdb ci list --db URL``, as README says), however and whenever it was added."""

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        _give_db(self)
        bound_numbers(self)
        return super().make_context(info_name, args, parent=parent, **extra)


def _give_db(cmd: click.Command) -> None:
    if not any(p.name in ("db", "db_url") for p in cmd.params):
        cmd.params.append(db_option())
    for sub in getattr(cmd, "commands", {}).values():
        _give_db(sub)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netcmdb")
@click.option(
    "--db",
    "db_url",
    envvar="NETCMDB_DB",
    default=None,
    metavar="URL",
    help="SQLAlchemy URL of the CMDB (default: SQLite in the user data dir).",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, verbose: int) -> None:
    """Find every device on the network, keep it in a CMDB, label it, and know what breaks."""
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    ctx.obj["verbose"] = verbose
    if verbose:
        import logging

        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )


def _click_follows_locale() -> None:
    """click's own words (usage errors, ``--help`` headings) in the user's language.

    click calls the ``gettext``/``ngettext`` names its modules imported from :mod:`gettext`; for
    a translated locale those names are pointed at our catalog, which holds click's messages too
    (``netcmdb.i18n.CLICK_MODULES``). English leaves click untouched.
    """
    import importlib

    from netcmdb.i18n import CLICK_MODULES, from_environment, translations

    locale = from_environment()
    if locale == "en":
        return
    tr = translations(locale)

    def plural(singular: str, many: str, n: int) -> str:  # Chinese has one form
        return tr.gettext(singular if n == 1 else many)

    for name in CLICK_MODULES:
        mod = importlib.import_module(f"click.{name}")
        if hasattr(mod, "_"):
            mod._ = tr.gettext  # type: ignore[attr-defined]
        if hasattr(mod, "ngettext"):
            mod.ngettext = plural  # type: ignore[attr-defined]


def main() -> None:
    """Console-script entry point: library errors are one line and exit status 2."""
    _click_follows_locale()
    try:
        rv = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.NoArgsIsHelpError as exc:  # `netcmdb ci`: the group's help
        exc.show()
        sys.exit(2)
    except click.UsageError as exc:  # one line, like every other error (no "Usage:" block)
        where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
        message = " ".join(exc.format_message().split())  # click's Choice lists span lines
        click.echo(_("error: {message}").format(message=where + message), err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(_("error: {message}").format(message=exc.format_message()), err=True)
        sys.exit(2)
    except NetcmdbError as exc:  # in the user's language (LANG), English otherwise
        click.echo(_("error: {message}").format(message=localize(exc)), err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    # standalone_mode=False returns ctx.exit(N)'s code instead of exiting: keep it.
    if isinstance(rv, int) and rv:
        sys.exit(rv)


cli.add_command(init.command)
cli.add_command(ci.group)
cli.add_command(runs.group)
cli.add_command(imports.group)
cli.add_command(export.group)
cli.add_command(config.group)
cli.add_command(scan.command)
cli.add_command(label.group)
cli.add_command(where.command)
cli.add_command(impact.command)
cli.add_command(topology.group)
cli.add_command(note.group)
cli.add_command(search.command)
cli.add_command(web.serve_command)
cli.add_command(web.user_group)
cli.add_command(web.token_group)
cli.add_command(room.group)
cli.add_command(room.building_group)
imports.group.add_command(register.xlsx_command)
