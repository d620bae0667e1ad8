"""Every click option more than one command takes, defined once (pip-tools' scripts/options.py).

A command stacks these decorators; an option that means two things gets two names. Options one
command alone takes stay in that command's module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def json_option(help: str = "Print JSON.") -> Callable[[F], F]:
    """``--json``: print the command's result as JSON on stdout (keys stay English)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def dry_run_option(help: str = "Show what would change; write nothing.") -> Callable[[F], F]:
    """``--dry-run``: the one "do not write" flag."""
    return click.option("--dry-run", is_flag=True, help=help)


def out_option(required: bool = False, help: str = "Write to FILE instead of stdout.",
               dir_okay: bool = False) -> Callable[[F], F]:
    """``-o/--out FILE`` (``--output`` accepted too): where a command writes its file."""
    return click.option("-o", "--out", "--output", "out", required=required,
                        metavar="DIR" if dir_okay else "FILE",
                        type=click.Path(dir_okay=dir_okay, file_okay=not dir_okay,
                                        writable=True),
                        help=help)


rule_option = click.option(
    "--rule", "rule_spec", metavar="PRESET|FILE", default=None,
    help="Label rule: 'default', 'wide' or a TOML file ([label] table); "
         "default: the config file's [label] table.")

root_option = click.option(
    "--root", "roots", multiple=True, metavar="NAME",
    help="Upstream root CI (repeatable; default: CIs with role core or gateway).")

buildings_option = click.option("--building", "buildings", multiple=True, metavar="B",
                                help="Only CIs in this building (repeatable).")

classes_option = click.option("--class", "classes", multiple=True, metavar="CLASS",
                              help="Only CIs of this class (repeatable).")
