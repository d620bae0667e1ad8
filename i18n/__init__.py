"""Chinese and English: the gettext catalogs (managed with Babel) of the web UI and the CLI.

The catalog is ``i18n/zh_CN/LC_MESSAGES/messages.po``; English is the source language (msgids).
The ``.po`` file is compiled in memory on first use (no build step, no stale ``.mo``).
``python -m netcmdb.i18n extract`` refreshes the catalog from the sources (Babel's extractor);
tests/web/test_i18n.py fails when a user-visible string has no Chinese translation.

Must not import the CLI or the web package; never prints.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import os
from functools import cache
from pathlib import Path
from typing import Any

from netcmdb.errors import Msg, NetcmdbError

HERE = Path(__file__).resolve().parent
DOMAIN = "messages"
#: the locales we ship, the first is the default (and the source language)
LOCALES = ("en", "zh_CN")
LOCALE_NAMES = {"en": "English", "zh_CN": "中文"}


def po_path(locale: str) -> Path:
    return HERE / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The gettext translations of ``locale`` (``NullTranslations`` for English / unknown)."""
    if locale not in LOCALES or locale == LOCALES[0]:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def normalize(tag: str | None) -> str | None:
    """One of :data:`LOCALES` for a tag such as ``zh-CN``, ``zh_CN.UTF-8``, ``zh``, ``en-US``."""
    if not tag:
        return None
    t = tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip().lower()
    if t.startswith("zh"):
        return "zh_CN"
    if t.startswith("en") or t in ("c", "posix"):
        return "en"
    return None


def negotiate(accept_language: str | None) -> str:
    """The best of our locales for an ``Accept-Language`` header (English when none fits)."""
    best: tuple[float, str] | None = None
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        loc = normalize(tag)
        if loc and q > 0 and (best is None or q > best[0]):
            best = (q, loc)
    return best[1] if best else LOCALES[0]


def from_environment(environ: dict[str, str] | None = None) -> str:
    """The CLI's locale: ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (first set wins), as gettext."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        val = env.get(var)
        if val:
            return normalize(val) or LOCALES[0]
    return LOCALES[0]


def gettext_for(locale: str):  # type: ignore[no-untyped-def]
    """``_`` for ``locale``."""
    return translations(locale).gettext


#: where user-visible strings live, as (glob under the package root, Babel method), searched in
#: the directories :func:`for_users` accepts
SOURCES = [
    ("web/templates/**.html", "jinja2"),
    ("**.py", "netcmdb.i18n:extract_python"),
]
#: package directories whose text no user of the tool reads
NOT_FOR_USERS = ("demo", "cmdb/migrations")


def for_users(directory: str | Path) -> bool:
    """True for a directory whose sources speak to users: the package's own subpackages (a
    directory with ``__init__.py``, so not the test suite nor the benchmarks) and the web's
    templates, minus :data:`NOT_FOR_USERS`."""
    path = Path(directory)
    rel = path.relative_to(HERE.parent).as_posix()
    if rel in NOT_FOR_USERS or any(rel.startswith(f"{n}/") for n in NOT_FOR_USERS):
        return False
    return (path / "__init__.py").exists() or rel == "web/templates"


def package_sources() -> list[Path]:
    """The Python files :func:`extract` reads."""
    root = HERE.parent
    out = sorted(root.glob("*.py"))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if for_users(Path(dirpath) / d)]
        if Path(dirpath) != root:
            out += sorted(Path(dirpath) / f for f in filenames if f.endswith(".py"))
    return out


#: gettext calls, plus the web's ``Denied(status, message)``; every ``NetcmdbError`` class is
#: added by :func:`keywords` (its first argument is the message template)
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "Denied": (2,),
}


def extract_python(fileobj, keywords, comment_tags, options):  # type: ignore[no-untyped-def]
    """Babel extraction method for our Python sources, read with :mod:`ast`.

    Babel's own Python extractor drops a message written as a parenthesised implicit
    concatenation (``XError(("a " "b"), x=1)``, which ruff format produces for long templates);
    the AST sees the one string. Yields every call to a keyword with its positional string
    arguments (``None`` for any other argument), as Babel's extractors do.
    """
    import ast

    names = set(keywords)
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
        if name not in names:
            continue
        args = tuple(
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            for a in node.args
        )
        if any(a is not None for a in args):
            yield node.lineno, name, args, []


#: click's modules whose messages a user of the CLI sees (cli.py points their gettext at ours)
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types")


def error_classes() -> set[str]:
    """The names of ``NetcmdbError`` and of every class deriving from it in the package."""
    import ast

    bases: dict[str, set[str]] = {}
    for path in package_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                bases.setdefault(node.name, set()).update(names)
    found = {"NetcmdbError"}
    while True:
        more = {c for c, bs in bases.items() if bs & found} - found
        if not more:
            return found
        found |= more


def keywords() -> dict[str, Any]:
    """Babel's keywords: :data:`KEYWORDS` and every error class (message = first argument)."""
    return {**{name: (1,) for name in error_classes()}, **KEYWORDS}


def extract() -> dict[str, list[tuple[str, int]]]:
    """Every user-visible msgid in the sources, with where it occurs."""
    from babel.messages.extract import extract_from_dir

    root = HERE.parent
    found: dict[str, list[tuple[str, int]]] = {}
    method_map = SOURCES
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    quiet = io.StringIO()  # Babel reports each f-string it skips; tests count those themselves
    with contextlib.redirect_stderr(quiet):
        hits = list(
            extract_from_dir(
                str(root),
                method_map=method_map,
                options_map=options,
                keywords=keywords(),
                directory_filter=for_users,
                strip_comment_tags=True,
            )
        )
    import click

    click_dir = Path(click.__file__).parent
    for name in CLICK_MODULES:  # click's own words (usage errors, --help headings), see cli.py
        with (click_dir / f"{name}.py").open("rb") as fh:
            for line, _f, msg, _c in extract_python(fh, ("_", "ngettext"), (), {}):
                hits.append(
                    (f"click/{name}.py", line, msg[:2] if _f == "ngettext" else msg[0], [], None)
                )
    for fname, line, msg, _comments, _ctx in hits:
        ids = msg if isinstance(msg, tuple) else (msg,)
        for m in ids:
            if m:
                found.setdefault(m, []).append((fname, line))
    return found


def catalog_update(locale: str = "zh_CN") -> list[str]:
    """Add new msgids to ``locale``'s catalog, drop unused ones; return the untranslated."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = po_path(locale)
    if path.exists():
        with path.open("rb") as fh:
            old = read_po(fh, locale=locale)
    else:
        old = Catalog(locale=locale)
    new = Catalog(locale=locale, project="netcmdb", charset="utf-8", fuzzy=False)
    for msgid, where in sorted(extract().items()):
        prev = old.get(msgid)
        new.add(msgid, prev.string if prev is not None else "", locations=where[:3])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, new, width=100, sort_output=True, omit_header=False)
    return [m.id for m in new if isinstance(m.id, str) and m.id and not m.string]


def localize(message: object, locale: str | None = None) -> str:
    """The text of an error or a :class:`~netcmdb.errors.Msg` in ``locale`` (default: the
    environment's, as the CLI). The one rule for translating messages with parameters:

    the template is translated, then filled with its parameters; parameters that are themselves
    errors or ``N_`` phrases are translated the same way, every other parameter (a device
    string, an address, a number) is inserted as it is. A template without a translation, or a
    translation that does not fit its parameters, gives the English text. A plain ``str`` is
    looked up as a msgid (messages raised before templates existed), else returned unchanged.
    """
    loc = locale or from_environment()
    tr = translations(loc)
    if isinstance(message, (NetcmdbError, Msg)):
        template, params = message.template, message.params
    else:
        template, params = str(message), {}
    text = tr.gettext(template) if template else template
    if not params:
        return text
    values: dict[str, Any] = {
        k: localize(v, loc) if isinstance(v, (NetcmdbError, Msg)) else v for k, v in params.items()
    }
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template.format(**values)


def _(message: str) -> str:
    """The CLI's gettext: ``message`` in the locale of the environment (``LANG=zh_CN.UTF-8``).

    Commands write ``from netcmdb.i18n import _`` and wrap their human output (table headers,
    summaries, messages) in it; ``--json`` output is never translated.
    """
    return translations(from_environment()).gettext(message)
