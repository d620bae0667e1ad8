"""Run ``snmpsim`` (a dev/demo dependency) to serve recorded devices on loopback.

Used by the recording tests, the simulated campus demo and the SNMP benchmark. It works around
snmpsim 1.2.2's bugs with pysnmp 7 (see ../shared/lab/NOTES.md, gotcha 9):

* data files are *copies* (``.bz2`` decompressed: snmpsim answers from plain files ~10x faster);
* as root, ``SNMPSIM_ALLOW_ROOT=true`` (our Python lives in a root-only home, so dropping to
  ``nobody`` cannot work); as any other user nothing special is needed; ports are above 1024;
* pysnmp 7 calls ``handle_management_operation``; snmpsim overrides the old ``handleMgmtOperation``
  name, so its per-request data-file selection (community + *endpoint*) is dead code. The wrapper
  below re-wires it, which lets one process serve many devices on distinct ``127.x.y.z``
  endpoints, all answering to the same community (``public`` by default): the layout is
  ``data/<md5(community)>/1.3.6.1.6.1.1.<endpoint#>.snmprec`` plus a top-level
  ``<community>.snmprec``.

Library code: starts and stops a subprocess only, never prints, imports neither pysnmp nor cmdb.
"""

from __future__ import annotations

import bz2
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netcmdb.errors import DiscoveryError

_WRAPPER = r"""
import sys
from pysnmp.entity.rfc3413 import cmdrsp
from pysnmp.entity.observer import MetaObserver
from snmpsim.commands import responder as R

if not hasattr(MetaObserver, "getExecutionContext"):
    MetaObserver.getExecutionContext = MetaObserver.get_execution_context

# In-memory record index instead of dbm.dumb (the only dbm this Python has; ~10x slower to build).
import snmpsim.record.search.database as _D

class _MemDb(dict):
    def __setitem__(self, k, v):
        super().__setitem__(k.decode() if isinstance(k, bytes) else k,
                            v.encode() if isinstance(v, str) else v)
    def __getitem__(self, k):
        return super().__getitem__(k.decode() if isinstance(k, bytes) else k)
    def close(self):
        pass
    def sync(self):
        pass

class _MemDbm:
    store = {}
    @classmethod
    def open(cls, path, flags="r", mode=0o666):
        if "n" in flags or ("c" in flags and path not in cls.store):
            cls.store[path] = _MemDb()
        return cls.store[path]
    @classmethod
    def whichdb(cls, path):
        return "memory" if path in cls.store else None

_D.dbm = _MemDbm
_D.whichdb = _MemDbm

# snmpsim keeps at most 31 data files "open" and, on re-opening one, rebuilds its index unless an
# index file exists on disk (ours lives in memory, so: always). With more devices than that per
# process every request re-parsed a whole recording. Keep every file open, build each index once
# (again only if the text file changes) and serve the text from memory.
import io, os
from snmpsim import datafile as _DF
_DF.DataFile.max_queue_entries = 1 << 30
_built, _texts = {}, {}
_create0 = _D.RecordIndex.create

def _create(self, force_index_build=False, validate_data=False):
    mtime = os.stat(self._text_file)[8]
    if not force_index_build and _built.get(self._db_file) == mtime:
        self._text_file_time, self._db_type = mtime, "memory"
        return self
    _create0(self, force_index_build, validate_data)
    _built[self._db_file] = mtime
    return self

def _open(self):
    data = _texts.get(self._text_file)
    if data is None or data[0] != self._text_file_time:
        with self._text_parser.open(self._text_file) as f:
            data = _texts[self._text_file] = (self._text_file_time, f.read())
    self._text = io.BytesIO(data[1])
    self._db = _MemDbm.open(self._db_file)

_D.RecordIndex.create = _create
_D.RecordIndex.open = _open

# DataFile.process_var_binds formats every request and response var-bind (prettyPrint) for two
# log.info() calls before snmpsim's logger drops them below --log-level=info. Same method, without
# those two statements (compiled from snmpsim's own source, so its lookup logic stays as is).
import ast, inspect, textwrap
if "--log-level=error" in sys.argv:
    _src = ast.parse(textwrap.dedent(inspect.getsource(_DF.DataFile.process_var_binds)))

    class _NoInfo(ast.NodeTransformer):
        def visit_Expr(self, node):
            f = getattr(node.value, "func", None)
            if (isinstance(f, ast.Attribute) and f.attr == "info"
                    and getattr(f.value, "id", "") == "log"):
                return ast.Pass()
            return node

    _ns = dict(vars(_DF))
    exec(compile(ast.fix_missing_locations(_NoInfo().visit(_src)), _DF.__file__, "exec"), _ns)
    _DF.DataFile.process_var_binds = _ns["process_var_binds"]

def _fix(cls, base):
    def handle_management_operation(self, snmpEngine, stateReference, contextName, PDU):
        try:
            ctx = R.probe_hash_context(self, snmpEngine)
        except R.NoDataNotification:
            self.release_state_information(stateReference)
            return
        base.handle_management_operation(self, snmpEngine, stateReference, ctx, PDU)
    cls.handle_management_operation = handle_management_operation

_fix(R.GetCommandResponder, cmdrsp.GetCommandResponder)
_fix(R.NextCommandResponder, cmdrsp.NextCommandResponder)
_fix(R.BulkCommandResponder, cmdrsp.BulkCommandResponder)
# GETBULK responses: pysnmp caps them at 64 var-binds (net-snmp only at the message size).
for _a in [a for a in sys.argv if a.startswith("--netcmdb-bulk-max-varbinds=")]:
    cmdrsp.BulkCommandResponder.max_varbinds = int(_a.split("=", 1)[1])
    sys.argv.remove(_a)
sys.argv[0] = "snmpsim-command-responder"
sys.exit(R.main())
"""


def have_snmpsim() -> bool:
    import importlib.util

    return (
        importlib.util.find_spec("snmpsim") is not None
        and importlib.util.find_spec("pysmi") is not None
    )


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def copy_recording(src: str | Path, dst: Path) -> Path:
    """Copy one ``.snmprec`` (decompressing ``.bz2``) to ``dst`` (a file path ending .snmprec)."""
    src = Path(src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".bz2":
        with bz2.open(src, "rb") as fin, open(dst, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    else:
        shutil.copyfile(src, dst)
    return dst


def _get_packet(community: str) -> bytes:
    """A minimal SNMPv2c GET sysObjectID.0 (to probe readiness without pysnmp)."""

    def tlv(tag: int, body: bytes) -> bytes:
        assert len(body) < 128
        return bytes([tag, len(body)]) + body

    vb = tlv(0x30, tlv(0x06, bytes([0x2B, 6, 1, 2, 1, 1, 2, 0])) + b"\x05\x00")
    pdu = tlv(0xA0, b"\x02\x01\x01\x02\x01\x00\x02\x01\x00" + tlv(0x30, vb))
    return tlv(0x30, b"\x02\x01\x01" + tlv(0x04, community.encode()) + pdu)


class SnmpSimulator:
    """One snmpsim process. Add recordings, then ``start()`` (or use as a context manager).

    * :meth:`add_recording`: a device answering to community ``<name>`` on every endpoint;
    * :meth:`add_device`: a device on its own endpoint address answering to ``community``.
    """

    def __init__(
        self,
        workdir: str | Path | None = None,
        *,
        port: int | None = None,
        community: str = "public",
        bulk_max_varbinds: int | None = None,
    ) -> None:
        """``bulk_max_varbinds``: most var-binds in one GETBULK response (pysnmp's default is
        64; real agents such as net-snmp are bounded by the message size only)."""
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="nct-snmpsim-"))
        self.data = self.workdir / "data"
        self.cache = self.workdir / "cache"
        self.data.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.community = community
        self.port = port
        self.bulk_max_varbinds = bulk_max_varbinds
        self.endpoints: list[str] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.workdir / "snmpsim.log"

    def add_recording(self, src: str | Path, name: str | None = None) -> str:
        """Serve ``src`` under community ``name`` (default: its file name); returns the name."""
        src = Path(src)
        name = name or src.name.split(".snmprec")[0]
        copy_recording(src, self.data / f"{name}.snmprec")
        return name

    def add_device(
        self, address: str, src: str | Path | None = None, *, text: str | None = None
    ) -> None:
        """Serve one device on endpoint ``address`` (e.g. ``127.1.0.7``) for ``community``."""
        self.endpoints.append(address)
        n = len(self.endpoints) - 1
        d = self.data / hashlib.md5(self.community.encode()).hexdigest()
        dst = d / f"1.3.6.1.6.1.1.{n}.snmprec"
        if text is not None:
            d.mkdir(parents=True, exist_ok=True)
            dst.write_text(text, encoding="utf-8")
        elif src is not None:
            copy_recording(src, dst)
        else:
            raise ValueError("add_device needs src or text")
        top = self.data / f"{self.community}.snmprec"
        if not top.exists():  # registers the community itself
            shutil.copyfile(dst, top)

    def start(self, timeout: float = 120) -> SnmpSimulator:
        if self.proc is not None:
            return self
        if not have_snmpsim():
            raise DiscoveryError(
                "snmpsim and pysmi are not installed (pip install 'netcmdb[demo]')"
            )
        eps = self.endpoints or ["127.0.0.1"]
        self.port = self.port or free_udp_port(eps[0])
        env = {**os.environ}
        if os.geteuid() == 0:
            env["SNMPSIM_ALLOW_ROOT"] = "true"
        cmd = [
            sys.executable,
            "-c",
            _WRAPPER,
            f"--data-dir={self.data}",
            f"--cache-dir={self.cache}",
            "--log-level=error",
            "--v3-user=simulator",
            "--v3-auth-key=auctoritas",
            "--v3-auth-proto=SHA256",
            "--v3-priv-key=privatus",
            "--v3-priv-proto=AES256",
            *(f"--agent-udpv4-endpoint={e}:{self.port}" for e in eps),
        ]
        if self.bulk_max_varbinds:
            cmd.append(f"--netcmdb-bulk-max-varbinds={int(self.bulk_max_varbinds)}")
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen(
                cmd, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True, env=env
            )
        self._wait_ready(eps[-1], timeout)
        return self

    def _wait_ready(self, host: str, timeout: float) -> None:
        community = (
            self.community
            if self.endpoints
            else next((p.name[:-8] for p in sorted(self.data.glob("*.snmprec"))), self.community)
        )
        pkt = _get_packet(community)
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise DiscoveryError(f"snmpsim exited: {self.log.read_text()[-500:]}")
                try:
                    s.sendto(pkt, (host, self.port))
                    s.recvfrom(4096)
                    return
                except OSError:
                    continue
        self.stop()
        raise DiscoveryError(f"snmpsim did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> SnmpSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
