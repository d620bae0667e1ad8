"""Record lab switches (a walk of the real lab agents): the templates of the simulated campus.

Run as root from the package root:
    PYTHONPATH=.. python tests/lab/record_campus.py demo/sim/data
Builds the namespace switch lab (lab/switchlab.py), makes traffic, and records sw-core and sw-a
with net-snmp's ``snmpwalk`` over the lab's real snmpd + lldpd + BRIDGE-MIB helper, converted to
snmpsim's ``.snmprec`` format (snmpsim 1.2.2's own recorder hangs under pysnmp 7). Only the subtrees
the campus needs are recorded (no host process tables leak into the data).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.switchlab import SwitchLab, sw_ip  # noqa: E402

RANGES = [
    ("1.3.6.1.2.1.1", "1.3.6.1.2.1.1.9"),
    ("1.3.6.1.2.1.2", "1.3.6.1.2.1.3"),
    ("1.3.6.1.2.1.4.20", "1.3.6.1.2.1.4.21"),
    ("1.3.6.1.2.1.4.22", "1.3.6.1.2.1.4.23"),
    ("1.3.6.1.2.1.17", "1.3.6.1.2.1.18"),
    ("1.3.6.1.2.1.31.1.1", "1.3.6.1.2.1.31.1.2"),
    ("1.0.8802.1.1.2", "1.0.8802.1.1.3"),
]


TYPES = {
    "INTEGER": "2",
    "Hex-STRING": "4x",
    "STRING": "4",
    "OID": "6",
    "Timeticks": "67",
    "Gauge32": "66",
    "Counter32": "65",
    "Counter64": "70",
    "IpAddress": "64",
}


def walk_to_snmprec(text: str) -> list[str]:
    """``snmpwalk -On -Oe -Ot -Ox`` output -> ``oid|tag|value`` lines (hex for octet strings)."""
    out: list[str] = []
    cur: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(".") and " = " in line:
            if cur:
                out.append("|".join(cur))
            oid, rest = line.split(" = ", 1)
            if ":" not in rest:  # '""' (empty string) and the like
                cur = [oid.lstrip("."), "4x", ""] if rest.strip() == '""' else None
                continue
            typ, val = rest.split(":", 1)
            tag = TYPES.get(typ.strip())
            if tag is None:
                cur = None
                continue
            val = val.strip()
            if tag == "4x":
                val = val.replace(" ", "").lower()
            elif tag == "4":
                val = val.strip('"')
            elif tag == "6":
                val = val.lstrip(".")
            cur = [oid.lstrip("."), tag, val]
        elif cur and cur[1] == "4x":  # hex dumps wrap over several lines
            cur[2] += line.replace(" ", "").lower()
    if cur:
        out.append("|".join(cur))
    return out


def main(outdir: str) -> None:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with SwitchLab(n_pcs=6, tag="rec") as sl:
        sl.traffic()
        for sw in ("sw-core", "sw-a"):
            lines: list[str] = []
            for start, _stop in RANGES:
                r = sl.lab.run(
                    sl.ns("scan"),
                    "snmpbulkwalk",
                    "-v2c",
                    "-c",
                    "public",
                    "-m",
                    "",
                    "-On",
                    "-Oe",
                    "-Ot",
                    "-Ox",
                    sw_ip(sw),
                    start,
                    timeout=60,
                    env={"MIBS": "", "PATH": "/usr/bin:/bin"},
                )
                lines += walk_to_snmprec(r.stdout)
            (out / f"lab-{sw}.snmprec").write_text("\n".join(lines) + "\n")
            print(sw, len(lines), "records")


if __name__ == "__main__":
    main(sys.argv[1])
