"""Printouts checked the way a person would: the PDF rendered to PNG by poppler (pdftoppm), each
label position cropped and its QR / Code128 decoded by zbar (pyzbar); Chinese text present
(pdffonts / pdftotext); ZPL structure and scaling; CSV formula neutralisation."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

from netcmdb.errors import LabelError
from netcmdb.labeling.items import LabelItem, qr_payload
from netcmdb.labeling.print_csv import render_csv
from netcmdb.labeling.print_pdf import render_labels, render_walk_sheet
from netcmdb.labeling.print_zpl import label_zpl, render_zpl
from netcmdb.labeling.templates import Template, get_template

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftoppm") or not shutil.which("pdftotext"),
    reason="poppler-utils (pdftoppm, pdftotext) not installed",
)


NOTO_CFF = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _have_cjk_font() -> bool:
    from netcmdb.labeling import cjkfont

    try:
        cjkfont.font_path()
    except LabelError:
        return False
    return True


cjk_font = pytest.mark.skipif(
    not _have_cjk_font(), reason="no CJK TrueType font (apt-get install fonts-droid-fallback)"
)


def items(n: int, room_name: str = "Lab 3") -> list[LabelItem]:
    out = []
    for i in range(n):
        label = f"D010210-{i + 1:03d}"
        out.append(
            LabelItem(
                label=label,
                name=f"pc-lab-{i + 1}",
                ci_class="pc",
                qr=qr_payload("netcmdb:ci:{id}:{label}", id=100 + i, label=label),
                room_name=room_name if i % 2 else "计算机房",
                owner="张三",
                ci_id=100 + i,
            )
        )
    return out


def pages(pdf: Path, dpi: int, tmp: Path) -> list[Image.Image]:
    prefix = tmp / pdf.stem
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    files = sorted(tmp.glob(f"{pdf.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [Image.open(f).convert("L") for f in files]


def decode_slots(page: Image.Image, tpl: Template, dpi: int) -> list[dict[str, str]]:
    """Per label position: {'QRCODE': data, 'CODE128': data} of what zbar reads there."""
    ph = page.size[1]
    out = []
    for idx in range(tpl.per_page):
        x, y = tpl.position(idx)
        w, h = tpl.label
        box = (
            round(x / 25.4 * dpi),
            round(ph - (y + h) / 25.4 * dpi),
            round((x + w) / 25.4 * dpi),
            round(ph - y / 25.4 * dpi),
        )
        found = {r.type: r.data.decode("utf-8") for r in pyzbar.decode(page.crop(box))}
        out.append(found)
    return out


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    m = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    assert m is not None, info.stdout
    return int(m.group(1))


@pytest.mark.parametrize(
    ("template", "n", "dpi"), [("L7160", 25, 200), ("L7651", 70, 300), ("roll62", 3, 200)]
)
def test_pdf_labels_decode_at_their_positions(
    tmp_path: Path,
    template: str,
    n: int,
    dpi: int,
) -> None:
    tpl = get_template(template)
    its = items(n)
    pdf = tmp_path / "labels.pdf"
    res = render_labels(its, tpl, pdf, workers=1)
    expected_pages = -(-n // tpl.per_page)
    assert res == {"labels": n, "pages": expected_pages}
    assert pdf_pages(pdf) == expected_pages
    decoded = [slot for page in pages(pdf, dpi, tmp_path) for slot in decode_slots(page, tpl, dpi)]
    assert len(decoded) == expected_pages * tpl.per_page
    for i, it in enumerate(its):
        assert decoded[i].get("QRCODE") == it.qr, f"label {i}"
        assert decoded[i].get("CODE128") == it.label, f"label {i}"
    assert all(not slot for slot in decoded[n:]), "unused positions are blank"
    assert sum("QRCODE" in s for s in decoded) == n


def test_start_at_skips_used_positions(tmp_path: Path) -> None:
    tpl = get_template("L7160")
    its = items(20)
    pdf = tmp_path / "partial.pdf"
    assert render_labels(its, tpl, pdf, start_at=5, workers=1)["pages"] == 2
    decoded = [s for p in pages(pdf, 200, tmp_path) for s in decode_slots(p, tpl, 200)]
    assert [bool(s) for s in decoded[:4]] == [False] * 4
    assert [s.get("QRCODE") for s in decoded[4:24]] == [it.qr for it in its]
    assert not any(decoded[24:])
    with pytest.raises(
        LabelError,
        match=r"--start-at 22: template L7160 has 21 labels per "
        r"sheet \(1..21\)",
    ):
        render_labels(its, tpl, tmp_path / "x.pdf", start_at=22)
    with pytest.raises(LabelError, match="1..1"):
        render_labels(its, get_template("roll62"), tmp_path / "x.pdf", start_at=2)
    assert not (tmp_path / "x.pdf").exists()


def test_parallel_and_serial_rendering_agree(tmp_path: Path) -> None:
    tpl = get_template("L7651")
    its = items(450)  # above PARALLEL_MIN
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_labels(its, tpl, a, workers=1)
    render_labels(its, tpl, b, workers=2)
    assert a.read_bytes() == b.read_bytes()  # invariant=1: byte-identical output


def embedded_fonts(pdf: Path) -> dict[str, tuple[str, str, str]]:
    """``pdffonts``: font name -> (emb, sub, uni)."""
    out = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = {}
    for line in out[2:]:
        cols = line.split()
        rows[cols[0]] = (cols[-5], cols[-4], cols[-3])  # ... emb sub uni object ID
    return rows


def cjk_face() -> str:
    from reportlab.pdfbase import pdfmetrics

    from netcmdb.labeling import cjkfont

    cjkfont.ensure_registered()
    return pdfmetrics.getFont(cjkfont.CJK_FONT).face.name.decode()


@cjk_font
def test_chinese_text_is_in_an_embedded_font_subset_and_extractable(tmp_path: Path) -> None:
    pdf = tmp_path / "cjk.pdf"
    render_labels(items(3), get_template("L7160"), pdf, workers=1)
    fonts = embedded_fonts(pdf)
    cjk = {name: flags for name, flags in fonts.items() if name.endswith("+" + cjk_face())}
    assert cjk and all(flags == ("yes", "yes", "yes") for flags in cjk.values()), fonts
    # only base-14 Latin fonts are left unembedded; no CJK font a viewer would have to supply
    assert {n for n, f in fonts.items() if f[0] == "no"} <= {"Helvetica", "Helvetica-Bold"}
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "计算机房" in text and "张三" in text and "D010210-001" in text
    assert "Lab 3" in text  # Latin runs next to CJK stay Helvetica and extractable


@cjk_font
def test_mixed_latin_and_chinese_line_keeps_both(tmp_path: Path) -> None:
    pdf = tmp_path / "mixed.pdf"
    it = LabelItem(
        label="D010210-001",
        name="pc-lab-1",
        ci_class="pc",
        qr="q",
        room_name="Lab 3 计算机房 (West)",
        owner="张三 Zhang",
        ci_id=1,
    )
    render_labels([it], get_template("L7160"), pdf, workers=1)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Lab 3 计算机房 (West)" in text and "张三 Zhang" in text


def test_without_a_cjk_font_latin_labels_print_and_chinese_ones_say_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netcmdb.labeling import cjkfont

    monkeypatch.setattr(cjkfont, "SYSTEM_FONTS", ())
    monkeypatch.delenv(cjkfont.ENV, raising=False)
    latin = [LabelItem(label="D010210-001", name="pc-1", ci_class="pc", qr="q", ci_id=1)]
    render_labels(latin, get_template("L7160"), tmp_path / "latin.pdf", workers=1)
    assert set(embedded_fonts(tmp_path / "latin.pdf")) <= {"Helvetica", "Helvetica-Bold"}
    with pytest.raises(LabelError, match="apt-get install fonts-droid-fallback"):
        render_labels(items(2), get_template("L7160"), tmp_path / "cjk.pdf", workers=1)
    assert not (tmp_path / "cjk.pdf").exists()
    monkeypatch.setenv(cjkfont.ENV, str(tmp_path / "nope.ttf"))
    with pytest.raises(LabelError, match="NETCMDB_CJK_FONT=.*nope.ttf: no such font file"):
        render_walk_sheet("D010210", "计算机房", [], tmp_path / "walk.pdf")


@pytest.mark.skipif(not Path(NOTO_CFF).exists(), reason="fonts-noto-cjk (a CFF font) not installed")
def test_a_cff_font_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netcmdb.labeling import cjkfont

    monkeypatch.setenv(cjkfont.ENV, NOTO_CFF)
    with pytest.raises(LabelError, match="cannot embed this font"):
        render_labels(items(2), get_template("L7160"), tmp_path / "cjk.pdf", workers=1)


def test_untrusted_strings_do_not_break_the_pdf(tmp_path: Path) -> None:
    evil = LabelItem(
        label="D010210-001",
        name="(bad) \\ name\x00\x1b[31m" + "x" * 300,
        ci_class="pc",
        qr="netcmdb:ci:1:D010210-001",
        room_name="<b>机房</b>",
        owner="=cmd|' /C calc'!A0",
    )
    pdf = tmp_path / "evil.pdf"
    render_labels([evil], get_template("L7160"), pdf, workers=1)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "(bad) \\ name" in text and "\x00" not in text and "\x1b" not in text


def test_nothing_to_print_and_bad_directory(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="nothing to print"):
        render_labels([], get_template("L7160"), tmp_path / "a.pdf")
    with pytest.raises(LabelError, match="does not exist"):
        render_labels(items(1), get_template("L7160"), tmp_path / "no" / "a.pdf")
    with pytest.raises(LabelError, match="unknown label template 'L9999'"):
        get_template("L9999")


def test_extra_template_file(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text("[tiny]\npage = [100, 50]\ncolumns = 2\nrows = 1\nlabel = [50, 50]\n")
    tpl = get_template("tiny", f)
    assert tpl.per_page == 2
    f.write_text("[huge]\npage = [100, 50]\ncolumns = 3\nrows = 1\nlabel = [50, 50]\n")
    with pytest.raises(LabelError, match="does not fit on the page"):
        get_template("huge", f)


@cjk_font
def test_walk_sheet(tmp_path: Path) -> None:
    pdf = tmp_path / "walk.pdf"
    rows = [
        {
            "seat": i,
            "label": f"D010210-{i:03d}",
            "name": f"pc-{i}",
            "class": "pc",
            "mac": f"00:11:22:33:44:{i:02x}",
            "serial": f"SN{i}",
            "ip": f"10.0.0.{i}",
        }
        for i in range(1, 41)
    ]
    res = render_walk_sheet("D010210", "计算机房", rows, pdf)
    assert res["rows"] == 40 and res["pages"] == pdf_pages(pdf) >= 2
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    assert "D010210" in text and "计算机房" in text and "pc-40" in text
    assert "netcmdb label walk D010210" in text


# ---- ZPL -------------------------------------------------------------------------------------
def test_zpl_structure_and_dpi_scaling(tmp_path: Path) -> None:
    its = items(5)
    out203, out300 = tmp_path / "a.zpl", tmp_path / "b.zpl"
    render_zpl(its, get_template("L7160"), out203, dpi=203)
    render_zpl(its, get_template("L7160"), out300, dpi=300)
    for path in (out203, out300):
        z = path.read_text("utf-8")
        blocks = re.findall(r"\^XA.*?\^XZ", z, re.S)
        assert z.count("^XA") == z.count("^XZ") == len(blocks) == 5
        for it, block in zip(its, blocks, strict=True):
            assert "^BQN,2," in block and f"^FDMA,{it.qr}^FS" in block
            assert re.search(r"\^BCN,\d+,N,N,N\^FH\^FD" + re.escape(it.label) + r"\^FS", block)
            assert "^CI28" in block
    pw = [
        int(re.search(r"\^PW(\d+)", p.read_text()).group(1))  # type: ignore[union-attr]
        for p in (out203, out300)
    ]
    assert pw == [round(63.5 / 25.4 * 203), round(63.5 / 25.4 * 300)]
    mags = [
        int(re.search(r"\^BQN,2,(\d+)", p.read_text()).group(1))  # type: ignore[union-attr]
        for p in (out203, out300)
    ]
    assert mags[1] > mags[0]
    with pytest.raises(LabelError, match="600 dpi"):
        label_zpl(its[0], get_template("L7160"), 600)


def test_zpl_escapes_untrusted_text() -> None:
    it = LabelItem(
        label="D010210-001", name="x^XZ^XA~JR_y\nz", ci_class="pc", qr="q^x", room_name="机房"
    )
    z = label_zpl(it, get_template("L7651"), 300)
    assert z.count("^XA") == 1 and z.count("^XZ") == 1 and "~" not in z
    assert "x_5EXZ_5EXA_7EJR_5Fy z" in z and "MA,q_5Ex" in z
    assert "^A@N" in z  # CJK line uses the printer's TrueType font


# ---- CSV -------------------------------------------------------------------------------------
def test_csv_neutralises_formulas_and_keeps_chinese(tmp_path: Path) -> None:
    its = items(2) + [
        LabelItem(
            label="D010210-099",
            name='=HYPERLINK("http://x")',
            ci_class="pc",
            qr="netcmdb:ci:9",
            owner="+1-2",
            room_name="@x",
        )
    ]
    out = tmp_path / "labels.csv"
    assert render_csv(its, out) == {"labels": 3}
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel / P-touch
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 3
    assert rows[0]["room_name"] == "计算机房" and rows[0]["qr"] == its[0].qr
    assert rows[2]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[2]["owner"] == "'+1-2" and rows[2]["room_name"] == "'@x"
