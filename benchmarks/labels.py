"""Benchmark: 10,000 labels with QR + Code128 into one PDF (target <= 10 s).

Baselines measured in the same run:
* ``text only``: the same PDF, same layout, without the QR and Code128 (reportlab text drawing);
* ``reportlab widgets``: QrCodeWidget + Code128 drawn through reportlab.graphics (the obvious
  implementation), on a sample of labels because it is slow, reported as labels/s.

Run:  cd <repo> && PYTHONPATH=.. python benchmarks/labels.py [--n 10000] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas

from netcmdb.labeling.codes import MM
from netcmdb.labeling.items import LabelItem
from netcmdb.labeling.print_csv import render_csv
from netcmdb.labeling.print_pdf import render_labels
from netcmdb.labeling.print_zpl import render_zpl
from netcmdb.labeling.templates import get_template


def make_items(n: int) -> list[LabelItem]:
    out = []
    for i in range(n):
        room = i // 40
        label = f"D{room // 100 % 100:02d}{room // 10 % 10:02d}{room % 10:02d}-{i % 40 + 1:03d}"
        out.append(
            LabelItem(
                label=label,
                name=f"pc-{i:05d}.campus.example.edu",
                ci_class="pc",
                qr=f"https://cmdb.example.edu/ci/{i + 1}",
                ci_id=i + 1,
                room_name="计算机房" if i % 3 == 0 else "Lab",
                owner="张三" if i % 2 else "IT",
            )
        )
    return out


def widgets_baseline(items: list[LabelItem], out: Path) -> float:
    """QR + Code128 through reportlab.graphics widgets, same positions, no text."""
    tpl = get_template("L7160")
    lay = tpl.layout_boxes()
    w, h = tpl.page
    t0 = time.perf_counter()
    c = Canvas(str(out), pagesize=(w * MM, h * MM))
    for n, it in enumerate(items):
        slot = n % tpl.per_page
        if n and slot == 0:
            c.showPage()
        x, y = tpl.position(slot)
        q = QrCodeWidget(it.qr, barLevel="M")
        b = q.getBounds()
        size = lay.qr.w * MM
        d = Drawing(size, size, transform=[size / (b[2] - b[0]), 0, 0, size / (b[3] - b[1]), 0, 0])
        d.add(q)
        renderPDF.draw(d, c, (x + lay.qr.x) * MM, (y + lay.qr.y) * MM)
        bc = Code128(it.label, barHeight=lay.barcode.h * MM, barWidth=0.25 * MM, quiet=0)
        bc.drawOn(c, (x + lay.barcode.x) * MM, (y + lay.barcode.y) * MM)
    c.showPage()
    c.save()
    return time.perf_counter() - t0


CPU: dict[str, float] = {}


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn, *a, **kw) -> float:  # type: ignore[no-untyped-def]
    """Wall seconds; CPU seconds (this process + reaped workers) go to CPU[last]."""
    c0 = _cpu()
    t0 = time.perf_counter()
    fn(*a, **kw)
    wall = time.perf_counter() - t0
    CPU["last"] = _cpu() - c0
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--widget-sample", type=int, default=200)
    ap.add_argument("--out-dir", default=None)
    args = ap.parse_args()
    out = Path(args.out_dir or tempfile.mkdtemp(prefix="netcmdb-bench-labels-"))
    items = make_items(args.n)
    tpl = get_template("L7160")
    rows: list[tuple[str, int, float, float]] = []

    def add(name: str, n: int, wall: float) -> None:
        rows.append((name, n, wall, CPU["last"]))

    add(
        "text only (baseline, no codes)",
        args.n,
        timed(render_labels, items, tpl, out / "text.pdf", codes=False, workers=1),
    )
    sample = items[: args.widget_sample]
    add(
        "reportlab QrCodeWidget + Code128 (codes only)",
        len(sample),
        timed(widgets_baseline, sample, out / "widgets.pdf"),
    )
    add(
        "netcmdb PDF, QR + Code128, 1 process",
        args.n,
        timed(render_labels, items, tpl, out / "serial.pdf", workers=1),
    )
    add(
        f"netcmdb PDF, QR + Code128, {os.cpu_count()} processes",
        args.n,
        timed(render_labels, items, tpl, out / "labels.pdf", workers=os.cpu_count()),
    )
    add(
        "netcmdb PDF, QR + Code128, default (idle CPUs)",
        args.n,
        timed(render_labels, items, tpl, out / "labels.pdf"),
    )
    add("netcmdb ZPL 203 dpi", args.n, timed(render_zpl, items, tpl, out / "labels.zpl", dpi=203))
    add("netcmdb CSV", args.n, timed(render_csv, items, out / "labels.csv"))
    base = rows[0][1] / rows[0][2]
    print(f"{'what':50} {'labels':>7} {'wall s':>7} {'CPU s':>6} {'labels/s':>9} {'vs text':>8}")
    for name, n, sec, cpu in rows:
        rate = n / sec
        print(f"{name:50} {n:7d} {sec:7.2f} {cpu:6.2f} {rate:9.0f} {rate / base:8.2f}")
    size = (out / "labels.pdf").stat().st_size
    print(
        f"\nPDF: {out / 'labels.pdf'} ({size / 1e6:.1f} MB, "
        f"{-(-args.n // tpl.per_page)} pages); load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
