"""Making untrusted device strings safe for each output format (every writer: labels, exports).

sysDescr, hostnames and LLDP port descriptions come from devices an attacker may control. Every
exporter passes cell/attribute text through these functions.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 allows only these characters.
_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def neutralize_cell(value: object) -> object:
    """OWASP CSV injection: prefix a quote to text that a spreadsheet would run as a formula.

    Numbers stay numbers; only strings are touched.

    >>> neutralize_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize_cell("sw-core-1")
    'sw-core-1'
    >>> neutralize_cell(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def xml_text(value: object) -> str:
    """Text that is always valid in XML 1.0: invalid characters become U+FFFD.

    Escaping of ``<&>"`` is left to the XML writer (ElementTree, graphviz quoting...).

    >>> xml_text("a\\x00b")
    'a\\ufffdb'
    """
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return _XML_BAD.sub("\ufffd", text)
