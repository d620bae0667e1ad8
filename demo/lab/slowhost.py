"""A slow host for the sweep lab: answers ARP who-has and ICMP echo for its address after a delay.

The kernel of this machine has no ``sch_netem`` (``tc qdisc ... netem`` -> "Specified qdisc kind is
unknown"), so a slow host is made in user space instead: the namespace's kernel is told to stay
silent (``ip link set eth0 arp off`` and ``net.ipv4.icmp_echo_ignore_all=1``) and this process
answers on an AF_PACKET socket, ``--delay`` seconds late. Real frames on a real veth, built by hand
with struct (so it shares no code with the scanner under test).

Usage (inside the host namespace): ``python slowhost.py IFACE IP MAC DELAY_S READY_FILE``.
"""

from __future__ import annotations

import heapq
import select
import socket
import struct
import sys
import time
from pathlib import Path


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main() -> None:
    iface, ip, mac, delay, ready = sys.argv[1:6]
    my_ip, my_mac, wait = socket.inet_aton(ip), bytes.fromhex(mac.replace(":", "")), float(delay)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0x0003))
    Path(ready).write_text("ready\n")
    pending: list[tuple[float, int, bytes]] = []
    n = 0
    while True:
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else 1.0
        if select.select([s], [], [], timeout)[0]:
            frame, meta = s.recvfrom(2048)
            if meta[2] == socket.PACKET_OUTGOING:
                continue
            reply = None
            etype = frame[12:14]
            if (
                etype == b"\x08\x06"
                and len(frame) >= 42
                and frame[20:22] == b"\x00\x01"
                and frame[38:42] == my_ip
            ):
                reply = (
                    frame[6:12]
                    + my_mac
                    + b"\x08\x06"
                    + frame[14:20]
                    + b"\x00\x02"
                    + my_mac
                    + my_ip
                    + frame[22:28]
                    + frame[28:32]
                )
            elif (
                etype == b"\x08\x00"
                and len(frame) >= 42
                and frame[30:34] == my_ip
                and frame[23] == 1
            ):
                ihl = (frame[14] & 0x0F) * 4
                total = struct.unpack("!H", frame[16:18])[0]
                icmp = frame[14 + ihl : 14 + total]
                if icmp[:1] == b"\x08":
                    body = b"\x00\x00\x00\x00" + icmp[4:]
                    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
                    iph = struct.pack(
                        "!BBHHHBBH4s4s",
                        0x45,
                        0,
                        20 + len(body),
                        0,
                        0,
                        64,
                        1,
                        0,
                        my_ip,
                        frame[26:30],
                    )
                    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
                    reply = frame[6:12] + my_mac + b"\x08\x00" + iph + body
            if reply is not None:
                n += 1
                heapq.heappush(pending, (time.monotonic() + wait, n, reply))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            s.send(heapq.heappop(pending)[2])


if __name__ == "__main__":
    main()
