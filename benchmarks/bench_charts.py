"""The five charts' CPU per job (issue 13), old way vs new way, interleaved
in one run; medians and min–max.

Default (shared measurements, ``render.textcache`` and ``render.chartwarm``):

- in process: each round builds the demo's five figures and draws the
  publication PNG and the SVG (what one job draws); old = without the
  shared text measurements and font lookups, new = with them. CPU seconds
  (``time.process_time``); the published bytes of both are compared.
- forked (as the batch's fork server starts kernels): two template
  processes import the kernel's libraries (``kernelpool.PRELOAD``); the new
  one also runs ``chartwarm.warm()``; each round forks a child of each that
  draws the five charts once, cold; CPU seconds of the child.
- ``--kernel``: the shipped notebook through the real ``nianbao run``
  (docx+html); old = a cell after the import cell turns the shared
  measurements off; sums the papermill durations of the cells "图表·*" and
  "生成报告" (wall seconds, load-sensitive). A single run forks nothing, so
  ``warm()`` plays no part there.

``--drawn-once``: the earlier comparison (issue 13, item 4): IPython's inline
tight PNG + ``save`` drawing PNG and SVG again vs the publication PNG drawn
once for the display and reused by ``save``.

    .venv/bin/python benchmarks/bench_charts.py [-n 9] [--kernel [-k 5]] [--drawn-once]

Absolute seconds depend on the machine's load; look at the ratios.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
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


#: The old way inside the kernel for the shared measurements: switched off.
NO_SHARED_CELL = """\
import contextlib
import nianbao.render.chartpng as _cp

_cp.shared_text_metrics = contextlib.nullcontext
"""


def _demo():
    from nianbao.sources import load_report

    return load_report(DEMO / "2024.xlsx", documents=False), load_report(DEMO / "2023.xlsx")


def _draw_job(report, prior) -> tuple[float, bytes]:
    """What one job draws: the five figures, their PNG and SVG; (CPU s, bytes)."""
    from nianbao import charts as nc
    from nianbao.render import chartpng

    t0 = time.process_time()
    out = b""
    for fig in nc.standard(report, prior).values():
        out += chartpng.publication_png(fig) + chartpng.publication_svg(fig)
    return time.process_time() - t0, out


def _ratios(old: list[float], new: list[float]) -> None:
    med_old, med_new = statistics.median(old), statistics.median(new)
    ratios = [b / a for a, b in zip(old, new)]
    print(f"  ratio new/old (medians)                        {med_new / med_old:7.2f}"
          f"   saved {med_old - med_new:.3f} s per job")
    print(f"  ratio new/old per round                        {statistics.median(ratios):7.2f}"
          f"   ({min(ratios):.2f}–{max(ratios):.2f})")


def bench_shared(n: int) -> None:
    from nianbao.render import chartpng

    report, prior = _demo()
    shared = chartpng.shared_text_metrics
    ways = {"old": contextlib.nullcontext, "new": shared}
    times: dict[str, list[float]] = {k: [] for k in ways}
    drawn: dict[str, bytes] = {}
    try:
        for r in range(n + 1):                                 # round 0 warms imports and caches
            for name in (("old", "new") if r % 2 else ("new", "old")):
                chartpng.shared_text_metrics = ways[name]
                gc.collect()
                cpu, drawn[name] = _draw_job(report, prior)
                if r:
                    times[name].append(cpu)
    finally:
        chartpng.shared_text_metrics = shared
    print("In process: the demo's 5 charts built, PNG and SVG drawn (CPU seconds)")
    show("old: matplotlib's per-draw measurements", times["old"])
    show("new: shared measurements (render.textcache)", times["new"])
    _ratios(times["old"], times["new"])
    print(f"  published bytes identical (PNG and SVG):       {'yes' if drawn['old'] == drawn['new'] else 'NO'}")


def _template(warm: bool) -> None:
    """A fork-server-like template (run as ``bench_charts.py --template
    old|new``): imports, (warms,) then forks one child per line read on
    stdin; each child draws the demo's charts once and prints its CPU
    seconds and the digest of what it drew."""
    import hashlib

    from nianbao.kernelpool import PRELOAD

    exec(compile(PRELOAD, "<preload>", "exec"), {"__name__": "__preload__"})
    from nianbao.render import chartpng, chartwarm

    if warm:
        chartwarm.warm()
    else:
        chartpng.shared_text_metrics = contextlib.nullcontext
    report, prior = _demo()
    print("ready", flush=True)
    for _ in sys.stdin:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                cpu, out = _draw_job(report, prior)
                print(f"{cpu} {hashlib.sha256(out).hexdigest()}", flush=True)
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if status:
            print(f"error {status}", flush=True)


def bench_forked(n: int) -> None:
    templates = {name: subprocess.Popen([sys.executable, __file__, "--template", name], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)
                 for name in ("old", "new")}
    times: dict[str, list[float]] = {k: [] for k in templates}
    digests: dict[str, set[str]] = {k: set() for k in templates}
    try:
        for name, proc in templates.items():
            assert proc.stdout.readline().strip() == "ready", name
        for r in range(n):
            for name in (("old", "new") if r % 2 else ("new", "old")):
                proc = templates[name]
                proc.stdin.write("draw\n")
                cpu, digest = proc.stdout.readline().split()
                assert cpu != "error", (name, digest)
                times[name].append(float(cpu))
                digests[name].add(digest)
    finally:
        for proc in templates.values():
            proc.stdin.close()
            proc.wait(timeout=60)
    print("Forked from a template (as the batch's kernels): first draw of the 5 charts (CPU seconds)")
    show("old: template imports only", times["old"])
    show("new: template warmed (chartwarm.warm)", times["new"])
    _ratios(times["old"], times["new"])
    same = len(digests["old"]) == 1 and digests["old"] == digests["new"]
    print(f"  published bytes identical (PNG and SVG):       {'yes' if same else 'NO'}")


#: Cells put around the chart and report steps: the kernel's own CPU seconds.
CPU_START = "import time as _bench_time\n_bench_cpu = _bench_time.process_time()"
CPU_END = "print('bench-cpu', _bench_time.process_time() - _bench_cpu)"


def _with_cpu_cells(nb):
    import nbformat

    steps = [c.metadata.get("papermill_description") or "" for c in nb.cells]
    first = next(i for i, d in enumerate(steps) if d.startswith("图表·"))
    render = steps.index("生成报告")
    nb.cells.insert(render + 1, nbformat.v4.new_code_cell(CPU_END))
    nb.cells.insert(first, nbformat.v4.new_code_cell(CPU_START))
    return nb


def bench_kernel(k: int, drawn_once: bool = False) -> None:
    """``nianbao run`` with the shipped notebook (new) and with a cell that
    restores the old way (``OLD_WAY_CELL`` or ``NO_SHARED_CELL``)."""
    import nbformat

    from nianbao.job import NOTEBOOK

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = _with_cpu_cells(nbformat.read(NOTEBOOK, as_version=4))
        nbformat.write(nb, tmp / "new.ipynb")
        at = next(i for i, c in enumerate(nb.cells) if "nc.use_chinese_fonts()" in c.source) + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(OLD_WAY_CELL if drawn_once else NO_SHARED_CELL))
        nbformat.write(nb, tmp / "old.ipynb")
        notebooks = {"old": tmp / "old.ipynb", "new": tmp / "new.ipynb"}
        charts: dict[str, list[float]] = {"old": [], "new": []}
        render: dict[str, list[float]] = {"old": [], "new": []}
        cpu: dict[str, list[float]] = {"old": [], "new": []}
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
                old_display = drawn_once and name == "old"
                assert len(widths) == 5 and set(widths) == ({None} if old_display else {614}), (name, widths)
                charts[name].append(sum(v for d, v in steps.items() if d.startswith("图表")))
                render[name].append(steps.get("生成报告", 0.0))
                [printed] = [o["text"] for c in executed.cells if c.source == CPU_END for o in c.outputs
                             if o.get("name") == "stdout"]
                cpu[name].append(float(printed.split()[-1]))
    print("In the kernel: nianbao run (docx+html), papermill cell durations (wall seconds)")
    if drawn_once:
        old_c = show("old: cells 图表·* (draw + inline display)", charts["old"])
        new_c = show("new: cells 图表·* (draw + publication PNG)", charts["new"])
        old_r = show("old: cell 生成报告 (save PNG+SVG, docx, html)", render["old"])
        new_r = show("new: cell 生成报告 (save SVG, docx, html)", render["new"])
    else:
        old_c = show("old: cells 图表·* (per-draw measurements)", charts["old"])
        new_c = show("new: cells 图表·* (shared measurements)", charts["new"])
        old_r = show("old: cell 生成报告 (SVG, docx, html)", render["old"])
        new_r = show("new: cell 生成报告 (SVG, docx, html)", render["new"])
    print(f"  ratio new/old, 图表 + 生成报告 (medians)           {(new_c + new_r) / (old_c + old_r):7.2f}"
          f"   saved {old_c + old_r - new_c - new_r:.2f} s per job")
    print("In the kernel: CPU seconds of the kernel from the first 图表 cell to the end of 生成报告")
    show("old", cpu["old"])
    show("new", cpu["new"])
    _ratios(cpu["old"], cpu["new"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=9, help="rounds per way in process and forked (default 9)")
    ap.add_argument("--kernel", action="store_true", help="also through nianbao run")
    ap.add_argument("-k", type=int, default=5, help="nianbao runs per way with --kernel (default 5)")
    ap.add_argument("--drawn-once", action="store_true",
                    help="the earlier comparison: inline tight PNG + save vs the PNG drawn once")
    ap.add_argument("--template", choices=("old", "new"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.template:
        return _template(args.template == "new")
    if args.drawn_once:
        bench_in_process(args.n)
    else:
        bench_shared(args.n)
        bench_forked(args.n)
    if args.kernel:
        bench_kernel(args.k, drawn_once=args.drawn_once)


if __name__ == "__main__":
    main()
