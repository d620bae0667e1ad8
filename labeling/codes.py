"""QR and Code128 symbols as plain data (module matrices, bar widths) and as PDF path operators.

Why not reportlab's widgets: drawing 10,000 labels through ``QrCodeWidget`` costs ~25 ms each.
Here the QR matrix comes from ``qrcode`` with a fixed version per payload length and a fixed mask
pattern (every mask is valid per ISO/IEC 18004; choosing the "best" one is an 8x cost for a
marginal gain on printed labels), Code128 widths from reportlab's encoder, and each symbol
becomes one filled path of run-length rectangles: a few hundred bytes of content stream.

Pure functions (no I/O); safe to call in worker processes. Must not import cmdb or exporters.
"""

from __future__ import annotations

from functools import lru_cache

import qrcode
import qrcode.base as qrbase
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_8BIT_BYTE, QRData
from reportlab.graphics.barcode.code128 import Code128

from netcmdb.errors import LabelError

MM = 72.0 / 25.4
QUIET = 10  # Code128 quiet zone, modules each side
QR_BORDER = 2  # white modules kept around the QR inside its box


@lru_cache(maxsize=512)
def _qr_version(nbytes: int) -> int:
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    q.add_data(QRData(b"x" * nbytes, mode=MODE_8BIT_BYTE), optimize=0)
    try:
        return int(q.best_fit())
    except qrcode.exceptions.DataOverflowError:
        raise LabelError(f"QR payload of {nbytes} bytes is too long") from None


_EC_M = ERROR_CORRECT_M
_BITS = [tuple((b >> (7 - i)) & 1 for i in range(8)) for b in range(256)]


@lru_cache(maxsize=16)
def _plan(version: int) -> tuple[list[list[bool | None]], list[tuple[int, int, int]],
                                 list[tuple[int, int]], list[int]]:
    """Per-version constants: the function-pattern template (data cells None, format info for
    mask 0 already set), the data cells in placement order with their mask-0 bit, the RS blocks
    as (total, data) and the RS generator polynomial's coefficient logs."""
    q = qrcode.QRCode(version=version, error_correction=_EC_M, border=0, mask_pattern=0)
    n = q.modules_count = 4 * version + 17
    q.modules = [[None] * n for _ in range(n)]
    q.setup_position_probe_pattern(0, 0)
    q.setup_position_probe_pattern(n - 7, 0)
    q.setup_position_probe_pattern(0, n - 7)
    q.setup_position_adjust_pattern()
    q.setup_timing_pattern()
    q.setup_type_info(False, 0)
    if version >= 7:
        q.setup_type_number(False)
    template = [list(r) for r in q.modules]
    order: list[tuple[int, int, int]] = []
    inc, row = -1, n - 1
    for col in range(n - 1, 0, -2):  # the zig-zag of ISO/IEC 18004 7.7.3 (as qrcode.map_data)
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if template[row][c] is None:
                    order.append((row, c, 1 if (row + c) % 2 == 0 else 0))
            row += inc
            if row < 0 or row >= n:
                row -= inc
                inc = -inc
                break
    blocks = [(b.total_count, b.data_count) for b in qrbase.rs_blocks(version, _EC_M)]
    ec = blocks[0][0] - blocks[0][1]
    gen = [1]
    for i in range(ec):  # prod (x - a^i)
        nxt = [0] * (len(gen) + 1)
        for j, g in enumerate(gen):
            nxt[j] ^= g
            if g:
                nxt[j + 1] ^= qrbase.EXP_TABLE[(qrbase.LOG_TABLE[g] + i) % 255]
        gen = nxt
    gen_log = [qrbase.LOG_TABLE[g] for g in gen[1:]]
    return template, order, blocks, gen_log


def _rs(data: list[int], gen_log: list[int]) -> list[int]:
    exp, log = qrbase.EXP_TABLE, qrbase.LOG_TABLE
    ec = len(gen_log)
    rem = [0] * ec
    for b in data:
        factor = b ^ rem[0]
        del rem[0]
        rem.append(0)
        if factor:
            lf = log[factor]
            for i in range(ec):
                rem[i] ^= exp[(lf + gen_log[i]) % 255]
    return rem


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR symbol (error correction M, byte mode, mask 0) as rows of dark modules.

    Non-ASCII payloads carry an ECI 26 (UTF-8) header: without it readers guess the byte
    encoding (zbar reads Chinese as Shift-JIS). A table-driven encoder, about 5x faster than
    ``qrcode``'s and tested equal to it module for module on ASCII payloads.
    """
    data = payload.encode("utf-8")
    if not data:
        raise LabelError("empty QR payload")
    eci = "" if data.isascii() else "0111" + "00011010"
    version = _qr_version(len(data) + (2 if eci else 0))
    template, order, blocks, gen_log = _plan(version)
    capacity = sum(d for _, d in blocks)
    bits = (eci + "0100" + format(len(data), "08b" if version <= 9 else "016b")
            + "".join(format(b, "08b") for b in data))
    if len(bits) > capacity * 8:  # the ECI header tipped it over: one version up
        version += 1
        if version > 40:
            raise LabelError(f"QR payload of {len(data)} bytes is too long")
        template, order, blocks, gen_log = _plan(version)
        capacity = sum(d for _, d in blocks)
        bits = (eci + "0100" + format(len(data), "08b" if version <= 9 else "016b")
                + "".join(format(b, "08b") for b in data))
    bits += "0" * min(4, capacity * 8 - len(bits))
    bits += "0" * (-len(bits) % 8)
    words = [int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)]
    words += [0xEC, 0x11] * ((capacity - len(words)) // 2 + 1)
    del words[capacity:]
    dc: list[list[int]] = []
    ecw: list[list[int]] = []
    off = 0
    for _total, count in blocks:
        block = words[off:off + count]
        off += count
        dc.append(block)
        ecw.append(_rs(block, gen_log))
    seq: list[int] = []
    for i in range(max(len(b) for b in dc)):
        seq.extend(b[i] for b in dc if i < len(b))
    for i in range(len(gen_log)):
        seq.extend(b[i] for b in ecw)
    stream = [bit for w in seq for bit in _BITS[w]]
    stream.extend([0] * (len(order) - len(stream)))
    m = [list(r) for r in template]
    for (r, c, mk), bit in zip(order, stream, strict=False):
        m[r][c] = bool(bit ^ mk)
    return m  # type: ignore[return-value]


def qr_matrix_reference(payload: str) -> list[list[bool]]:
    """The same symbol from ``qrcode`` alone (tests compare the fast encoder against it)."""
    data = payload.encode("utf-8")
    q = qrcode.QRCode(version=_qr_version(len(data)), error_correction=_EC_M, border=0,
                      mask_pattern=0)
    q.add_data(QRData(data, mode=MODE_8BIT_BYTE), optimize=0)
    q.make(fit=False)
    return [list(row) for row in q.modules]  # type: ignore[arg-type]


def qr_modules(payload: str) -> int:
    """Modules per side of the QR for ``payload`` (without quiet zone)."""
    return len(qr_matrix(payload))


def code128_widths(text: str) -> list[int]:
    """Alternating bar/space widths in modules, starting with a bar (start..stop symbols)."""
    if not text or any(ord(c) > 127 or ord(c) < 32 for c in text):
        raise LabelError(f"Code128 needs printable ASCII text, got {text!r}")
    c = Code128(text)
    c.validate()
    c.encode()
    pattern = c.decompose()
    return [(ord(ch.upper()) - ord("A") + 1) for ch in pattern]


def qr_ops(payload: str, x: float, y: float, size: float) -> str:
    """PDF operators filling the QR into the square (x, y, size) in points.

    Drawn in module units (one ``cm`` to scale), so every rectangle is four small integers:
    half the bytes and a third of the formatting time of point coordinates.
    """
    m = qr_matrix(payload)
    n = len(m)
    mod = size / (n + 2 * QR_BORDER)
    x0 = x + QR_BORDER * mod
    y0 = y + QR_BORDER * mod
    parts = [f"q {mod:.4f} 0 0 {mod:.4f} {x0:.2f} {y0:.2f} cm 0 g"]
    ap = parts.append
    for r, row in enumerate(m):
        yy = n - 1 - r
        c = 0
        while c < n:
            if row[c]:
                start = c
                c += 1
                while c < n and row[c]:
                    c += 1
                ap(f"{start} {yy} {c - start} 1.02 re")  # 2% overlap: no seams between rows
            else:
                c += 1
    ap("f Q")
    return "\n".join(parts)


def code128_ops(text: str, x: float, y: float, w: float, h: float) -> str:
    """PDF operators filling a Code128 of ``text`` into the box (quiet zones included)."""
    widths = code128_widths(text)
    total = sum(widths) + 2 * QUIET
    mod = w / total
    parts = [f"q {mod:.4f} 0 0 {h:.2f} {x:.2f} {y:.2f} cm 0 g"]
    pos = QUIET
    for i, wd in enumerate(widths):
        if i % 2 == 0:
            parts.append(f"{pos} 0 {wd} 1 re")
        pos += wd
    parts.append("f Q")
    return "\n".join(parts)
