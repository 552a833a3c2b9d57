"""What the two building blocks of issue 13 save per job, measured alone:

- PDF: the one-shot ``soffice --convert-to`` (render/pdf.py) vs the warm
  LibreOffice (render/office.py), the demo report's .docx, interleaved;
- kernel: papermill running the shipped notebook (docx+html) with its own
  kernel (start, run, shutdown awaited — today's job) vs with a kernel from
  the pool (started ahead, shutdown not awaited), in blocks A B B A so the
  pool's kernels really boot during the previous job.

    .venv/bin/python benchmarks/bench_parts.py [-n 3]

Medians and min–max; absolute seconds depend on the machine's load.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-agency"


def show(name: str, values: list[float]) -> float:
    med = statistics.median(values)
    print(f"  {name:44} {med:6.2f} s   ({min(values):.2f}–{max(values):.2f}, n={len(values)})")
    return med


def bench_pdf(tmp: Path, n: int) -> None:
    from nianbao.render import office, pdf, render_docx
    from nianbao.sources import load_report

    one_shot_pdf = getattr(pdf, "one_shot_pdf", pdf.docx_to_pdf)   # docx_to_pdf once it delegates to office

    docx = render_docx(load_report(DEMO / "2024.xlsx"), load_report(DEMO / "2023.xlsx"), tmp / "report.docx").path
    t = time.perf_counter()
    office.convert(docx, tmp / "first.pdf")
    first = time.perf_counter() - t
    one_shot, warm = [], []
    for i in range(n):
        t = time.perf_counter()
        one_shot_pdf(docx, tmp / f"one-{i}.pdf")
        one_shot.append(time.perf_counter() - t)
        t = time.perf_counter()
        office.convert(docx, tmp / f"warm-{i}.pdf")
        warm.append(time.perf_counter() - t)
    print(f"PDF of the demo report (warm server pid {office.status()['pid']}, {office.status()['starts']} start):")
    print(f"  {'warm LibreOffice, first conversion (starts it)':44} {first:6.2f} s")
    a, b = show("one-shot soffice --convert-to", one_shot), show("warm LibreOffice (office.convert)", warm)
    print(f"  saved per job: {a - b:.2f} s")
    office.shutdown()


def bench_kernel(tmp: Path, n: int) -> None:
    from nianbao.job import NOTEBOOK, _kernel_manager_class, _kernel_name
    from nianbao.kernelpool import KernelPool

    pool = KernelPool()
    params = {"workbook": str(DEMO / "2024.xlsx"), "prior_workbook": str(DEMO / "2023.xlsx"),
              "formats": ["docx", "html"]}
    own, pooled, waits = [], [], []
    count = iter(range(10**6))

    def job_own():
        d = tmp / f"k{next(count)}"
        d.mkdir()
        t = time.perf_counter()
        pm.execute_notebook(str(NOTEBOOK), str(d / "nb.ipynb"), parameters=params | {"output_dir": str(d)},
                            kernel_name=_kernel_name(), kernel_manager_class=_kernel_manager_class(),
                            progress_bar=False, cwd=str(d))
        own.append(time.perf_counter() - t)

    def job_pooled():
        d = tmp / f"k{next(count)}"
        d.mkdir()
        t = time.perf_counter()
        with pool.kernel(cwd=d) as km:
            pm.execute_notebook(str(NOTEBOOK), str(d / "nb.ipynb"), parameters=params | {"output_dir": str(d)},
                                kernel_name=pool.kernel_name, km=km, progress_bar=False, cwd=str(d))
        pooled.append(time.perf_counter() - t)
        waits.append(pool.last_wait_s)

    try:
        job_own()                                  # warm the file cache
        own.clear()
        pool.prestart()                            # a worker's first kernel starts with the worker
        for block in ("A", "B", "B", "A"):
            for _ in range(n):
                (job_own if block == "A" else job_pooled)()
    finally:
        pool.close()
    print("The shipped notebook (docx+html) under papermill, kernel start to release:")
    a = show("own kernel (start, run, shutdown awaited)", own)
    b = show("kernel from the pool (started ahead)", pooled)
    show("  of which: waiting for the pooled kernel", waits)
    print(f"  saved per job: {a - b:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--only", choices=("pdf", "kernel"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nianbao-bench-parts-"))
    try:
        if args.only in (None, "pdf"):
            bench_pdf(tmp, args.n)
        if args.only in (None, "kernel"):
            bench_kernel(tmp, args.n)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
