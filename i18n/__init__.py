"""Chinese and English: the gettext catalogs (managed with Babel) of the web UI and the CLI.

The catalog is ``i18n/zh_CN/LC_MESSAGES/messages.po``; English is the source language (msgids).
The ``.po`` file is compiled in memory on first use (no build step, no stale ``.mo``).
``python -m netcmdb.i18n extract`` refreshes the catalog from the sources (Babel's extractor);
tests/web/test_i18n.py fails when a user-visible string has no Chinese translation.

Must not import the CLI or the web package; never prints.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import cache
from pathlib import Path

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


#: where user-visible strings live, as (glob under the package root, Babel method)
SOURCES = [
    ("web/templates/**.html", "jinja2"),
    ("web/**.py", "python"),
    ("commands/**.py", "python"),
    ("cmdb/access.py", "python"),
    ("cli.py", "python"),
]
#: gettext calls, plus the exception types whose literal message is shown to users
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "Denied": (2,),
    "AccessError": (1,),
}


def extract() -> dict[str, list[tuple[str, int]]]:
    """Every user-visible msgid in the sources, with where it occurs."""
    from babel.messages.extract import extract_from_dir

    root = HERE.parent
    found: dict[str, list[tuple[str, int]]] = {}
    method_map = SOURCES
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for fname, line, msg, _comments, _ctx in extract_from_dir(
        str(root),
        method_map=method_map,
        options_map=options,
        keywords=KEYWORDS,
        strip_comment_tags=True,
    ):
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


def _(message: str) -> str:
    """The CLI's gettext: ``message`` in the locale of the environment (``LANG=zh_CN.UTF-8``).

    Commands write ``from netcmdb.i18n import _`` and wrap their human output (table headers,
    summaries, messages) in it; ``--json`` output is never translated.
    """
    return translations(from_environment()).gettext(message)
