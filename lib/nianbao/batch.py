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
             "interrupted": "未运行（批量被中断）", "stopped": "已开始，被中断（未完成）"}


@dataclass(frozen=True)
class BatchJob:
    workbook: str
    prior: str | None = None
    output_dir: str | None = None
    formats: tuple[str, ...] = ("docx", "html", "pdf")
    notebook: str | None = None                      # an analyst's own notebook for every agency
    params: tuple[tuple[str, object], ...] = ()      # its extra parameters (name, value)


def _run_one(job: BatchJob, index: int | None = None) -> dict:
    """Runs in a worker process; returns the job's results.json content.
    The worker is set up once (``worker.ensure``: its libraries imported, a
    kernel started ahead, the warm LibreOffice served to its kernels), also
    on a Dask worker, which gets no initializer. ``index``: the job's place
    in the batch; in the batch's own pool a job taken after the batch was
    interrupted does not start and returns ``{"not_started": True}``."""
    from . import worker

    if not worker.begin_job(index):
        return {"not_started": True, "workbook": job.workbook}
    try:
        worker.ensure(pdf="pdf" in job.formats)
        result = run_job(job.workbook, prior=job.prior, output_dir=job.output_dir, formats=list(job.formats),
                         progress=False, notebook=job.notebook, params=dict(job.params))
    finally:
        worker.end_job()
    return dict(result.summary, outdir=str(result.outdir), exit_code=result.exit_code)


class Control:
    """What a batch shares with its own pool's workers, in shared memory
    without a lock (a worker killed at any instant leaves nothing locked):
    ``stopping``, set when the batch is interrupted (a worker then starts
    no further job, ``worker.begin_job``); ``started[i]``, the pid of the
    worker that started job ``i`` (0: not started). ``slots``: how many
    jobs can be recorded (at least the batch's number of jobs)."""

    def __init__(self, slots: int):
        import multiprocessing

        self._stop = multiprocessing.RawValue("b", 0)
        self.started = multiprocessing.RawArray("i", max(1, slots))

    @property
    def stopping(self) -> bool:
        return bool(self._stop.value)

    def stop(self) -> None:
        self._stop.value = 1

    def mark_started(self, index: int | None, pid: int) -> None:
        if index is not None and 0 <= index < len(self.started):
            self.started[index] = pid

    def started_by(self, index: int) -> int:
        """The pid of the worker that started job ``index``, 0 if none did."""
        return self.started[index] if 0 <= index < len(self.started) else 0


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
    caller's ``executor``, whose workers set themselves up (``worker.ensure``).

    Interrupted (Ctrl-C, SIGTERM, noted between two results): no further job
    starts; the running ones get ``STOP_GRACE_S`` seconds (none after a
    second signal), then their workers are killed. Every job then has its
    summary — its own if it ended, ``"stopped"`` if it had started,
    ``"interrupted"`` (not run) otherwise — and KeyboardInterrupt (SIGINT)
    or SystemExit(128 + signal) is raised, those summaries in its
    ``results`` attribute.

    A worker of our own pool that dies (SIGKILL, out of memory) fails only
    the job it was running (``"failed"``, a Chinese message naming the
    agency, recorded in a new job folder's results.json so that the board
    agrees); the jobs not yet started go on in a new pool (once)."""
    jobs = list(jobs)
    with contextlib.ExitStack() as stack:
        if executor is None:
            pdf = any("pdf" in job.formats for job in jobs)
            if warm is None:
                warm = stack.enter_context(warm_start(pdf))
            executor = stack.enter_context(own_pool(default_workers(len(jobs), max_workers), pdf, warm,
                                                    slots=len(jobs)))
        return _Run(jobs, executor, on_done, stack).results()


class _Run:
    """``run_batch``'s jobs on one executor, then (after a worker died) on
    its replacement; ``out[i]``, job i's summary once known."""

    def __init__(self, jobs: list[BatchJob], executor: Executor, on_done: Callable[[dict], None] | None,
                 stack: contextlib.ExitStack):
        from datetime import datetime, timezone

        self.jobs, self.executor, self.on_done, self.stack = jobs, executor, on_done, stack
        self.control: Control | None = executor.control if isinstance(executor, BatchPool) else None
        self.since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.out: list[dict | None] = [None] * len(jobs)
        self.pending: dict = {}                  # future -> job index
        self.retried = False
        self.deadline: float | None = None      # once interrupted: when the running jobs' workers are killed

    def results(self) -> list[dict]:
        """Run all jobs (see ``run_batch``)."""
        with _signals_between_jobs(self.control) as signals:
            try:
                self._submit(range(len(self.jobs)))
                while self.pending:
                    ended, _ = wait(list(self.pending), timeout=0.2, return_when=FIRST_COMPLETED)
                    # a future the pool cancelled at shutdown never wakes wait(): looked at here
                    ended = set(ended) | {f for f in self.pending if f.cancelled()}
                    broken = [i for i in (self._collect(f) for f in ended) if i is not None]
                    if broken:
                        self._recover(broken, signals)
                    if signals:
                        self._stop(len(signals))
            finally:
                if self.pending:                  # an error here: start no queued job (also on Dask)
                    self._cancel_queued()
        if signals:
            raise _interruption(signals[0], self.out)
        return self.out

    def _submit(self, indices: Iterable[int]) -> None:
        own = isinstance(self.executor, BatchPool)
        for i in indices:
            fut = self.executor.submit(_run_one, self.jobs[i], i) if own else self.executor.submit(_run_one, self.jobs[i])
            self.pending[fut] = i

    def _cancel_queued(self) -> None:
        """Start none of the jobs not yet handed to a worker. A process
        pool cancels them itself (``shutdown``): a future cancelled from
        here while the pool still lists it makes the pool's thread fail
        with InvalidStateError when a worker then dies (Python 3.11)."""
        if isinstance(self.executor, ProcessPoolExecutor):
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:
            for fut in self.pending:
                fut.cancel()

    def _finish(self, i: int, summary: dict) -> None:
        self.out[i] = summary
        if self.on_done:
            self.on_done(summary)

    def _collect(self, fut) -> int | None:
        """Record an ended future's summary; return its job's index if its
        pool broke (a worker died) instead."""
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        i = self.pending.pop(fut)
        job = self.jobs[i]
        try:
            summary = fut.result()
        except BrokenProcessPool:
            return i
        except CancelledError:
            summary = self._unfinished(i)
        except BaseException as e:    # raised by the job in its worker (what this process raises is noted)
            summary = _row(job, "failed", f"作业在工作进程中出错（{type(e).__name__}: {e}）；重新运行本命令即可补上")
        else:
            if summary.get("not_started"):
                summary = _row(job, "interrupted", NOT_RUN)
        self._finish(i, summary)
        return None

    def _unfinished(self, i: int, died: bool = False) -> dict:
        """The summary of job ``i`` whose result did not come: its
        results.json if this batch wrote it, else ``"failed"`` (``died``:
        its worker died) or ``"stopped"`` if it had started, else
        ``"interrupted"`` (not run)."""
        job = self.jobs[i]
        found = _results_since(job, self.since)
        if found is not None:
            return found
        if self.control is not None and self.control.started_by(i):
            return _recorded(_row(job, "failed", _died(job)) if died else _row(job, "stopped", STOPPED))
        return _row(job, "interrupted", NOT_RUN)

    def _stop(self, signals: int) -> None:
        """Interrupted: tell the workers (no further job starts), cancel what
        is queued; after the grace (or a second signal) end the workers and
        settle the jobs still running."""
        import time

        if self.deadline is None:
            if self.control is not None:
                self.control.stop()
            self._cancel_queued()
            self.deadline = time.monotonic() + STOP_GRACE_S
        if self.pending and (signals > 1 or time.monotonic() >= self.deadline):
            if isinstance(self.executor, ProcessPoolExecutor):
                settled = time.monotonic() + 2.0      # the pool has cancelled what it had not handed out
                while any(not f.running() and not f.done() for f in self.pending) and time.monotonic() < settled:
                    time.sleep(0.02)
                _kill(_processes(self.executor))
            else:
                self._cancel_queued()
            for i in list(self.pending.values()):
                self._finish(i, self._unfinished(i))
            self.pending.clear()

    def _recover(self, broken: list[int], signals: list[int]) -> None:
        """A worker of the pool died and the pool with it (``broken``: jobs
        whose futures said so). Its other workers finish their running jobs
        and leave (``worker._on_sigterm``); then each broken job is settled —
        its results.json if it ended, failed if it had started — and those
        not started go to a new pool like the old one (once; with a caller's
        pool, or a second time, they fail)."""
        import time

        old = self.executor
        wait(list(self.pending), timeout=10)            # the pool fails all its futures at once
        for fut in [f for f in self.pending if f.done()]:
            i = self._collect(fut)
            if i is not None:
                broken.append(i)
        procs = _processes(old)
        deadline = time.monotonic() + STOP_GRACE_S
        while any(p.is_alive() for p in procs) and time.monotonic() < deadline and len(signals) < 2:
            time.sleep(0.1)
        _kill(procs)
        retry = []
        for i in sorted(broken):
            summary = self._unfinished(i, died=not signals)
            if summary["status"] != "interrupted" or signals:
                self._finish(i, summary)
            elif self.retried or not isinstance(old, BatchPool):
                self._finish(i, _recorded(_row(self.jobs[i], "failed", _died(self.jobs[i], started=False))))
            else:
                retry.append(i)
        if retry:
            self.retried = True
            self.executor = self.stack.enter_context(
                own_pool(min(len(retry), old.workers), old.pdf, old.warm, control=old.control))
            self._submit(retry)


#: What the status table says of a job the interrupted batch did not start.
NOT_RUN = "批量被中断，本机关的作业未运行（文件夹中如有上次的结果，保持不变）"
#: Seconds the jobs running when a batch is interrupted get to finish (each
#: publishes whole or not at all) before their workers are killed.
STOP_GRACE_S = 30.0
#: … of a job that had started and did not end within the grace.
STOPPED = (f"批量被中断时本机关的作业正在运行，{STOP_GRACE_S:.0f} 秒内没有完成，已强行结束"
           "（文件夹中如有上次的结果，保持不变）；重新运行本命令即可补上")


def _died(job: BatchJob, started: bool = True) -> str:
    """The message for a job whose worker died (``started``) or whose
    replacement pool broke too before it started."""
    name = _agency_name(job)
    if started:
        return (f"运行“{name}”作业的工作进程意外退出（可能内存不足或被结束），作业没有完成"
                "（文件夹中如有上次的结果，保持不变）；重新运行本命令即可补上")
    return f"工作进程接连意外退出，“{name}”的作业未能运行；重新运行本命令即可补上"


def _agency_name(job: BatchJob) -> str:
    from .board import known_meta

    return known_meta(job.workbook).get("agency") or Path(job.workbook).name


def _row(job: BatchJob, status: str, error: str) -> dict:
    """A summary written by the batch for a job that did not write its own
    (``status``: "interrupted", "stopped", "failed")."""
    from datetime import datetime, timezone

    from .board import known_meta

    meta = known_meta(job.workbook)
    return {"status": status, "workbook": str(Path(job.workbook).resolve()), "outdir": job.output_dir,
            "agency": meta.get("agency"), "year": meta.get("year"), "exit_code": 3, "error": error,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _recorded(summary: dict) -> dict:
    """Write ``summary`` as its job folder's results.json when the folder
    has none (a new folder: the board then shows what the status table
    says); a folder with an earlier run keeps that run's summary, as a
    job refused for bad input does. Returns ``summary``."""
    from .fsutil import atomic_write_json

    folder = Path(summary.get("outdir") or "")
    target = folder / "results.json"
    try:
        if summary.get("outdir") and not target.exists() and not target.is_symlink():
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_json(target, {k: v for k, v in summary.items() if k not in ("outdir", "exit_code")})
    except OSError:
        pass                          # the status table still says it
    return summary


def _results_since(job: BatchJob, since: str) -> dict | None:
    """The job's results.json if a run of its workbook started at or after
    ``since`` (ISO time, UTC, seconds) wrote it, else None."""
    import json

    from .job import JobResult

    try:
        summary = json.loads((Path(job.output_dir or "") / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(summary, dict) and str(summary.get("started") or "") >= since
            and os.path.realpath(summary.get("workbook") or "") == os.path.realpath(job.workbook)):
        return None
    try:
        code = JobResult(summary.get("status"), Path(job.output_dir), summary).exit_code
    except KeyError:
        code = 3
    return summary | {"outdir": job.output_dir, "exit_code": code}


def _interruption(signum: int, results: list[dict | None]) -> BaseException:
    """KeyboardInterrupt (SIGINT) or SystemExit(128 + signum), carrying every job's summary."""
    e: BaseException = KeyboardInterrupt() if signum == signal.SIGINT else SystemExit(128 + signum)
    e.results = results              # type: ignore[attr-defined]
    return e


def _processes(executor) -> list:
    """The worker processes of a process pool (those it started first, for our own)."""
    return list(getattr(executor, "processes", None) or (getattr(executor, "_processes", None) or {}).values())


def _kill(processes: list) -> None:
    """SIGKILL the processes still alive (their kernels die with them) and reap them."""
    for w in processes:
        if w.is_alive():
            w.kill()
    for w in processes:
        w.join(5)


@contextlib.contextmanager
def _signals_between_jobs(control: "Control | None" = None) -> Iterator[list[int]]:
    """While the batch waits for its jobs, Ctrl-C (SIGINT) and SIGTERM are
    noted in the yielded list (and ``control`` told to stop at once, so
    that no worker starts another job) and ``run_batch`` raises
    KeyboardInterrupt or SystemExit(143) itself, between two jobs' results,
    instead of Python raising it in whatever the main thread runs at that
    instant (a finalizer printed "Exception ignored … Traceback"; an import
    was left half done). The previous handlers are back afterwards. Outside
    the main thread nothing changes (signals cannot be handled there)."""
    import threading

    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return

    def note(signum, frame) -> None:
        if control is not None:
            control.stop()
        noted.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield noted
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def default_workers(jobs: int, asked: int | None = None) -> int:
    """Workers of a batch's own pool: as ``asked`` (default one per CPU
    core), no more than there are jobs (all are started at once), at least one."""
    return max(1, min(jobs, asked or os.cpu_count() or 2))


class BatchPool(ProcessPoolExecutor):
    """The batch's own process pool (``own_pool``), with what a new pool
    like it needs (``workers``, ``pdf``, ``warm``), the ``Control`` its
    workers share and, once started, their ``processes``."""

    def __init__(self, workers: int, pdf: bool, warm: Warm, control: Control):
        super().__init__(max_workers=workers, initializer=worker_init,
                         initargs=(pdf, True, os.getpid(), warm.template, control))
        self.workers, self.pdf, self.warm, self.control = workers, pdf, warm, control
        self.processes: list = []


@contextlib.contextmanager
def own_pool(workers: int, pdf: bool, warm: Warm, slots: int = 0,
             control: Control | None = None) -> Iterator[BatchPool]:
    """The batch's own process pool, its ``workers`` started at once (they
    set themselves up, ``worker.init``, while the caller still plans the
    jobs); shut down (waiting for the workers) when the block ends.

    The workers' libraries are imported here first (``worker.preload``):
    the workers are forked from this process and inherit them. Each worker
    dies with this process, even when it is killed (SIGKILL): no job goes
    on unseen. ``warm``: what ``warm_start`` started (the served
    LibreOffice, the template address handed to every worker). ``slots``:
    at least the number of jobs the pool will run (``Control``), or the
    ``control`` of the pool this one replaces. Ctrl-C and SIGTERM are
    blocked while the workers are forked: each worker handles them from its
    first instruction (``worker.guard``), never with a traceback."""
    from . import worker

    worker.preload()
    control = control or Control(slots)
    executor = BatchPool(workers, pdf, warm, control)
    try:
        with _signals_blocked():
            for _ in range(workers):      # one submit starts one more worker while none is idle
                executor.submit(os.getpid)
        executor.processes = _processes(executor)
        yield executor
    except BaseException:             # Ctrl-C, SIGTERM, an error: do not wait for ever
        control.stop()
        _stop_workers(executor)
        raise
    executor.shutdown(cancel_futures=True)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM held back in this thread (and the processes it
    forks) for the block; one that came meanwhile is handled after it."""
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _stop_workers(executor: ProcessPoolExecutor, grace: float | None = None) -> None:
    """End an interrupted pool: no queued job starts; the running ones get
    ``grace`` seconds (default ``STOP_GRACE_S``), then their workers are
    killed (their kernels die with them): a stuck job does not keep the
    batch waiting. A second Ctrl-C during the wait kills at once. (Used when
    the batch ends by an exception; ``run_batch`` gives the grace itself
    while it still collects the running jobs' results.)"""
    import time

    grace = STOP_GRACE_S if grace is None else grace
    workers = _processes(executor)
    try:
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
    finally:
        _kill(workers)


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


def worker_init(pdf: bool, kernels: bool = True, parent: int | None = None, template: str | None = None,
                control: Control | None = None) -> None:
    """A batch worker's initializer (``worker.init``; a module-level
    function so that a process pool can pickle it). ``parent``: the batch's
    pid; the worker dies with it, even on SIGKILL. ``template``: the
    address of the batch's kernel template (``Warm.template``).
    ``control``: what the worker shares with the batch (``Control``)."""
    from . import worker

    worker.init(pdf=pdf, kernels=kernels, parent=parent, template=template, control=control)


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

