"""The lab primitives themselves: namespaces really are connected, and really go away."""

from __future__ import annotations

import subprocess

import pytest

from netcmdb.demo.lab.netns import Lab, have_netns

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not have_netns(), reason="needs root and iproute2"),
]


def _netns_list() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_two_hosts_on_a_bridge_ping_and_teardown_removes_everything() -> None:
    with Lab("t") as lab:
        sw, a, b = lab.add_namespaces(["sw", "a", "b"])
        lab.bridge(sw)
        for host, ip in ((a, "10.98.0.1/24"), (b, "10.98.0.2/24")):
            port = "p" + host[-1]
            lab.veth(sw, port, host, "eth0")
            lab.exec_batch(sw, [f"link set {port} master br0", f"link set {port} up"])
            lab.exec_batch(host, [f"addr add {ip} dev eth0", "link set eth0 up"])
        ok = lab.run(a, "ping", "-c1", "-W2", "10.98.0.2", check=False)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        # the root namespace has no route into the lab: nothing leaks out
        proc = lab.popen(b, "sleep", "60")
        names = [lab.ns(s) for s in ("sw", "a", "b")]
        assert all(n in _netns_list() for n in names)
    assert proc.poll() is not None
    listing = _netns_list()
    assert not any(n in listing for n in names)
