#!/usr/bin/env python3
"""BRIDGE-MIB / Q-BRIDGE-MIB for net-snmp via ``pass_persist`` (stdlib only).

net-snmp on Linux implements neither MIB. snmpd starts this helper (``pass_persist .1.3.6.1.2.1.17
/usr/bin/python3 bridge_mib.py br0 [--port-offset N]``) inside the switch namespace; it answers
``PING``/``get``/``getnext`` on stdin from ``/sys/class/net/<br>/`` and ``bridge fdb show``.

``--port-offset`` numbers bridge ports as kernel ``port_no + N``, so that bridge port numbers
differ from ifIndex (and from lldpRemLocalPortNum): a collector that guesses gets ports wrong.
"""

from __future__ import annotations

import bisect
import os
import subprocess
import sys
import time

BASE = (1, 3, 6, 1, 2, 1, 17)
STP_STATE = {0: 1, 1: 3, 2: 4, 3: 5, 4: 2}  # kernel brport state -> dot1dStpPortState


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def build(br: str, offset: int) -> list[tuple[tuple[int, ...], str, str]]:
    rows: list[tuple[tuple[int, ...], str, str]] = []
    sysd = f"/sys/class/net/{br}"
    mac = _read(f"{sysd}/address")
    macb = [int(x, 16) for x in mac.split(":")] if mac else []
    ports: dict[str, int] = {}
    ifindex: dict[str, int] = {}
    state: dict[str, int] = {}
    try:
        members = sorted(os.listdir(f"{sysd}/brif"))
    except OSError:
        members = []
    for m in members:
        pn = int(_read(f"{sysd}/brif/{m}/port_no") or "0", 16) + offset
        ports[m] = pn
        ifindex[m] = int(_read(f"/sys/class/net/{m}/ifindex") or "0")
        state[m] = int(_read(f"{sysd}/brif/{m}/state") or "0")
    if macb:
        rows.append((BASE + (1, 1, 0), "octet", " ".join(f"{b:02x}" for b in macb)))
    rows.append((BASE + (1, 2, 0), "integer", str(len(ports))))
    rows.append((BASE + (1, 3, 0), "integer", "2"))
    for m, pn in ports.items():
        rows.append((BASE + (1, 4, 1, 1, pn), "integer", str(pn)))
        rows.append((BASE + (1, 4, 1, 2, pn), "integer", str(ifindex[m])))
        rows.append((BASE + (2, 15, 1, 1, pn), "integer", str(pn)))
        rows.append((BASE + (2, 15, 1, 3, pn), "integer", str(STP_STATE.get(state[m], 1))))
    fdb = subprocess.run(["bridge", "fdb", "show", "br", br], capture_output=True, text=True).stdout
    seen: set[tuple[int, ...]] = set()
    for line in fdb.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] != "dev" or parts[2] not in ports:
            continue
        addr = [int(x, 16) for x in parts[0].split(":")]
        if addr[0] & 1:  # multicast
            continue
        key = tuple(addr)
        if key in seen:
            continue
        seen.add(key)
        status = "4" if "permanent" in parts else "3"
        pn = str(ports[parts[2]])
        rows.append((BASE + (4, 3, 1, 1) + key, "octet", " ".join(f"{b:02x}" for b in addr)))
        rows.append((BASE + (4, 3, 1, 2) + key, "integer", pn))
        rows.append((BASE + (4, 3, 1, 3) + key, "integer", status))
        rows.append((BASE + (7, 1, 2, 2, 1, 2, 1) + key, "integer", pn))
        rows.append((BASE + (7, 1, 2, 2, 1, 3, 1) + key, "integer", status))
    rows.append((BASE + (7, 1, 4, 2, 1, 3, 0, 1), "gauge", "1"))  # VLAN 1 uses FDB 1
    rows.sort()
    return rows


def main() -> None:
    br = sys.argv[1] if len(sys.argv) > 1 else "br0"
    offset = (
        int(sys.argv[sys.argv.index("--port-offset") + 1]) if "--port-offset" in sys.argv else 0
    )
    cache: list[tuple[tuple[int, ...], str, str]] = []
    stamp = 0.0
    out = sys.stdout
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "PING":
            out.write("PONG\n")
            out.flush()
            continue
        if cmd not in ("get", "getnext", "set"):
            continue
        oid_txt = sys.stdin.readline().strip()
        if cmd == "set":
            sys.stdin.readline()
            out.write("not-writable\n")
            out.flush()
            continue
        if time.monotonic() - stamp > 1.0:
            cache, stamp = build(br, offset), time.monotonic()
        try:
            oid = tuple(int(x) for x in oid_txt.strip(".").split("."))
        except ValueError:
            out.write("NONE\n")
            out.flush()
            continue
        keys = [r[0] for r in cache]
        row = None
        if cmd == "get":
            i = bisect.bisect_left(keys, oid)
            if i < len(keys) and keys[i] == oid:
                row = cache[i]
        else:
            i = bisect.bisect_right(keys, oid)
            if i < len(keys):
                row = cache[i]
        if row is None:
            out.write("NONE\n")
        else:
            out.write("." + ".".join(map(str, row[0])) + f"\n{row[1]}\n{row[2]}\n")
        out.flush()


if __name__ == "__main__":
    main()
