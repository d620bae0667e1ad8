"""The optional rescan helper: a forked process proves "nothing changed" for part of a run's
facts on the other core (``[cmdb] parallel_min_facts``; off by default, see docs/cmdb.md).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from array import array
from collections.abc import Callable, Sequence

from netcmdb.discovery.facts import DeviceFact

log = logging.getLogger(__name__)


class Precheck:
    """A forked child that runs ``check`` (:meth:`netcmdb.cmdb.reconcile.run.Run.unchanged_key`)
    over some facts (see ``Run.ingest_facts``).

    The child shares the parent's memory copy-on-write, touches no database connection, file or
    lock, sends one 8-byte key per fact through a pipe and leaves with ``os._exit`` (no
    destructors, no atexit handlers: the parent's connection and files stay the parent's).
    """

    def __init__(self, pid: int, fd: int, n: int) -> None:
        self.pid, self.fd, self.n = pid, fd, n

    @classmethod
    def start(
        cls, check: Callable[[DeviceFact], int], facts: Sequence[DeviceFact]
    ) -> Precheck | None:
        """Fork the helper: it sends ``check(fact)`` for each fact; None when not started."""
        # fork only where it is cheap and safe: Linux, and no other thread whose locks the
        # child could inherit mid-use
        if sys.platform != "linux" or threading.active_count() != 1:
            return None
        r, w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            return None
        if pid == 0:  # the child
            status = 1
            try:
                os.close(r)
                data = memoryview(array("q", map(check, facts)).tobytes())
                while data:
                    data = data[os.write(w, data) :]
                status = 0
            finally:
                os._exit(status)
        os.close(w)
        return cls(pid, r, len(facts))

    def collect(self) -> array[int] | None:
        """The child's keys (0: ingest normally), or None when it failed."""
        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self.fd)
            _pid, status = os.waitpid(self.pid, 0)
        keys = array("q")
        keys.frombytes(b"".join(chunks))
        if status != 0 or len(keys) != self.n:
            log.warning(
                "the parallel unchanged-fact check failed (status %s); "
                "ingesting those facts one by one",
                status,
            )
            return None
        return keys
