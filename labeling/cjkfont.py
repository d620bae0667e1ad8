"""The CJK font embedded in label PDFs, and mixed Latin/CJK text split into font runs.

Label and walk-sheet PDFs embed a *subset* of a CJK TrueType font (only the glyphs used), so a
sheet prints the same on every viewer and printer driver, also those without Adobe's CJK font
pack. reportlab embeds TrueType (``glyf``) fonts only, not CFF-based OpenType such as Noto CJK.

The font is not shipped with netcmdb (4 MB); it is found, in this order:

1. ``NETCMDB_CJK_FONT``: a path to a ``.ttf`` / ``.ttc`` with TrueType outlines;
2. Debian's ``fonts-droid-fallback`` (Droid Sans Fallback, Apache-2.0; installed by
   ``.ci/system-deps.sh``), then ``fonts-wqy-microhei`` and ``fonts-wqy-zenhei`` (GPL with the
   font embedding exception).

It is needed only when a text is not cp1252: Latin text stays in Helvetica (one of the PDF
base fonts, nothing to embed), and a mixed line is drawn as runs, Latin in Helvetica and the rest
in the CJK font, so a CJK font without Latin glyphs (Droid Sans Fallback has none) is fine.
No font found while a text needs one: :class:`~netcmdb.errors.LabelError` saying what to install.

Imports reportlab and errors only; never prints.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from netcmdb.errors import N_, LabelError

#: The name the CJK font is registered under in reportlab (PDF shows ``XXXXXX+<face>``).
CJK_FONT = "NetcmdbCJK"
ENV = "NETCMDB_CJK_FONT"
#: Where Debian's packages put TrueType CJK fonts, in order of preference.
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallbackFull.ttf",
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
_HINT = N_(
    "install a CJK TrueType font (Debian: apt-get install fonts-droid-fallback) or set "
    "{env}=/path/to/font.ttf (TrueType outlines; CFF fonts such as Noto CJK cannot be "
    "embedded)",
    env=ENV,
)


def is_latin(ch: str) -> bool:
    """True when Helvetica (cp1252) can show ``ch``.

    >>> is_latin("A"), is_latin("—"), is_latin("机")
    (True, True, False)
    """
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def needs_cjk(text: str) -> bool:
    """True when ``text`` has a character Helvetica cannot show.

    >>> needs_cjk("Room 0210 — Lab"), needs_cjk("计算机房 Lab")
    (False, True)
    """
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def split_runs(text: str, latin_font: str) -> list[tuple[str, str]]:
    """``text`` as (font, run) pairs: cp1252 runs in ``latin_font``, the rest in the CJK font.

    >>> split_runs("Lab 3 计算机房", "Helvetica")
    [('Helvetica', 'Lab 3 '), ('NetcmdbCJK', '计算机房')]
    """
    runs: list[tuple[str, str]] = []
    start = 0
    cur = latin_font
    for i, ch in enumerate(text):
        font = latin_font if is_latin(ch) else CJK_FONT
        if font != cur and i > start:
            runs.append((cur, text[start:i]))
            start = i
        cur = font
    if text:
        runs.append((cur, text[start:]))
    return runs


def font_path() -> Path:
    """The CJK TrueType font file to embed (see the module docstring for the search order)."""
    return _find(os.environ.get(ENV) or None, SYSTEM_FONTS)


@cache
def _find(configured: str | None, candidates: tuple[str, ...]) -> Path:
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise LabelError(
                "{env}={configured}: no such font file; {hint}",
                env=ENV,
                configured=configured,
                hint=_HINT,
            )
        return path
    for candidate in candidates:
        if os.path.isfile(candidate):
            return Path(candidate)
    raise LabelError(
        "this PDF has Chinese (CJK) text and no CJK font was found: {hint}", hint=_HINT
    )


@cache
def _register(path: Path) -> str:
    try:
        font = TTFont(CJK_FONT, str(path), subfontIndex=0)
    except (TTFError, OSError) as exc:  # e.g. CFF outlines, or a licence forbidding embedding
        raise LabelError(
            "{path}: cannot embed this font ({exc}); {hint}", path=path, exc=exc, hint=_HINT
        ) from exc
    pdfmetrics.registerFont(font)
    return CJK_FONT


def ensure_registered() -> str:
    """Register the CJK font with reportlab (once per process and path); its reportlab name."""
    return _register(font_path())


def string_width(text: str, latin_font: str, size: float) -> float:
    """Width in points of ``text`` drawn as runs (:func:`split_runs`)."""
    if not needs_cjk(text):
        return float(pdfmetrics.stringWidth(text, latin_font, size))
    ensure_registered()
    return float(
        sum(pdfmetrics.stringWidth(run, font, size) for font, run in split_runs(text, latin_font))
    )


def paragraph_markup(escaped_runs: list[tuple[str, str]]) -> str:
    """Paragraph markup for (font, already XML-escaped run) pairs: CJK runs in ``<font>``."""
    return "".join(
        f'<font face="{CJK_FONT}">{run}</font>' if font == CJK_FONT else run
        for font, run in escaped_runs
    )
