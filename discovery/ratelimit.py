"""Politeness for every prober: a token bucket (packets per second) and the timeout/retry policy.

A sweep on a production campus network must not look like a flood: every probe a scanner sends
first takes a token from a :class:`TokenBucket`, and unanswered targets are retried a bounded
number of times (:class:`ProbePolicy`). The wait after each round adapts to the replies seen, so a
fast LAN is not held hostage by the worst-case ``--timeout`` while a slow host still gets time.

Stdlib only; must not import scanners, the CMDB or the CLI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class TokenBucket:
    """Classic token bucket: ``rate`` tokens per second, at most ``burst`` saved up.

    The burst defaults to 100 ms worth of tokens: on a busy scanner the process is often
    rescheduled late, and a smaller bucket would silently lose that time (a 1000 pps sweep ran
    at a few hundred pps on a loaded 2-core box). The average rate is never exceeded, and 100
    back-to-back packets are nothing on a switched LAN.

    >>> b = TokenBucket(10, burst=2, clock=lambda: 0.0)
    >>> b.try_take(), b.try_take(), b.try_take()
    (True, True, False)
    >>> round(b.delay(), 3)
    0.1
    """

    def __init__(
        self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate / 10))
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def delay(self) -> float:
        """Seconds until one token is available (0.0 when one is available now)."""
        self._refill()
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

    def try_take(self) -> bool:
        """Take one token if available, without waiting."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def take(self) -> None:
        """Block until a token is available, then take it."""
        while not self.try_take():
            time.sleep(self.delay())

    async def acquire(self) -> None:
        """Asyncio flavour of :meth:`take`."""
        import asyncio  # lazily: the ARP/ICMP sweeps do not need it (0.2 s to import)

        while not self.try_take():
            await asyncio.sleep(self.delay())


@dataclass(slots=True)
class ProbePolicy:
    """How long to wait for replies and how often to ask again.

    Attributes:
        timeout_s: the longest wait after a round of probes (``--timeout``).
        retries: extra rounds for targets that did not answer (``--retries``).
        min_wait_s: the shortest wait after the last round, however fast the network looks.
        early_wait_s: the shortest wait after an earlier round. It can be short because a
            retry follows and late replies to earlier rounds still count: the slow host gets
            the final round's patience, the fast LAN does not pay it twice.
        rtt_factor: once replies arrive, wait ``rtt_factor`` x the median RTT seen
            (clamped to ``[min_wait_s, timeout_s]``) -- nmap-style adaptive timing. The
            percentile keeps one slow host from stretching every round; its late reply is still
            accepted during later rounds.
    """

    timeout_s: float = 1.0
    retries: int = 1
    min_wait_s: float = 0.25
    early_wait_s: float = 0.05
    rtt_factor: float = 4.0

    def round_wait(self, rtts: Sequence[float], *, final: bool = True) -> float:
        """Wait after the last probe of a round, given the RTTs observed so far.

        >>> ProbePolicy(timeout_s=1.0).round_wait([])
        1.0
        >>> ProbePolicy(timeout_s=1.0).round_wait([0.001] * 10)
        0.25
        >>> ProbePolicy(timeout_s=1.0).round_wait([0.001] * 10, final=False)
        0.05
        >>> ProbePolicy(timeout_s=1.0).round_wait([0.2] * 10)
        0.8
        """
        if not rtts:
            return self.timeout_s
        ordered = sorted(rtts)
        p50 = ordered[len(ordered) // 2]
        floor = self.min_wait_s if final else self.early_wait_s
        return min(self.timeout_s, max(floor, self.rtt_factor * p50))
