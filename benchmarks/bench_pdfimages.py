"""What the chart stand-ins (``render/pdfimages.py``) save per PDF: the warm
LibreOffice (``office.convert``) converting the demo report with its five
standard charts, with stand-ins and without (``NIANBAO_PDF_STANDINS=0``,
LibreOffice compressing the pictures itself), interleaved in one process
with one LibreOffice; wall time and LibreOffice's CPU time per conversion.

    .venv/bin/python benchmarks/bench_pdfimages.py [-n 15]

Medians and min–max, and the median of the paired ratios.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-agency"


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of the processes in process group ``pgid``."""
    total = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=15, help="conversions of each kind (default 15)")
    n = ap.parse_args().n
    sys.path.insert(0, str(ROOT / "lib"))
    from nianbao import charts as nc
    from nianbao import reportjson
    from nianbao.render import office, pdfimages, render_docx

    with tempfile.TemporaryDirectory(prefix="bench-pdfimages-") as tmp:
        tmp = Path(tmp)
        report, prior = reportjson.load(DEMO / "2024.json"), reportjson.load(DEMO / "2023.json")
        images = nc.save(nc.standard(report, prior), tmp / "charts", svg=False)
        docx = render_docx(report, prior, tmp / "report.docx", charts=images).path
        office.convert(docx, tmp / "first.pdf")                 # starts LibreOffice
        pgid = office.status()["pid"]
        wall: dict[str, list[float]] = {"stand-ins": [], "LibreOffice's own": []}
        cpu: dict[str, list[float]] = {k: [] for k in wall}
        for i in range(n):
            for name in (list(wall) if i % 2 == 0 else list(wall)[::-1]):
                os.environ[pdfimages.ENV_SWITCH] = "1" if name == "stand-ins" else "0"
                c, t = group_cpu(pgid), time.perf_counter()
                office.convert(docx, tmp / f"{i}.pdf")
                wall[name].append(time.perf_counter() - t)
                cpu[name].append(group_cpu(pgid) - c)
        office.shutdown()
    print(f"office.convert of the demo report with {len(images)} charts, {n} of each, interleaved:")
    for name in wall:
        w, c = wall[name], cpu[name]
        print(f"  {name:18} wall {statistics.median(w):.3f} s ({min(w):.3f}–{max(w):.3f})"
              f"   LibreOffice CPU {statistics.median(c):.2f} s ({min(c):.2f}–{max(c):.2f})")
    a, b = wall["LibreOffice's own"], wall["stand-ins"]
    ratios = [y / x for x, y in zip(a, b)]
    print(f"  stand-ins / LibreOffice's own: {statistics.median(ratios):.2f} "
          f"({min(ratios):.2f}–{max(ratios):.2f}); saved {statistics.median(a) - statistics.median(b):.3f} s")


if __name__ == "__main__":
    main()
