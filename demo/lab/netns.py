"""Primitives for a real test network built from Linux network namespaces, veth pairs and bridges.

Recipe: ../shared/lab/NOTES.md. Everything lives inside namespaces this module creates; nothing is
attached to the host's interfaces, so packets can never leave the machine. A :class:`Lab` is a
context manager that removes every namespace it made and kills every process it started, also when
the test fails. Names carry the creating PID, so concurrent test runs do not collide, and
leftovers of crashed runs (dead PID) are removed on the next start.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

PREFIX = "nct"  # every namespace we create starts with this


def have_netns() -> bool:
    """True when we can build namespaces: root and the ``ip`` tool."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


def _ip(
    *args: str, input: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], input=input, text=True, capture_output=True, check=check)


def cleanup_stale() -> None:
    """Delete namespaces left by earlier runs whose creating process is gone."""
    out = _ip("netns", "list", check=False).stdout
    batch = []
    for line in out.splitlines():
        name = line.split()[0] if line.strip() else ""
        m = re.match(rf"{PREFIX}(\d+)-", name)
        if m and not Path(f"/proc/{m.group(1)}").exists():
            batch.append(f"netns del {name}")
    if batch:
        _ip("-force", "-batch", "-", input="\n".join(batch) + "\n", check=False)


class Lab:
    """A set of namespaces plus the processes running in them; torn down as a whole."""

    def __init__(self, tag: str = "lab") -> None:
        self.tag = tag
        self.base = f"{PREFIX}{os.getpid()}-{tag}"
        self.namespaces: list[str] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        self._veth = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Lab:
        cleanup_stale()
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def teardown(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 3
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
        self.procs.clear()
        if self.namespaces:
            # Killing any stray process inside a namespace first, then deleting it (veths go too).
            for ns in self.namespaces:
                pids = _ip("netns", "pids", ns, check=False).stdout.split()
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
            batch = "".join(f"netns del {ns}\n" for ns in self.namespaces)
            _ip("-force", "-batch", "-", input=batch, check=False)
            self.namespaces.clear()

    # -- building ----------------------------------------------------------------------------
    def ns(self, short: str) -> str:
        """Full namespace name for a short name (``scan`` -> ``nct1234-lab-scan``)."""
        return f"{self.base}-{short}"

    def add_namespaces(self, shorts: Sequence[str]) -> list[str]:
        """Create namespaces with loopback up and IPv6 off (keeps the lab quiet)."""
        names = [self.ns(s) for s in shorts]
        _ip("-batch", "-", input="".join(f"netns add {n}\n" for n in names))
        self.namespaces.extend(names)
        for n in names:
            self.exec_batch(n, ["link set lo up"])
            self.run(
                n,
                "sysctl",
                "-qw",
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            )
        return names

    def exec_batch(self, ns: str, commands: Sequence[str]) -> None:
        """Run ``ip`` commands inside ``ns`` in one process (fast for many hosts)."""
        _ip("-n", ns, "-batch", "-", input="".join(c + "\n" for c in commands))

    def veth(self, ns_a: str, if_a: str, ns_b: str, if_b: str) -> None:
        """A cable: veth pair with one end in each namespace, named ``if_a`` / ``if_b`` there."""
        self._veth += 1
        ta, tb = f"v{os.getpid() % 100000}a{self._veth}", f"v{os.getpid() % 100000}b{self._veth}"
        _ip("link", "add", ta, "netns", ns_a, "type", "veth", "peer", "name", tb, "netns", ns_b)
        _ip("-n", ns_a, "link", "set", ta, "name", if_a)
        _ip("-n", ns_b, "link", "set", tb, "name", if_b)

    def bridge(
        self,
        ns: str,
        name: str = "br0",
        *,
        stp: bool = False,
        forward_delay_s: int = 2,
        max_age_s: int = 6,
        mac: str | None = None,
    ) -> None:
        """A Linux bridge in ``ns``. With STP, a topology change keeps the bridge's
        ``topology_change`` flag set (and its FDB ageing at ``forward_delay``) for max_age +
        forward_delay: the kernel's default max_age of 20 s made every lab wait ~25 s for STP to
        settle; 6 s is the kernel's minimum (hello time 2 s: three hellos may be missed)."""
        cmd = [
            f"link add {name} type bridge stp_state {1 if stp else 0}"
            f" forward_delay {forward_delay_s * 100} max_age {max_age_s * 100}"
        ]
        if mac:
            cmd.append(f"link set {name} address {mac}")
        cmd.append(f"link set {name} up")
        self.exec_batch(ns, cmd)

    def run(
        self,
        ns: str,
        *cmd: str,
        check: bool = True,
        timeout: float = 60,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside ``ns`` (``ip netns exec``: the namespace's own /sys too)."""
        return subprocess.run(
            ["ip", "netns", "exec", ns, *cmd],
            text=True,
            capture_output=True,
            check=check,
            timeout=timeout,
            env=env,
        )

    def popen(
        self,
        ns: str,
        *cmd: str,
        env: dict[str, str] | None = None,
        stdout: int | None = subprocess.DEVNULL,
        stderr: int | None = subprocess.DEVNULL,
        **kw: object,
    ) -> subprocess.Popen[bytes]:
        """Start a long-running process inside ``ns``; it is killed at teardown."""
        p = subprocess.Popen(
            ["ip", "netns", "exec", ns, *cmd],
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            **kw,
        )  # type: ignore[call-overload]
        self.procs.append(p)
        return p
