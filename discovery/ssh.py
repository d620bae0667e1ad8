"""The ``ssh`` scanner: log in with netmiko, run the platform's commands, yield typed facts.

For switches where SNMP is off or read-restricted. Each device: verify its host key, log in
(platform given or detected with netmiko ``SSHDetect``), enter enable mode when a secret is set,
run the commands of :data:`netcmdb.discovery.vendors.CLI_COMMANDS`, and hand the text to
:func:`netcmdb.discovery.cli_parsers.build_device_fact`. The CMDB gets the same
:class:`DeviceFact` shape as from SNMP (``source="ssh"``).

Failures are per device (Nornir style): a wrong password, a refused port, a changed host key or
a device that stops answering mid-command becomes one ``ScanResult`` with ``error`` and
``error_kind`` (auth | hostkey | unreachable | timeout | parse | other); the other devices are
collected anyway. Devices run concurrently in threads, each with a connect timeout, a per-command
read timeout and a per-device time budget that caps every read.

Secrets: only :meth:`Secret.reveal` hands the password to netmiko; netmiko's SecretsFilter hides
it from netmiko's log; our own log lines and error messages never contain it (messages are
scrubbed as a second line of defence). Must not import ``netcmdb.cmdb``.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import ipaddress
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from netcmdb.discovery.base import ScanOptions, register_scanner
from netcmdb.discovery.cli_parsers import build_device_fact
from netcmdb.discovery.crawl import CrawlResult
from netcmdb.discovery.credentials import SshCredentials, load_credentials
from netcmdb.discovery.facts import NeighborFact, ScanResult
from netcmdb.discovery.vendors import (
    CLI_COMMANDS,
    CLI_KINDS,
    NETMIKO_ALIASES,
    PLATFORMS,
    by_netmiko,
    platform_from_description,
)
from netcmdb.errors import (
    N_,
    AuthenticationError,
    ConfigError,
    DiscoveryError,
    HostKeyError,
    Msg,
    ScopeError,
    message_of,
)
from netcmdb.net.scope import Admitted, ScopeRules, admitted

log = logging.getLogger(__name__)

#: Platforms whose useful commands need privileged (enable) mode.
ENABLE_PLATFORMS = frozenset({"cisco_ios", "cisco_xe", "cisco_nxos", "arista_eos", "ruijie_os"})

_KNOWN_HOSTS_LOCK = threading.Lock()


def default_known_hosts() -> Path:
    """``$NETCMDB_SSH_KNOWN_HOSTS`` or the user's OpenSSH ``~/.ssh/known_hosts``."""
    env = os.environ.get("NETCMDB_SSH_KNOWN_HOSTS")
    return Path(env) if env else Path.home() / ".ssh" / "known_hosts"


@dataclass(slots=True)
class SshSettings:
    """Everything the SSH collector needs besides the target list."""

    credentials: SshCredentials
    platform: str | None = None  # None: detect (show/display version, then netmiko SSHDetect)
    port: int = 22
    known_hosts: Path = field(default_factory=default_known_hosts)
    accept_new_host_keys: bool = False
    connect_timeout_s: float = 10.0
    command_timeout_s: float = 30.0
    device_timeout_s: float = 180.0
    #: platform detection (show/display version, then netmiko SSHDetect) gives up after this
    detect_timeout_s: float = 10.0
    kinds: tuple[str, ...] = CLI_KINDS
    concurrency: int = 32
    #: excludes, --allow-public, --max-hosts: checked before the first packet to any device
    scope: ScopeRules = field(default_factory=ScopeRules)

    def __post_init__(self) -> None:
        if self.platform is not None and self.platform not in CLI_COMMANDS:
            known = ", ".join(sorted(CLI_COMMANDS))
            raise ConfigError(
                "unknown SSH platform {platform!r} (known: {known})",
                platform=self.platform,
                known=known,
            )
        bad = [k for k in self.kinds if k not in CLI_KINDS]
        if bad:
            raise ConfigError(
                "unknown fact kind(s) {bad} (known: {cli_kinds})",
                bad=bad,
                cli_kinds=", ".join(CLI_KINDS),
            )

    @classmethod
    def from_options(cls, options: ScanOptions) -> SshSettings:
        """Build from ``ScanOptions.extra`` keys ``ssh_*`` (the CLI fills them)."""
        x = options.extra
        creds = x.get("ssh_credentials")
        if creds is None:
            creds = load_credentials(x.get("ssh_config_file"))
        kwargs: dict[str, Any] = {"credentials": creds}
        for key in (
            "platform",
            "port",
            "accept_new_host_keys",
            "connect_timeout_s",
            "command_timeout_s",
            "device_timeout_s",
            "detect_timeout_s",
            "kinds",
            "concurrency",
        ):
            if x.get(f"ssh_{key}") is not None:
                kwargs[key] = x[f"ssh_{key}"]
        if x.get("ssh_known_hosts"):
            kwargs["known_hosts"] = Path(x["ssh_known_hosts"])
        kwargs.setdefault("concurrency", options.concurrency)
        kwargs["scope"] = options.rules
        return cls(**kwargs)


# ---------------------------------------------------------------------------------------------
# Targets and host keys
# ---------------------------------------------------------------------------------------------


def split_target(target: str, default_port: int) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address -> (host, port).

    >>> split_target("10.0.0.1:2222", 22), split_target("sw1", 22), split_target("[::1]:2022", 22)
    (('10.0.0.1', 2222), ('sw1', 22), ('::1', 2022))
    """
    t = target.strip()
    if t.startswith("["):
        host, _, rest = t[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if t.count(":") == 1:
        host, port = t.split(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError("bad port in target {target!r}", target=target)
        return host, int(port)
    return t, default_port


def _known_hosts_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def _fingerprint(key: Any) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _fetch_host_key(
    host: str | Admitted, port: int, timeout: float, rules: ScopeRules | None = None
) -> Any:
    """Do only the SSH key exchange and return the server's host key (no authentication).

    Raises:
        ScopeError: ``host`` is not admitted by ``rules`` (checked before the connection).
    """
    import paramiko

    sock = socket.create_connection((admitted(host, rules).address, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    finally:
        transport.close()


def ensure_host_key(host: str | Admitted, port: int, settings: SshSettings) -> None:
    """Make sure ``known_hosts`` can vouch for this host before we send a password to it.

    ``host`` is an :class:`~netcmdb.net.scope.Admitted` target or text that ``settings.scope``
    checks here, before any packet.

    A known host is verified later by paramiko itself (RejectPolicy + our known_hosts): a changed
    key fails the login with ``BadHostKeyException``. An unknown host is refused with its
    fingerprint, unless ``accept_new_host_keys`` -- then its key is appended (OpenSSH's
    ``StrictHostKeyChecking=accept-new``).

    Raises:
        ScopeError: ``host`` is refused by ``settings.scope``.
        HostKeyError: unknown host and not accepting new keys.
        OSError: the host cannot be reached (classified by the caller).
    """
    import paramiko

    checked = admitted(host, settings.scope)
    name = _known_hosts_name(checked.address, port)
    path = settings.known_hosts
    with _KNOWN_HOSTS_LOCK:
        keys = paramiko.HostKeys(str(path)) if path.is_file() else paramiko.HostKeys()
        if keys.lookup(name):
            return
    key = _fetch_host_key(checked, port, settings.connect_timeout_s)
    if not settings.accept_new_host_keys:
        raise HostKeyError(
            (
                "unknown SSH host key for {name} ({key_type} {fingerprint}), not in {path}; "
                "verify it and rerun with --accept-new-host-keys"
            ),
            name=name,
            key_type=key.get_name(),
            fingerprint=_fingerprint(key),
            path=path,
        )
    with _KNOWN_HOSTS_LOCK:
        keys = paramiko.HostKeys(str(path)) if path.is_file() else paramiko.HostKeys()
        if keys.lookup(name):  # another thread added it meanwhile
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{name} {key.get_name()} {key.get_base64()}\n")
        log.info("accepted new SSH host key for %s (%s)", name, _fingerprint(key))


# ---------------------------------------------------------------------------------------------
# Errors -> (kind, message)
# ---------------------------------------------------------------------------------------------


class _DeadlineExceeded(Exception):
    pass


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def classify_error(
    exc: BaseException, *, host: str, port: int, settings: SshSettings, step: str
) -> tuple[str, str]:
    """Map any exception from connecting/collecting to (error_kind, one actionable line)."""
    import paramiko
    from netmiko.exceptions import (
        NetmikoAuthenticationException,
        NetmikoTimeoutException,
        ReadTimeout,
    )

    where = f"{host}:{port}"
    user = settings.credentials.username
    for e in _chain(exc):
        if isinstance(e, _DeadlineExceeded):
            return "timeout", N_(
                "{where}: gave up after the per-device limit of {seconds}s during {step}",
                where=where,
                seconds=f"{settings.device_timeout_s:g}",
                step=step,
            )
        if isinstance(e, HostKeyError):
            return "hostkey", message_of(e)
        if isinstance(e, paramiko.BadHostKeyException):
            return "hostkey", N_(
                "SSH host key of {where} does not match {known_hosts} (got {fingerprint}): "
                "the device was replaced or the connection is intercepted; remove the old entry "
                "only if the change is expected",
                where=where,
                known_hosts=str(settings.known_hosts),
                fingerprint=_fingerprint(e.key),
            )
        if isinstance(
            e,
            (NetmikoAuthenticationException, paramiko.AuthenticationException, AuthenticationError),
        ):
            return "auth", N_(
                "authentication failed for {user}@{where} (wrong username or password?)",
                user=user,
                where=where,
            )
        if isinstance(e, ReadTimeout):
            return "timeout", N_(
                "{where} stopped answering during {step} (no prompt within {seconds}s)",
                where=where,
                step=step,
                seconds=f"{settings.command_timeout_s:g}",
            )
        if isinstance(e, ConnectionRefusedError):
            return "unreachable", N_(
                "{where}: connection refused (no SSH service on this port?)", where=where
            )
        if isinstance(e, OSError) and e.errno in (
            errno.EHOSTUNREACH,
            errno.ENETUNREACH,
            errno.EHOSTDOWN,
        ):
            return "unreachable", N_(
                "{where}: host unreachable ({why})", where=where, why=os.strerror(e.errno)
            )
        if isinstance(e, socket.gaierror):
            return "unreachable", N_(
                "{host}: name does not resolve ({why})", host=host, why=e.strerror
            )
        if isinstance(e, (TimeoutError, socket.timeout)):
            return "timeout", N_(
                "{where}: no SSH answer within {seconds}s during {step}",
                where=where,
                seconds=f"{settings.connect_timeout_s:g}",
                step=step,
            )
        if isinstance(e, NetmikoTimeoutException):
            continue  # look at its cause (socket error) for the precise kind
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, NetmikoTimeoutException):
        return "timeout", N_(
            "{where}: timed out during {step}: {detail}", where=where, step=step, detail=first[:200]
        )
    if isinstance(exc, (EOFError, paramiko.SSHException, OSError)):
        return "unreachable", N_(
            "{where}: SSH session failed during {step}: {detail}",
            where=where,
            step=step,
            detail=first[:200],
        )
    if isinstance(exc, DiscoveryError):
        return "other", N_("{where}: {error}", where=where, error=message_of(exc))
    return "other", N_(
        "{where}: {kind} during {step}: {detail}",
        where=where,
        kind=type(exc).__name__,
        step=step,
        detail=first[:200],
    )


def _scrub(text: str, settings: SshSettings) -> str:
    """Second line of defence: no secret value survives into an error message.

    A :class:`~netcmdb.errors.Msg` keeps its template (ours, no secret) with every parameter
    scrubbed, so it stays translatable; if a secret still shows (a nested message), the
    scrubbed English text is returned instead."""
    secrets = [
        s.reveal()
        for s in (settings.credentials.password, settings.credentials.secret)
        if s and s.reveal()
    ]

    def clean(value: str) -> str:
        for secret in secrets:
            value = value.replace(secret, "***")
        return value

    if isinstance(text, Msg):
        params = {k: v if isinstance(v, Msg) else clean(str(v)) for k, v in text.params.items()}
        msg = Msg(text.template, **params)
        if not any(secret in msg for secret in secrets):
            return msg
    return clean(str(text))


# ---------------------------------------------------------------------------------------------
# One device
# ---------------------------------------------------------------------------------------------


def _connect_kwargs(host: Admitted, port: int, settings: SshSettings) -> dict[str, Any]:
    c = settings.credentials
    t = settings.connect_timeout_s
    return {
        "host": host.address,
        "port": port,
        "username": c.username,
        "password": c.password.reveal() if c.password else "",
        "secret": c.secret.reveal() if c.secret else "",
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(settings.known_hosts),
        "allow_agent": False,
        "use_keys": False,
        "conn_timeout": t,
        "auth_timeout": t,
        "banner_timeout": t,
        "timeout": max(t, settings.command_timeout_s),
        "fast_cli": True,
    }


#: Commands tried (in this order) to identify an unknown device; their output is matched against
#: :data:`netcmdb.discovery.vendors.DESCRIPTION_HINTS`.
DETECT_COMMANDS = ("show version", "display version")


def _quick_detect(conn: Any, settings: SshSettings, deadline: float) -> str | None:
    """Identify the platform on an open generic session from ``show/display version``.

    Two commands instead of netmiko SSHDetect's dozen (each with fixed sleeps, ~20 s a device),
    each bounded by what is left of the detection budget (``deadline``, monotonic).
    """
    prompt = conn.find_prompt()
    for cmd in DETECT_COMMANDS:
        left = deadline - time.monotonic()
        if left <= 0.2:
            return None
        try:
            out = conn.send_command(
                cmd,
                expect_string=re.escape(prompt.strip()[-12:]),
                read_timeout=min(settings.command_timeout_s, 15, left),
            )
        except Exception:
            continue
        if key := platform_from_description(out):
            return key
    return None


def _open(host: str | Admitted, port: int, settings: SshSettings) -> tuple[Any, str]:
    """Log in; returns (netmiko connection, platform key).

    ``host`` is an :class:`~netcmdb.net.scope.Admitted` target or text that ``settings.scope``
    checks here, before netmiko opens a connection (every login below uses the checked address).
    Without an explicit platform: log in generically and match ``show/display version``
    against our description table; when that finds nothing, fall back to netmiko ``SSHDetect``.

    Raises:
        ScopeError: ``host`` is refused by ``settings.scope``.
    """
    kwargs = _connect_kwargs(admitted(host, settings.scope), port, settings)
    from netmiko import ConnectHandler, SSHDetect
    from netmiko.ssh_dispatcher import redispatch

    if settings.platform:
        dtype = PLATFORMS[settings.platform].netmiko
        return ConnectHandler(device_type=dtype, **kwargs), settings.platform
    budget = settings.detect_timeout_s
    deadline = time.monotonic() + budget
    conn = ConnectHandler(device_type="generic", **kwargs)
    try:
        key = _quick_detect(conn, settings, deadline)
    except Exception:
        conn.disconnect()
        raise
    if key is not None:
        redispatch(conn, device_type=PLATFORMS[key].netmiko or "generic")
        return conn, key
    conn.disconnect()
    hint = N_("pass --platform ({platforms})", platforms=", ".join(sorted(CLI_COMMANDS)))
    # last resort, bounded: netmiko's SSHDetect runs a dozen commands with fixed sleeps (~100 s
    # on a device that answers none). It cannot be interrupted, so it runs in a daemon thread
    # that is abandoned (its session ends with its own timeouts) when the budget is spent.
    found: list[str | None] = []

    def guess() -> None:
        try:
            found.append(SSHDetect(device_type="autodetect", **kwargs).autodetect())
        except Exception:  # any failure means "not detected"
            found.append(None)

    worker = threading.Thread(target=guess, name="netcmdb-ssh-detect", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive() or not found:
        raise DiscoveryError(
            (
                "could not detect the platform within {budget:g} s (show/display version named "
                "none, netmiko's autodetection did not finish); {hint}"
            ),
            budget=budget,
            hint=hint,
        )
    best = found[0]
    key = NETMIKO_ALIASES.get(best or "") or (p.key if (p := by_netmiko(best or "")) else None)
    if not best or key not in CLI_COMMANDS:
        raise DiscoveryError(
            "could not detect the platform (netmiko guessed {best}); {hint}",
            best=best or "nothing",
            hint=hint,
        )
    return ConnectHandler(device_type=PLATFORMS[key].netmiko, **kwargs), key


def collect_device(target: str, settings: SshSettings) -> ScanResult:
    """Collect one device over SSH. Never raises for device problems: see ``ScanResult.error``.

    ``target`` (address, name, ``host:port``) is checked against ``settings.scope`` first: a
    refused one gets error_kind ``excluded``/``refused`` and no packet. A name is resolved once
    and the checked address is the one contacted (so known_hosts entries are by address).
    """
    start = time.monotonic()
    deadline = start + settings.device_timeout_s
    try:
        checked = admitted(target, settings.scope)
    except ScopeError as exc:
        kind = "excluded" if " is excluded" in str(exc) else "refused"
        return ScanResult(
            target=target,
            error=message_of(exc),
            error_kind=kind,
            duration_s=time.monotonic() - start,
        )
    host = checked.address
    port = checked.port or settings.port
    step: str = N_("host key check")
    conn: Any = None
    platform = settings.platform
    outputs: dict[str, str] = {}
    notes: list[str] = []
    prompt_host: str | None = None
    finished = False
    try:
        ensure_host_key(checked, port, settings)
        step = N_("login")
        conn, platform = _open(checked, port, settings)
        assert platform is not None
        if settings.credentials.secret and platform in ENABLE_PLATFORMS:
            step = N_("enable")
            try:
                if not conn.check_enable_mode():
                    conn.enable()
            except Exception:
                notes.append(
                    "could not enter enable mode (wrong enable secret?); collected in user mode"
                )
        prompt_host = prompt_hostname(conn)
        commands = CLI_COMMANDS[platform]
        for kind in settings.kinds:
            cmd = commands.command(kind)
            if cmd is None:
                continue
            step = repr(cmd)
            # Each read is bounded by the command timeout AND by what is left of the device's
            # budget, so one slow device can never hold a worker longer than device_timeout_s.
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _DeadlineExceeded()
            budget = min(settings.command_timeout_s, remaining)
            try:
                outputs[kind] = conn.send_command(
                    cmd,
                    read_timeout=budget,
                    strip_prompt=True,
                    strip_command=True,
                )
            except Exception as exc:
                if budget < settings.command_timeout_s:
                    raise _DeadlineExceeded() from exc
                raise
        finished = True
        peer = _peer_ip(conn) or _ip_or_none(host)
        fact = build_device_fact(platform, outputs, ip=peer, prompt_hostname=prompt_host)
        fact.warnings[:0] = notes
        fact.extra["ssh_port"] = str(port)
        return ScanResult(target=target, device=fact, duration_s=time.monotonic() - start)
    except Exception as exc:
        kind, msg = classify_error(exc, host=host, port=port, settings=settings, step=step)
        msg = _scrub(msg, settings)
        log.debug("ssh %s failed (%s) during %s", target, kind, step)
        device = None
        if outputs and platform:  # logged in and got something: keep the partial facts
            device = build_device_fact(
                platform, outputs, ip=_ip_or_none(host), prompt_hostname=prompt_host
            )
            device.warnings.insert(0, msg)
        return ScanResult(
            target=target,
            device=device,
            error=msg,
            error_kind=kind,
            duration_s=time.monotonic() - start,
        )
    finally:
        if conn is not None:
            try:
                if not finished:
                    # A hung or failed session: drop the transport first so the polite logout
                    # below cannot wait on a device that stopped answering.
                    conn.remote_conn_pre.close()
                conn.disconnect()
            except Exception:
                pass


_PROMPT_DECORATION = "<>[]#$%~*: "  # characters around a prompt's host name


def prompt_hostname(conn: Any) -> str | None:
    """The device name in its CLI prompt: ``<sw1>``, ``[~sw1]``, ``sw1#``, ``user@sw1>`` -> ``sw1``.

    netmiko's ``base_prompt`` for Huawei drops the first character on the assumption that the
    prompt starts with ``<``; reading the prompt ourselves works for every vendor.
    """
    try:
        raw = str(conn.find_prompt()).strip()
    except Exception:
        raw = str(getattr(conn, "base_prompt", "") or "")
    raw = raw.split("@")[-1].strip(_PROMPT_DECORATION)
    return raw or None


def _ip_or_none(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _peer_ip(conn: Any) -> str | None:
    try:
        return str(conn.remote_conn.get_transport().getpeername()[0])
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# Many devices
# ---------------------------------------------------------------------------------------------


def collect_many(
    targets: Sequence[str],
    settings: SshSettings,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> Iterator[ScanResult]:
    """Collect ``targets`` concurrently; yield each result as it completes.

    ``targets`` take every :mod:`netcmdb.net.scope` form (addresses, CIDRs, ranges, @files,
    names, ``host:port``); excluded ones are yielded as ``excluded`` results, never contacted.

    Raises:
        ScopeError: a refused target (public, multicast/broadcast, more than max_hosts, not a
            target) -- before any packet.
    """
    targets, dropped = settings.scope.contact_list(list(targets), names=True)
    for t in dropped:
        yield ScanResult(target=t, error=f"{t} is excluded", error_kind="excluded")
    total = len(targets)
    if total == 0:
        return
    workers = max(1, min(settings.concurrency, total))
    done = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netcmdb-ssh") as pool:
        pending: set[Future[ScanResult]] = {
            pool.submit(collect_device, t, settings) for t in targets
        }
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                res = fut.result()
                done += 1
                if progress:
                    progress(done, total, res.target)
                yield res


@register_scanner("ssh")
class SshScanner:
    """Scanner-registry face of :func:`collect_many` (``get_scanner("ssh")``)."""

    name = "ssh"

    def __init__(self, settings: SshSettings | None = None) -> None:
        self.settings = settings

    def scan(self, targets: Sequence[str], options: ScanOptions) -> Iterator[ScanResult]:
        settings = (
            replace(self.settings, scope=options.rules)
            if self.settings is not None
            else SshSettings.from_options(options)
        )
        results = collect_many(targets, settings, progress=options.progress)
        yield from (r for r in results if r.error_kind != "excluded")


# ---------------------------------------------------------------------------------------------
# Crawling: the SSH piece (collect one device) plugged into the generic BFS in crawl.py
# ---------------------------------------------------------------------------------------------


def crawl_ssh(
    seeds: Sequence[str],
    settings: SshSettings,
    *,
    scope: Any = None,
    excludes: Sequence[str] = (),
    max_depth: int | None = 3,
    max_queue: int = 1000,
    follow: Callable[[NeighborFact], bool] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> CrawlResult:
    """Crawl from ``seeds`` over LLDP/CDP management addresses, collecting each device by SSH.

    The BFS, its bounds and its identity rules are the shared ones of
    :func:`netcmdb.discovery.crawl.crawl` (also used by SNMP); this adapter only supplies the
    collector. ``scope`` is a :class:`~netcmdb.net.scope.CrawlScope` or specs (default: the
    non-public blocks the seeds sit in); ``settings.scope`` plus ``excludes`` are the rules, and
    a refused seed raises ScopeError before any packet. Neighbours are reached on
    ``settings.port`` (the campus-wide SSH port). Their
    platform is taken from the LLDP/CDP system description when it names one (no slow
    autodetection, and a Cisco seed can lead to a Huawei neighbour); seeds use
    ``settings.platform``; a neighbour whose description names none uses ``settings.platform``
    too (:func:`crawl_platform`); only without either is the platform detected (bounded by
    ``settings.detect_timeout_s``).

    Returns:
        The crawl's :class:`CrawlResult`; each collected device's ``extra["crawl_depth"]`` is set.
    """
    import asyncio

    from netcmdb.discovery.crawl import crawl, plan_crawl

    if excludes:
        settings = replace(
            settings,
            scope=replace(settings.scope, excludes=(*settings.scope.excludes, *map(str, excludes))),
        )
    plan_crawl(seeds, scope=scope, rules=settings.scope)  # refuse before any thread starts
    hints: dict[str, str] = {}
    lock = threading.Lock()
    seed_hosts = {split_target(t, settings.port)[0] for t in seeds}

    def learn(res: ScanResult) -> None:
        """Remember what each neighbour's LLDP/CDP description says it runs."""
        if res.device is None:
            return
        texts: dict[str, list[str]] = {}
        for n in res.device.neighbors:
            if n.remote_mgmt_ip:
                texts.setdefault(n.remote_mgmt_ip, []).extend(
                    t for t in (n.remote_descr, n.remote_platform) if t
                )
        with lock:
            for ip, parts in texts.items():
                if ip not in hints and (guess := platform_from_description(" ".join(parts))):
                    hints[ip] = guess

    def collect_blocking(target: str) -> ScanResult:
        host = split_target(target, settings.port)[0]
        with lock:
            hint = hints.get(host)
        platform = crawl_platform(host in seed_hosts, settings.platform, hint)
        res = collect_device(target, with_platform(settings, platform))
        learn(res)
        return res

    async def run() -> CrawlResult:
        # netmiko blocks: each collection runs in our own pool (asyncio's default executor has
        # only cpu+4 threads, which would cap the crawl's concurrency).
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(
            max_workers=max(1, settings.concurrency), thread_name_prefix="netcmdb-ssh-crawl"
        ) as pool:

            async def collect(target: str) -> ScanResult:
                return await loop.run_in_executor(pool, collect_blocking, target)

            return await crawl(
                seeds,
                collect,
                scope=scope,
                rules=settings.scope,
                max_depth=max_depth,
                max_queue=max_queue,
                follow=follow,
                concurrency=settings.concurrency,
                progress=progress,
            )

    out = asyncio.run(run())
    for res in out.results:
        if res.device is not None and res.target in out.depth:
            res.device.extra["crawl_depth"] = str(out.depth[res.target])
    return out


def crawl_platform(is_seed: bool, given: str | None, hint: str | None) -> str | None:
    """The platform a crawl uses for one device (None: detect, bounded).

    Seeds: ``--platform``. Neighbours: what their LLDP/CDP system description names (a Cisco
    seed can lead to a Huawei neighbour), else ``--platform`` (it applies to every device of
    the scan), else detection.

    >>> crawl_platform(True, "cisco_ios", "huawei_vrp")
    'cisco_ios'
    >>> crawl_platform(False, "cisco_ios", "huawei_vrp")
    'huawei_vrp'
    >>> crawl_platform(False, "cisco_ios", None)
    'cisco_ios'
    >>> crawl_platform(False, None, None) is None
    True
    """
    if is_seed:
        return given or hint
    return hint or given


def with_platform(settings: SshSettings, platform: str | None) -> SshSettings:
    """A copy of ``settings`` for another platform (mixed-vendor crawls detect per device)."""
    return replace(settings, platform=platform)


__all__ = [
    "SshScanner",
    "SshSettings",
    "classify_error",
    "collect_device",
    "collect_many",
    "crawl_ssh",
    "ensure_host_key",
    "split_target",
]
