"""The table-driven QR encoder produces exactly qrcode's symbol (same version, mask 0), and the
symbols decode; Code128 widths are well-formed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pyzbar import pyzbar

from netcmdb.errors import LabelError
from netcmdb.labeling.codes import code128_widths, qr_matrix, qr_matrix_reference, qr_modules


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(min_codepoint=0, max_codepoint=127), min_size=1, max_size=400))
def test_fast_qr_equals_qrcode(payload: str) -> None:
    assert qr_matrix(payload) == qr_matrix_reference(payload)


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60))
def test_any_unicode_payload_decodes_as_utf8(payload: str) -> None:
    got = pyzbar.decode(_image(qr_matrix(payload)))
    assert [g.data.decode("utf-8") for g in got] == [payload]


def _image(m: list[list[bool]], scale: int = 4, border: int = 4) -> Image.Image:
    n = len(m)
    im = Image.new("L", (n + 2 * border, n + 2 * border), 255)
    px = im.load()
    for r, row in enumerate(m):
        for c, v in enumerate(row):
            if v:
                px[c + border, r + border] = 0
    return im.resize(((n + 2 * border) * scale,) * 2, Image.NEAREST)


@pytest.mark.parametrize(
    "payload",
    [
        "netcmdb:ci:1:D010210-001",
        "https://cmdb.example.edu/ci/12345?label=HQ-SW-D010210-001",
        "计算机房 D01B110-003",
        "x" * 150,  # version 8 (two block groups)
        "y" * 300,  # version 12: 16-bit length field
        "机" * 120,  # ECI header near a version boundary
    ],
)
def test_qr_decodes(payload: str) -> None:
    m = qr_matrix(payload)
    assert len(m) == qr_modules(payload)
    got = pyzbar.decode(_image(m))
    assert [g.data.decode("utf-8") for g in got] == [payload]


def test_code128_widths() -> None:
    w = code128_widths("D010210-009")
    assert len(w) % 2 == 1  # starts and ends with a bar
    # every symbol is 11 modules, the stop pattern 13
    assert (sum(w) - 13) % 11 == 0
    with pytest.raises(LabelError, match="printable ASCII"):
        code128_widths("计算机")
