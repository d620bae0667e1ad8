"""Making untrusted device strings safe for each output format (every writer: labels, exports).

sysDescr, hostnames and LLDP port descriptions come from devices an attacker may control. Every
exporter passes cell/attribute text through these functions.
"""

from __future__ import annotations

import re

#: Text a spreadsheet would run as a formula — also behind quotes, so that a value which already
#: starts with ``'=`` gets one more quote and :func:`unneutralize_cell` gives back exactly it.
FORMULA = re.compile("'*[=+\\-@\t\r]")
# XML 1.0 allows only these characters.
_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def neutralize_cell(value: object) -> object:
    """OWASP CSV injection: prefix a quote to text that a spreadsheet would run as a formula.

    Numbers stay numbers; only strings are touched.

    >>> neutralize_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize_cell("sw-core-1")
    'sw-core-1'
    >>> neutralize_cell("'=1+1")
    "''=1+1"
    >>> neutralize_cell(-3)
    -3
    """
    if isinstance(value, str) and FORMULA.match(value):
        return "'" + value
    return value


def unneutralize_cell(text: str) -> str:
    """The exact inverse of :func:`neutralize_cell` for text (CSV import of our own export).

    >>> unneutralize_cell("'=1+1"), unneutralize_cell("''=1+1"), unneutralize_cell("'quoted")
    ('=1+1', "'=1+1", "'quoted")
    """
    if text.startswith("'") and FORMULA.match(text, 1):
        return text[1:]
    return text


def xml_text(value: object) -> str:
    """Text that is always valid in XML 1.0: invalid characters become U+FFFD.

    Escaping of ``<&>"`` is left to the XML writer (ElementTree, graphviz quoting...).

    >>> xml_text("a\\x00b")
    'a\\ufffdb'
    """
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return _XML_BAD.sub("\ufffd", text)


# C0 and C1 controls, DEL, zero-width/bidi formatting characters and line/paragraph separators:
# a terminal acts on them (retitle, clear, reorder text) instead of showing them.
_CONSOLE_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_CONSOLE_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def console_text(value: object) -> str:
    """Text for a terminal: control and formatting characters shown escaped, never acted on.

    Every console renderer (tables, summaries, ``ci show``) passes data through this; JSON output
    does not (it must stay exact).

    >>> console_text("sw\\x1b]0;owned\\x07-1")
    'sw\\\\e]0;owned\\\\x07-1'
    >>> console_text("网络机房 line\\nnext\\u202e")
    '网络机房 line\\\\nnext\\\\u202e'
    """
    text = value if isinstance(value, str) else str(value)
    if _CONSOLE_BAD.search(text) is None:
        return text
    return _CONSOLE_BAD.sub(
        lambda m: (
            _CONSOLE_NAMED.get(m.group())
            or (
                f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
            )
        ),
        text,
    )


_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_QUERY_SECRET = re.compile(r"([?&](?:password|passwd|pwd|token|secret)=)[^&#\s]*", re.I)


def hide_url_password(text: str) -> str:
    """``user:secret@`` and ``?password=secret`` in a URL shown as ``***`` (messages, ``config
    show``): the one rule for a database or server URL that carries its password.

    >>> hide_url_password("postgresql+psycopg://u:S3cret@db/x?password=p&sslmode=require")
    'postgresql+psycopg://u:***@db/x?password=***&sslmode=require'
    >>> hide_url_password("sqlite:///tmp/a.sqlite")
    'sqlite:///tmp/a.sqlite'
    """
    return _QUERY_SECRET.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))
