"""``python -m netcmdb.i18n extract``: refresh the zh_CN catalog from the sources (Babel).

New msgids are added with an empty translation (tests/web/test_i18n.py then fails until someone
translates them); msgids no longer used are dropped. Run from anywhere.
"""

from __future__ import annotations

import sys

from netcmdb.i18n import catalog_update


def main(argv: list[str]) -> int:
    if argv[1:] != ["extract"]:
        sys.stderr.write("usage: python -m netcmdb.i18n extract\n")
        return 2
    missing = catalog_update()
    sys.stdout.write(f"catalog updated; {len(missing)} message(s) lack a translation\n")
    for m in missing:
        sys.stdout.write(f"  {m!r}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
