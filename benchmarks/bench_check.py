"""nianbao check vs openpyxl alone loading the same workbook, side by side
in one run (median of N). Target: ratio <= 1.3.

    .venv/bin/python benchmarks/bench_check.py [WORKBOOK] [-n 15]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_time(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("workbook", nargs="?", default=str(ROOT / "examples/demo-agency/2024.xlsx"))
    ap.add_argument("-n", type=int, default=15)
    args = ap.parse_args()

    import openpyxl

    from nianbao.check import run_checks
    from nianbao.workbook.reader import read_workbook

    def baseline():
        openpyxl.load_workbook(args.workbook)

    def ours():
        run_checks(read_workbook(args.workbook)).render_text()

    ours()  # warm caches (regex compilation, imports) for both sides alike
    baseline()
    b = median_time(baseline, args.n)
    o = median_time(ours, args.n)
    print(f"in-process  openpyxl.load_workbook: {b * 1000:7.1f} ms   nianbao check: {o * 1000:7.1f} ms"
          f"   ratio {o / b:.2f}")

    py = sys.executable
    cmd_base = [py, "-c", f"import openpyxl; openpyxl.load_workbook({args.workbook!r})"]
    cmd_ours = [py, "-m", "nianbao", "check", args.workbook]
    run = lambda cmd: subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    n = max(3, args.n // 3)
    b = median_time(lambda: run(cmd_base), n)
    o = median_time(lambda: run(cmd_ours), n)
    print(f"command     python -c 'load_workbook': {b * 1000:7.1f} ms   nianbao check: {o * 1000:7.1f} ms"
          f"   ratio {o / b:.2f}")


if __name__ == "__main__":
    main()
