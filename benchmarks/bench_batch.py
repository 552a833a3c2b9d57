"""Issue 13's four figures in one run, median and spread (min–max) over N runs:

- T_empty: papermill executing an empty notebook that imports the same
  libraries as the annual notebook (bench_job.IMPORTS), with the same kernel
  and kernel manager class as ``nianbao run`` (IPC transport), and stock
  jupyter_client kernel clients: the floor is what papermill itself needs.
  Also printed: the same with nianbao's kernel client
  (``kernelclient.QuickReadyClient``, ready without jupyter_client's 0.2 s
  IOPub drain), which ``nianbao run`` and ``batch`` use;
- single-job ratio: ``nianbao run`` (docx+html, the real command in a new
  process) / T_empty                                       target <= 1.3;
  also printed against the ``papermill`` command running the same empty
  notebook ("vs command": a command against a command);
- PDF ratio: the same job with PDF / without               target <= 1.3;
- R_batch: wall(``nianbao batch`` of 16 agencies with PDF, --workers 2)
  / (16 × T_empty / 2)                                     target <= 1.5;
- the batch's start-up (command start to the first job's start) and tail
  (the last job's end to the command's end), from each job's results.json
  (its mtime is the job's end, minus ``timings.total`` its start);
- peak memory of that batch: the sum of RSS over the batch's whole process
  tree (kernels, LibreOffice, helpers), sampled every 0.1 s with psutil
  (shared pages count once per process, so this overstates; the summed PSS
  is printed beside it)                                    target <= 1 GiB.

Every repetition times all of them back to back (pairs from the same run, so
the load of the moment affects both sides alike). If the jobs write the
optional ``timings`` field in results.json ({phase: seconds}), the median
per phase is printed too. The 16 agencies are copies of
examples/demo-agency/2024.xlsx (and 2023.xlsx as their priors) with the
agency name changed. Temporary folders are removed at the end.

    .venv/bin/python benchmarks/bench_batch.py              # -n 3, 16 agencies
    .venv/bin/python benchmarks/bench_batch.py --agencies 4 -n 1   # quick look
    .venv/bin/python benchmarks/bench_batch.py --launcher both     # forked vs new-process kernels

``--launcher``: how the batch workers start their kernels — ``fork`` (from
the worker's warm template, ``forkserver``; the default of ``nianbao
batch``), ``spawn`` (a new Python per kernel, as before; the batch is run
with NIANBAO_FORK_KERNELS=0) or ``both`` (each repetition runs the batch
both ways, back to back).

Absolute seconds depend on the machine's load; read the ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import nbformat
import papermill as pm
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_job import IMPORTS  # noqa: E402  (one definition of "the same libraries")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-agency"
#: Seconds of pause before each timed single run (the previous one's processes end).
SETTLE_S = 0.5
TARGETS = {"single": 1.3, "pdf": 1.3, "r_batch": 1.5, "peak_mib": 1024}


def nianbao_cmd() -> list[str]:
    """The installed ``nianbao`` command beside this Python, as staff run it."""
    script = Path(sys.executable).with_name("nianbao")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "nianbao"]


def papermill_cmd(notebook: Path, out: Path) -> list[str]:
    """The ``papermill`` command beside this Python running ``notebook`` in
    the nianbao kernel: the command-line counterpart of T_empty, for
    comparing with ``nianbao run``, which is a command too (it pays for
    starting Python and importing papermill; T_empty in-process does not)."""
    from nianbao.job import _kernel_name

    script = Path(sys.executable).with_name("papermill")
    base = [str(script)] if script.is_file() else [sys.executable, "-m", "papermill"]
    return [*base, "-k", _kernel_name(), "--no-progress-bar", str(notebook), str(out)]


def make_agencies(folder: Path, n: int) -> tuple[list[Path], Path]:
    """N workbooks of distinct agencies, and a folder with their priors (same file names)."""
    import openpyxl

    from nianbao.workbook import layout

    place = layout.place("meta.agency")
    current, prior = folder / "2024", folder / "2023"
    current.mkdir(parents=True)
    prior.mkdir()
    books = []
    for i in range(n):
        name = f"测试县第{i + 1:02d}局"
        for src, dst in ((DEMO / "2024.xlsx", current), (DEMO / "2023.xlsx", prior)):
            wb = openpyxl.load_workbook(src)
            wb[place.sheet][place.coord].value = name
            wb.save(dst / f"agency{i + 1:02d}.xlsx")
        books.append(current / f"agency{i + 1:02d}.xlsx")
    return books, prior


class PeakRSS:
    """Peak of the summed RSS of a process and all its descendants (bytes);
    also the peak summed PSS (shared pages divided among their users, so it
    does not count LibreOffice's or Python's libraries once per process),
    where the system reports it (Linux)."""

    def __init__(self, pid: int, every: float = 0.1):
        self.root = psutil.Process(pid)
        self.peak = 0
        self.peak_pss = 0
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            total = pss = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    info = p.memory_full_info()
                    total += info.rss
                    pss += getattr(info, "pss", 0)
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(cmd: list[str], sample_memory: bool = False, env: dict | None = None) -> tuple[float, PeakRSS | None]:
    """Wall seconds of a command (it must succeed), and its tree's memory peaks."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    sampler = PeakRSS(proc.pid) if sample_memory else None
    out, _ = proc.communicate()
    wall = time.perf_counter() - t
    if sampler:
        sampler.stop()
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{out[-2000:]}")
    return wall, sampler


def phase_timings(folders: list[Path], into: dict[str, list[float]]) -> None:
    """Collect results.json's optional {"timings": {phase: seconds}}."""
    for folder in folders:
        try:
            timings = json.loads((folder / "results.json").read_text(encoding="utf-8")).get("timings") or {}
        except (OSError, ValueError):
            continue
        for phase, seconds in timings.items():
            if isinstance(seconds, (int, float)):
                into[phase].append(float(seconds))


def job_span(folders: list[Path]) -> tuple[float, float]:
    """(when the first job started, when the last one ended), epoch seconds:
    each job's results.json is written as it ends (its mtime), ``timings.total``
    seconds after it started. The batch's start-up is the first minus the
    command's start; its tail, the command's end minus the last."""
    starts, ends = [], []
    for folder in folders:
        path = folder / "results.json"
        try:
            total = json.loads(path.read_text(encoding="utf-8"))["timings"]["total"]
            end = path.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError):
            continue
        starts.append(end - total)
        ends.append(end)
    if not ends:
        sys.exit("the batch's results.json have no timings.total")
    return min(starts), max(ends)


def pad(text: str, width: int) -> str:
    """Left-justify in a terminal, where a Chinese character takes two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    med = statistics.median(values)
    return f"{fmt.format(med):>8}   {fmt.format(min(values))}–{fmt.format(max(values))}"


def tag(launcher: str, args) -> str:
    """A figure's suffix naming the batch's kernel launcher (none for a single-launcher run)."""
    return f" [{launcher}]" if args.launcher == "both" else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=3, help="repetitions (default 3)")
    ap.add_argument("--agencies", type=int, default=16, help="agencies in the batch (default 16)")
    ap.add_argument("--workers", type=int, default=2, help="batch workers (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (to look at the outputs)")
    ap.add_argument("--launcher", choices=("fork", "spawn", "both"), default="fork",
                    help="batch kernels forked from a warm template, new processes, or both (default fork)")
    args = ap.parse_args()

    from nianbao.job import _kernel_manager_class, _kernel_name

    tmp = Path(tempfile.mkdtemp(prefix="nianbao-bench-batch-"))
    try:
        empty = tmp / "empty.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(IMPORTS)]
        nbformat.write(nb, empty)
        books, prior_dir = make_agencies(tmp / "agencies", args.agencies)
        cmd = nianbao_cmd()
        demo, demo_prior = DEMO / "2024.xlsx", DEMO / "2023.xlsx"

        def t_empty(quick: bool = False) -> float:
            t = time.perf_counter()
            pm.execute_notebook(str(empty), str(tmp / "empty-out.ipynb"), kernel_name=_kernel_name(),
                                progress_bar=False, kernel_manager_class=_kernel_manager_class(quick=quick))
            return time.perf_counter() - t

        t_empty()                                   # warm the file cache
        rows = defaultdict(list)
        launchers = ("fork", "spawn") if args.launcher == "both" else (args.launcher,)
        phases = {"run docx+html": defaultdict(list), "run +pdf": defaultdict(list),
                  **{f"batch jobs{tag(lc, args)}": defaultdict(list) for lc in launchers}}
        for rep in range(args.n):
            te = t_empty()
            out_html, out_pdf, out_batch = tmp / f"r{rep}-html", tmp / f"r{rep}-pdf", tmp / f"r{rep}-batch"
            # each after a pause (what ran before must have ended: T_empty's kernel exits after
            # papermill returns), and in alternating order, so neither side always goes first
            timed_runs = {}
            for name in (("html", "pdf") if rep % 2 == 0 else ("pdf", "html")):
                time.sleep(SETTLE_S)
                timed_runs[name], _ = timed([*cmd, "run", str(demo), "--prior", str(demo_prior), "-o",
                                             str(out_html if name == "html" else out_pdf), "--formats",
                                             "docx,html" if name == "html" else "docx,html,pdf", "-q"])
            single, with_pdf = timed_runs["html"], timed_runs["pdf"]
            time.sleep(SETTLE_S)
            te_cmd, _ = timed(papermill_cmd(empty, tmp / "empty-cmd-out.ipynb"))
            te_quick = t_empty(quick=True)
            rows["T_empty (s)"].append(te)
            rows["T_empty, nianbao's kernel client (s)"].append(te_quick)
            rows["T_empty, papermill command (s)"].append(te_cmd)
            rows["run docx+html (s)"].append(single)
            rows["run docx+html+pdf (s)"].append(with_pdf)
            rows["single-job ratio"].append(single / te)
            rows["single-job ratio vs command"].append(single / te_cmd)
            rows["single-job ratio vs T_empty with our client"].append(single / te_quick)
            rows["PDF ratio"].append(with_pdf / single)
            phase_timings([out_html], phases["run docx+html"])
            phase_timings([out_pdf], phases["run +pdf"])
            for lc in launchers:
                t = tag(lc, args)
                out = out_batch.with_name(f"{out_batch.name}-{lc}")
                env = dict(os.environ, NIANBAO_FORK_KERNELS="1" if lc == "fork" else "0")
                began = time.time()
                wall, mem = timed([*cmd, "batch", *map(str, books), "--prior-dir", str(prior_dir),
                                   "-o", str(out), "--formats", "docx,html,pdf",
                                   "--workers", str(args.workers)], sample_memory=True, env=env)
                made = sorted(out.glob("*/report.pdf"))
                if len(made) != len(books):
                    sys.exit(f"the batch made {len(made)} PDFs for {len(books)} agencies")
                rows[f"batch wall{t} (s)"].append(wall)
                rows[f"batch per agency{t} (s)"].append(wall / len(books))
                first, last = job_span(sorted(p for p in out.iterdir() if p.is_dir()))
                rows[f"batch first job start{t} (s)"].append(first - began)
                rows[f"batch tail{t} (s)"].append(began + wall - last)
                rows[f"R_batch{t}"].append(wall / (len(books) * te / args.workers))
                rows[f"batch peak RSS{t} (MiB)"].append(mem.peak / 2**20)
                if mem.peak_pss:
                    rows[f"batch peak PSS{t} (MiB)"].append(mem.peak_pss / 2**20)
                phase_timings(sorted(p for p in out.iterdir() if p.is_dir()), phases[f"batch jobs{t}"])
                print(f"run {rep + 1}/{args.n}: T_empty {te:.2f} s, run {single:.2f} s, +pdf {with_pdf:.2f} s, "
                      f"batch{t} {wall:.1f} s, peak RSS {mem.peak / 2**20:.0f} MiB, PSS {mem.peak_pss / 2**20:.0f} MiB",
                      file=sys.stderr, flush=True)

        print(f"\nnianbao batch benchmark: {args.agencies} agencies, {args.workers} workers, "
              f"median and min–max of {args.n} run(s); machine load varies, read the ratios")
        print(f"{'figure':36} {'median':>8}   min–max        target")
        target_of = {"single-job ratio": f"<= {TARGETS['single']}", "PDF ratio": f"<= {TARGETS['pdf']}",
                     "R_batch": f"<= {TARGETS['r_batch']}", "batch peak RSS": f"<= {TARGETS['peak_mib']}",
                     "batch peak PSS": f"<= {TARGETS['peak_mib']}"}
        for name, values in rows.items():
            fmt = "{:.0f}" if "MiB" in name else "{:.2f}"
            target = next((v for k, v in target_of.items() if name.startswith(k)), "")
            print(f"{name:36} {spread(values, fmt):24} {target}")
        for label, by_phase in phases.items():
            if by_phase:
                print(f"\nper-phase median (s), {label} (results.json timings, {max(map(len, by_phase.values()))} jobs):")
                for phase, values in by_phase.items():
                    print(f"  {pad(phase, 26)} {statistics.median(values):7.2f}")
        if not any(phases.values()):
            print("\n(no per-phase timings: the jobs' results.json have no \"timings\" field yet)")
    finally:
        if args.keep:
            print(f"kept: {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
