"""Charts drawn once (issue 13, item 4): the old way vs the new way, in the
same run, interleaved.

- in process (default): the demo's five charts, drawn afresh each round
  (not timed), then timed from the notebook's inline display to the files:
  old = IPython's inline PNG (``bbox_inches="tight"``, as matplotlib-inline
  does it) + ``save`` drawing PNG and SVG again; new = the publication PNG
  drawn once for the display (``render.chartpng``) + ``save`` reusing it
  (SVG drawn). Also: the published files of both ways are compared.
- ``--kernel``: the shipped notebook through the real ``nianbao run``
  (docx+html), old way emulated by a cell after the import cell that puts
  the inline formatter back and turns the chart display off; sums the
  papermill durations of the cells "图表·*" and "生成报告".

    .venv/bin/python benchmarks/bench_charts.py [-n 7] [--kernel [-k 5]]

Medians and min–max; absolute seconds depend on the machine's load; look at
the ratio.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-agency"

#: The old way inside the kernel: IPython's inline formatter for figures and
#: no chart display (so ``save`` draws PNG and SVG, as before issue 13).
OLD_WAY_CELL = """\
from IPython import get_ipython
from matplotlib.figure import Figure
import nianbao.charts as _nc

_png = get_ipython().display_formatter.formatters["image/png"]
_png.for_type(Figure, _png.lookup_by_type(Figure).previous)
_nc.register_display = lambda: False
"""


def show(name: str, values: list[float], unit: str = "s") -> float:
    med = statistics.median(values)
    print(f"  {name:46} {med:7.3f} {unit}   ({min(values):.3f}–{max(values):.3f}, n={len(values)})")
    return med


def bench_in_process(n: int) -> None:
    import matplotlib
    from IPython.core.pylabtools import print_figure

    from nianbao import charts as nc
    from nianbao.render import chartpng
    from nianbao.render.fonts import chart_rc
    from nianbao.sources import load_report

    report, prior = load_report(DEMO / "2024.xlsx", documents=False), load_report(DEMO / "2023.xlsx")

    def old_write(fig, path: Path, fmt: str) -> None:      # nianbao.charts._write before issue 13
        kw = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
        with matplotlib.rc_context(chart_rc()):
            fig.savefig(path, format=fmt, dpi=150, facecolor="white",
                        metadata={"Software": None} if fmt == "png" else {"Creator": None, "Date": None}, **kw)

    def old_way(charts: dict, folder: Path) -> None:
        for fig in charts.values():
            print_figure(fig, "png", bbox_inches="tight")      # the notebook's inline display
        for i, fig in enumerate(charts.values(), 1):
            old_write(fig, folder / f"chart-{i}.png", "png")
            old_write(fig, folder / f"chart-{i}.svg", "svg")

    def new_way(charts: dict, folder: Path) -> None:
        for fig in charts.values():
            chartpng.publication_png(fig)                      # the notebook's inline display
        nc.save(charts, folder)

    ways = {"old": old_way, "new": new_way}
    times: dict[str, list[float]] = {k: [] for k in ways}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(n + 1):                                 # round 0 warms fonts and caches
            for name in (("old", "new") if r % 2 else ("new", "old")):
                charts = nc.standard(report, prior)
                folder = Path(tmp) / f"{name}{r}"
                folder.mkdir()
                gc.collect()
                t0 = time.perf_counter()
                ways[name](charts, folder)
                if r:
                    times[name].append(time.perf_counter() - t0)
        same = all((Path(tmp) / f"old{n}" / f).read_bytes() == (Path(tmp) / f"new{n}" / f).read_bytes()
                   for f in [f"chart-{i}.{ext}" for i in range(1, 6) for ext in ("png", "svg")])
    print("In process: the demo's 5 charts, inline display + save (PNG and SVG)")
    old = show("old: inline tight PNG + save PNG + SVG", times["old"])
    new = show("new: publication PNG once + save SVG", times["new"])
    print(f"  ratio new/old (median)                         {new / old:7.2f}")
    ratios = [b / a for a, b in zip(times["old"], times["new"])]
    print(f"  ratio new/old per round                        {statistics.median(ratios):7.2f}"
          f"   ({min(ratios):.2f}–{max(ratios):.2f})")
    print(f"  published files identical (PNG and SVG):       {'yes' if same else 'NO'}")


def bench_kernel(k: int) -> None:
    import nbformat

    from nianbao.job import NOTEBOOK

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = nbformat.read(NOTEBOOK, as_version=4)
        at = next(i for i, c in enumerate(nb.cells) if "nc.use_chinese_fonts()" in c.source) + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(OLD_WAY_CELL))
        nbformat.write(nb, tmp / "old.ipynb")
        notebooks = {"old": tmp / "old.ipynb", "new": NOTEBOOK}
        charts: dict[str, list[float]] = {"old": [], "new": []}
        render: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(k):
            for name in (("old", "new") if r % 2 else ("new", "old")):
                out = tmp / f"{name}{r}"
                subprocess.run([sys.executable, "-m", "nianbao", "run", str(DEMO / "2024.xlsx"), "--prior",
                                str(DEMO / "2023.xlsx"), "-o", str(out), "-q", "--formats", "docx,html",
                                "--notebook", str(notebooks[name])], check=True, capture_output=True)
                executed = nbformat.read(out / "notebook.ipynb", as_version=4)
                steps = {}
                for c in executed.cells:
                    desc = c.metadata.get("papermill_description") or ""
                    steps[desc] = steps.get(desc, 0.0) + (c.metadata.get("papermill", {}).get("duration") or 0.0)
                widths = [o.get("metadata", {}).get("image/png", {}).get("width") for c in executed.cells
                          if (c.metadata.get("papermill_description") or "").startswith("图表·") for o in c.outputs
                          if "image/png" in o.get("data", {})]
                assert len(widths) == 5 and set(widths) == ({None} if name == "old" else {614}), (name, widths)
                charts[name].append(sum(v for d, v in steps.items() if d.startswith("图表")))
                render[name].append(steps.get("生成报告", 0.0))
    print("In the kernel: nianbao run (docx+html), papermill cell durations")
    old_c = show("old: cells 图表·* (draw + inline display)", charts["old"])
    new_c = show("new: cells 图表·* (draw + publication PNG)", charts["new"])
    old_r = show("old: cell 生成报告 (save PNG+SVG, docx, html)", render["old"])
    new_r = show("new: cell 生成报告 (save SVG, docx, html)", render["new"])
    print(f"  ratio new/old, 图表 + 生成报告 (medians)           {(new_c + new_r) / (old_c + old_r):7.2f}"
          f"   saved {old_c + old_r - new_c - new_r:.2f} s per job")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=7, help="rounds in process (default 7)")
    ap.add_argument("--kernel", action="store_true", help="also through nianbao run")
    ap.add_argument("-k", type=int, default=5, help="nianbao runs per way with --kernel (default 5)")
    args = ap.parse_args()
    bench_in_process(args.n)
    if args.kernel:
        bench_kernel(args.k)


if __name__ == "__main__":
    main()
