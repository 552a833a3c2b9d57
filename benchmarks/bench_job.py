"""The annual job (docx + html) vs papermill running an empty notebook that
imports the same libraries, in the same run, median of N. Target: <= 1.5.

    .venv/bin/python benchmarks/bench_job.py [-n 3]
"""
from __future__ import annotations

import argparse
import statistics
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
from nianbao.kernelpool import PRELOAD  # noqa: E402

#: The libraries a job's kernel imports (one definition: the kernels' preload).
IMPORTS = PRELOAD


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3)
    args = ap.parse_args()

    from nianbao.job import _kernel_manager_class, _kernel_name, run_job

    tmp = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        _measure(tmp, args.n, _kernel_manager_class, _kernel_name, run_job)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _measure(tmp: Path, n: int, _kernel_manager_class, _kernel_name, run_job) -> None:
    empty = tmp / "empty.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(IMPORTS)]
    nbformat.write(nb, empty)

    def baseline():
        pm.execute_notebook(str(empty), str(tmp / "empty-out.ipynb"), kernel_name=_kernel_name(),
                            progress_bar=False, kernel_manager_class=_kernel_manager_class())

    def job():
        r = run_job(ROOT / "examples/demo-agency/2024.xlsx", prior=ROOT / "examples/demo-agency/2023.xlsx",
                    output_dir=tmp / "job", formats=["docx", "html"], progress=False)
        assert r.exit_code == 0, r.render()

    times = {"baseline": [], "job": []}
    baseline()  # warm the OS file cache for both
    for _ in range(n):  # interleaved, so drift affects both alike
        for name, fn in (("baseline", baseline), ("job", job)):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    b, j = statistics.median(times["baseline"]), statistics.median(times["job"])
    print(f"papermill empty notebook (same imports): {b:6.2f} s")
    print(f"nianbao run (docx+html):                 {j:6.2f} s")
    print(f"ratio {j / b:.2f}  (median of {n})")
    ratios = sorted(jt / bt for jt, bt in zip(times["job"], times["baseline"]))
    print(f"spread: baseline {min(times['baseline']):.2f}–{max(times['baseline']):.2f} s, "
          f"job {min(times['job']):.2f}–{max(times['job']):.2f} s, "
          f"per-round ratio {ratios[0]:.2f}–{ratios[-1]:.2f}")


if __name__ == "__main__":
    main()
