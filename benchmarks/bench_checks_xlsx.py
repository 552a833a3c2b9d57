"""checks.xlsx and the check step, old (openpyxl) vs new (the workbook's own
zip, ``annotate_xml``), side by side in one run (issue 13 item 4).

1. ``write_annotated`` alone, in this process, warm (median and min–max of N).
2. ``AnnualJob.check`` as the notebook runs it: a fresh process per sample
   that first imports what the kernel pool preloads (``kernelpool.PRELOAD``)
   and reads the workbook, then times the first (and only) check step;
   with ``--single``, without that preload, as a single ``nianbao run``'s
   own kernel does.
   Byte-code is cached in a temporary folder (PYTHONPYCACHEPREFIX) as on an
   installed nianbao, even where PYTHONDONTWRITEBYTECODE is set; one unmeasured
   run per side fills it.

    .venv/bin/python benchmarks/bench_checks_xlsx.py [WORKBOOK [PRIOR]] [-n 7]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEP = r"""
import json, sys, tempfile, time
from nianbao.kernelpool import PRELOAD
if sys.argv[4] == "preload":
    exec(PRELOAD)
import nianbao.check.annotate as annotate
if sys.argv[3] == "old":
    annotate.write_annotated = annotate.write_annotated_openpyxl
from nianbao.steps import AnnualJob
job = AnnualJob(sys.argv[1], sys.argv[2], tempfile.mkdtemp(), formats=["docx", "html"])
job.read()
t = time.perf_counter()
job.check()
print(json.dumps(time.perf_counter() - t))
"""


def spread(times: list[float]) -> str:
    return (f"median {statistics.median(times) * 1000:6.1f} ms  "
            f"(min {min(times) * 1000:6.1f}, max {max(times) * 1000:6.1f}, n={len(times)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("workbook", nargs="?", default=str(ROOT / "examples/demo-agency/2024.xlsx"))
    ap.add_argument("prior", nargs="?", default="")
    ap.add_argument("-n", type=int, default=7)
    ap.add_argument("--single", action="store_true", help="no kernel-pool preload (a single run's kernel)")
    args = ap.parse_args()
    if args.workbook.endswith("demo-agency/2024.xlsx") and not args.prior:
        args.prior = str(ROOT / "examples/demo-agency/2023.xlsx")

    from nianbao.check import run_checks
    from nianbao.check.annotate import write_annotated, write_annotated_openpyxl
    from nianbao.workbook.reader import read_workbook

    result = run_checks(read_workbook(args.workbook), read_workbook(args.prior) if args.prior else None)
    out = Path(tempfile.mkdtemp()) / "checks.xlsx"
    times = {"old": [], "new": []}
    write_annotated(args.workbook, result, out)              # warm both sides alike
    write_annotated_openpyxl(args.workbook, result, out)
    for _ in range(args.n):                                  # interleaved: load changes hit both
        for side, fn in (("old", write_annotated_openpyxl), ("new", write_annotated)):
            t = time.perf_counter()
            fn(args.workbook, result, out)
            times[side].append(time.perf_counter() - t)
    print(f"{args.workbook}  ({len(result.findings)} findings)")
    for side in ("old", "new"):
        print(f"  write_annotated {side} (in process, warm): {spread(times[side])}")
    print(f"  ratio new/old (medians): {statistics.median(times['new']) / statistics.median(times['old']):.2f}")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="pyc-")

    def step(side: str) -> float:
        run = subprocess.run([sys.executable, "-c", STEP, args.workbook, args.prior, side,
                              "single" if args.single else "preload"],
                             capture_output=True, text=True, check=True, env=env)
        return json.loads(run.stdout.strip().splitlines()[-1])

    steps = {"old": [], "new": []}
    step("old"), step("new")                                 # fill the byte-code cache
    for _ in range(args.n):
        for side in ("old", "new"):
            steps[side].append(step(side))
    for side in ("old", "new"):
        how = "read only" if args.single else "PRELOAD + read"
        print(f"  AnnualJob.check {side} (fresh process after {how}): {spread(steps[side])}")
    print(f"  ratio new/old (medians): {statistics.median(steps['new']) / statistics.median(steps['old']):.2f}")


if __name__ == "__main__":
    main()
