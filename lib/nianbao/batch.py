"""Many agencies at once: one idempotent job per workbook, run on any
``concurrent.futures.Executor`` — a process pool by default, or a Dask
cluster's ``Client(...).get_executor()`` when one machine is not enough —
and a status board built from the jobs' summaries (their ``results.json``).

Each job writes only under its own folder (``OUTROOT/<agency>-<year>``,
the same whatever the order of the batch), so a re-run breaks nothing: every
job replaces only its own outputs. Two inputs of one agency and year are
refused before any job starts.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InputError, NianbaoError, Problem
from .job import check_utf8_path, default_outdir, run_job, safe_name
from .workbook.reader import read_workbook

STATUS_ZH = {"ok": "完成", "errors": "数字有错误", "bad-input": "输入有误", "busy": "文件夹正被占用", "failed": "作业失败",
             "interrupted": "未运行（批量被中断）"}


@dataclass(frozen=True)
class BatchJob:
    workbook: str
    prior: str | None = None
    output_dir: str | None = None
    formats: tuple[str, ...] = ("docx", "html", "pdf")
    notebook: str | None = None                      # an analyst's own notebook for every agency
    params: tuple[tuple[str, object], ...] = ()      # its extra parameters (name, value)


def _run_one(job: BatchJob) -> dict:
    """Runs in a worker process; returns the job's results.json content.
    The worker is set up once (``worker.ensure``: its libraries imported, a
    kernel started ahead, the warm LibreOffice served to its kernels), also
    on a Dask worker, which gets no initializer."""
    from . import worker

    worker.ensure(pdf="pdf" in job.formats)
    result = run_job(job.workbook, prior=job.prior, output_dir=job.output_dir, formats=list(job.formats),
                     progress=False, notebook=job.notebook, params=dict(job.params))
    return dict(result.summary, outdir=str(result.outdir), exit_code=result.exit_code)


@dataclass(frozen=True)
class Warm:
    """What ``warm_start`` started: ``pdf``, the warm LibreOffice is served;
    ``template``, the address of the batch's kernel template
    (``forkserver.Template``), None when kernels are not forked."""
    pdf: bool
    template: str | None


@contextlib.contextmanager
def warm_start(pdf: bool = True) -> Iterator[Warm]:
    """Start, for a batch's own process pool, what its first jobs need and
    what takes longest to start — the one kernel template its workers' fork
    servers are forked from (when ``forkserver.available()``) and, with
    ``pdf``, the warm LibreOffice served to every worker's kernels — and
    return at once: both boot in their own processes while this one goes on
    (``nianbao batch`` enters this before ``plan`` reads the workbooks).
    Both end when the block ends, also on an error or Ctrl-C; and with this
    process even on SIGKILL (``PR_SET_PDEATHSIG``). Call it from the thread
    that runs the batch (the processes die with the thread that started them)."""
    from . import forkserver

    with contextlib.ExitStack() as stack:
        template = None
        if forkserver.available():
            template = forkserver.Template()
            try:
                template.start()
                stack.callback(template.close)
            except OSError:
                template = None       # each worker starts its own, as a Dask worker does
        if pdf:
            stack.enter_context(_served_office())
        yield Warm(pdf, template.address if template is not None else None)


def run_batch(jobs: Iterable[BatchJob], executor: Executor | None = None, max_workers: int | None = None,
              on_done: Callable[[dict], None] | None = None, warm: Warm | None = None) -> list[dict]:
    """Run every job; return their summaries in the order given.

    Processes, not threads: papermill's working-directory handling is not
    thread-safe, and each job starts its own kernel anyway. With our own
    process pool, this process serves one warm LibreOffice to every worker's
    kernels (``render.office``, started before the workers are made), each
    worker's kernels are forked from a fork server forked from the batch's
    one template (``forkserver.Template``), and each worker starts its next
    kernel while a job runs (``worker.init``); all end with the batch.
    ``warm``: what the caller already started with ``warm_start`` (else it
    is started here, and ended when the batch ends); ignored with a
    caller's ``executor``, whose workers set themselves up (``worker.ensure``)."""
    jobs = list(jobs)
    own = executor is None
    stack = contextlib.ExitStack()
    if own:
        pdf = any("pdf" in job.formats for job in jobs)
        if warm is None:
            warm = stack.enter_context(warm_start(pdf))
        executor = stack.enter_context(own_pool(default_workers(len(jobs), max_workers), pdf, warm))
    finished, futures = False, {}
    try:
        futures = {executor.submit(_run_one, job): i for i, job in enumerate(jobs)}
        out: list[dict | None] = [None] * len(jobs)
        pending = set(futures)
        with _signals_between_jobs() as signals:
            while pending:
                ended, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in ended:
                    i = futures[fut]
                    try:
                        out[i] = fut.result()
                    except Exception as e:  # a worker died: say so for this agency, keep the others
                        out[i] = {"status": "failed", "workbook": jobs[i].workbook,
                                  "error": f"{type(e).__name__}: {e}", "exit_code": 3}
                    if on_done:
                        on_done(out[i])
                if signals:
                    raise KeyboardInterrupt if signals[0] == signal.SIGINT else SystemExit(128 + signals[0])
        finished = True
        return [o for o in out if o is not None]
    finally:
        if not finished:          # Ctrl-C, SIGTERM or an error: start no queued job
            for fut in futures:       # also for a caller's executor (Dask): cancel what has not started
                fut.cancel()
        stack.close()


@contextlib.contextmanager
def _signals_between_jobs() -> Iterator[list[int]]:
    """While the batch waits for its jobs, Ctrl-C (SIGINT) and SIGTERM are
    noted in the yielded list and ``run_batch`` raises KeyboardInterrupt or
    SystemExit(143) itself, between two jobs' results, instead of Python
    raising it in whatever the main thread runs at that instant (a
    finalizer printed "Exception ignored … Traceback"; an import was left
    half done). The previous handlers are back afterwards. Outside the main
    thread nothing changes (signals cannot be handled there)."""
    import threading

    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return
    previous = {s: signal.signal(s, lambda signum, frame: noted.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield noted
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def default_workers(jobs: int, asked: int | None = None) -> int:
    """Workers of a batch's own pool: as ``asked`` (default one per CPU
    core), no more than there are jobs (all are started at once), at least one."""
    return max(1, min(jobs, asked or os.cpu_count() or 2))


@contextlib.contextmanager
def own_pool(workers: int, pdf: bool, warm: Warm) -> Iterator[ProcessPoolExecutor]:
    """The batch's own process pool, its ``workers`` started at once (they
    set themselves up, ``worker.init``, while the caller still plans the
    jobs); shut down (waiting for the workers) when the block ends.

    The workers' libraries are imported here first (``worker.preload``):
    the workers are forked from this process and inherit them. Each worker
    dies with this process, even when it is killed (SIGKILL): no job goes
    on unseen. ``warm``: what ``warm_start`` started (the served
    LibreOffice, the template address handed to every worker)."""
    from . import worker

    worker.preload()
    executor = ProcessPoolExecutor(max_workers=workers, initializer=worker_init,
                                   initargs=(pdf, True, os.getpid(), warm.template))
    try:
        for _ in range(workers):      # one submit starts one more worker while none is idle
            executor.submit(os.getpid)
        yield executor
    except BaseException:             # Ctrl-C, SIGTERM, an error: do not wait for ever
        _stop_workers(executor)
        raise
    executor.shutdown(cancel_futures=True)


#: Seconds the jobs running when a batch is interrupted get to finish (each
#: publishes whole or not at all) before their workers are killed.
STOP_GRACE_S = 30.0


def _stop_workers(executor: ProcessPoolExecutor, grace: float | None = None) -> None:
    """End an interrupted pool: no queued job starts; the running ones get
    ``grace`` seconds (default ``STOP_GRACE_S``), then their workers are
    killed (their kernels die with them). A worker interrupted itself
    (Ctrl-C reaches the whole process group in a terminal) could otherwise
    wait a minute for a kernel that the same Ctrl-C stopped, and the batch
    with it. A second Ctrl-C during the wait kills at once."""
    import time

    grace = STOP_GRACE_S if grace is None else grace
    workers = list((getattr(executor, "_processes", None) or {}).values())
    try:
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
    finally:
        for w in workers:
            if w.is_alive():
                w.kill()
        for w in workers:
            w.join(5)


@contextlib.contextmanager
def closing_behind(stack: contextlib.ExitStack) -> Iterator[None]:
    """Close ``stack`` (e.g. ``warm_start``: LibreOffice, the template) in a
    background thread while the block runs (the batch's tables are
    written meanwhile); wait for it when the block ends."""
    import threading

    closer = threading.Thread(target=stack.close, name="nianbao-batch-close")
    closer.start()
    try:
        yield
    finally:
        closer.join()


def warm_tables() -> None:
    """Import what ``status_board`` and the board need (pandas), so the
    batch's tail does not: call it while the jobs run, when this process
    is idle (``nianbao batch`` does, at the first finished job)."""
    from . import board, csvout  # noqa: F401
    import pandas  # noqa: F401


def worker_init(pdf: bool, kernels: bool = True, parent: int | None = None, template: str | None = None) -> None:
    """A batch worker's initializer (``worker.init``; a module-level
    function so that a process pool can pickle it). ``parent``: the batch's
    pid; the worker dies with it, even on SIGKILL. ``template``: the
    address of the batch's kernel template (``Warm.template``)."""
    from . import worker

    worker.init(pdf=pdf, kernels=kernels, parent=parent, template=template)


@contextlib.contextmanager
def _served_office():
    """The warm LibreOffice, served to the batch's workers for the batch's
    duration; ended afterwards (also after an error or Ctrl-C) if it was
    not running before."""
    from .render import office

    before = office.status()["pid"] is not None
    try:
        with office.serving():
            office.prestart()
            yield
    finally:                      # also when the batch is refused or interrupted
        if not before:
            office.shutdown()


def folder_name(workbook: Path, agency: str | None, year: int | None) -> str:
    """One folder per agency and year, named as ``nianbao run`` names it
    (``<agency>-<year>``), whatever the file is called or the batch's order,
    so a renamed workbook re-runs into the same folder. A workbook that
    cannot be read is named after its file (plus a short hash of its path)."""
    if agency and year:
        return default_outdir(workbook, year, agency).name
    stem = safe_name(workbook.stem, "agency")
    return f"{stem}-{hashlib.sha1(str(workbook.resolve()).encode()).hexdigest()[:6]}"


def _identity(path: Path, board: bool = False) -> tuple[str | None, int | None]:
    """(agency, year) of a workbook, (None, None) if it cannot be read.
    ``board``: keep its figures for the status board (``board.remember``:
    the batch's tail then does not read it again)."""
    try:
        r = read_workbook(path)
    except NianbaoError:
        return None, None            # the job itself will say what is wrong with it
    if board:
        from . import board as status_board

        try:
            status_board.remember(path, r)
        except Exception:
            pass                     # the board reads it again
    return r.agency or None, r.year


def plan(workbooks: Iterable[str | Path], outroot: str | Path, prior_dir: str | Path | None = None,
         formats: tuple[str, ...] = ("docx", "html", "pdf"), notebook: str | Path | None = None,
         params: dict | None = None) -> list[BatchJob]:
    """One job per workbook. The prior is the workbook in ``prior_dir`` (or its
    sub-folders) of the same agency for the year before (or, failing that, of
    the same file name). ``notebook``/``params``: as for ``run_job``, for every job."""
    from .inputs import collect_workbooks

    priors: dict[tuple[str, int], Path] = {}
    if prior_dir is not None:
        if not Path(prior_dir).is_dir():
            raise InputError(Problem("prior-dir", "找不到上年工作簿所在的文件夹", file=str(prior_dir),
                                     fix="检查 --prior-dir 给出的路径"))
        for p in collect_workbooks([prior_dir])[0]:
            agency, year = _identity(p)
            if agency and year:
                priors.setdefault((agency, year), p)
    jobs = []
    workbooks = [Path(wb) for wb in workbooks]
    for wb in workbooks:                 # a name we cannot write into results or status.csv
        check_utf8_path(wb, "工作簿文件")
    identities = {wb: _identity(wb, board=True) for wb in workbooks}
    _refuse_duplicates(identities)
    for wb, (agency, year) in identities.items():
        prior = priors.get((agency, year - 1)) if agency and year else None
        if prior is None and prior_dir is not None and (Path(prior_dir) / wb.name).is_file():
            prior = Path(prior_dir) / wb.name
        jobs.append(BatchJob(str(wb), str(prior) if prior else None,
                             str(Path(outroot) / folder_name(wb, agency, year)), formats,
                             str(notebook) if notebook else None, tuple((params or {}).items())))
    return jobs


def _refuse_duplicates(identities: dict[Path, tuple[str | None, int | None]]) -> None:
    """Two inputs of one agency and year (a draft and a revised copy) would
    race for one folder: refuse the batch before any job starts, naming both."""
    seen: dict[tuple[str, int], list[Path]] = {}
    for wb, (agency, year) in identities.items():
        if agency and year:
            seen.setdefault((agency, year), []).append(wb)
    dups = {k: v for k, v in seen.items() if len(v) > 1}
    if dups:
        raise InputError([Problem(
            "batch-duplicate", f"{agency} {year} 年度有 {len(files)} 个工作簿：" + "、".join(f"“{f}”" for f in files)
            + "；同一机关同一年度只能有一个，批量作业未开始",
            fix="只保留其中一个（如修订后的那份），把其他的移出本批次后重新运行")
            for (agency, year), files in dups.items()])


def status_board(summaries: Iterable[dict]):
    """A DataFrame, one row per job, from the jobs' summaries (what
    ``run_batch`` returns, or each folder's results.json): who, status,
    findings and key figures — the 政务公开办's view of the whole batch."""
    import pandas as pd

    rows = []
    for r in summaries:
        problems = r.get("problems") or []
        note = problems[0].get("message") if problems else (r.get("error") or "")
        findings = r.get("findings", {})
        status = STATUS_ZH.get(r.get("status"), r.get("status"))
        if r.get("status") == "ok" and findings.get("error"):
            status = "已生成（有错误）"
        row = {"机关": r.get("agency"), "年度": r.get("year"), "状态": status,
               "错误": findings.get("error"), "警告": findings.get("warning"),
               "工作簿": Path(r.get("workbook") or "").name, "说明": note, "文件夹": r.get("outdir")}
        for k in r.get("key_figures", []):
            row[k["name"]] = k["value"]
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)   # keep counts as integers beside blank rows

