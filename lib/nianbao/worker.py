"""A batch worker process, set up once for all the jobs it will run.

``init`` is the ``initializer`` of the batch's ``ProcessPoolExecutor`` (or of
a Dask worker plugin): it imports what ``run_job`` needs in the worker once,
starts the worker's warm LibreOffice (``render.office``) in the background
and serves it to the notebook kernels the worker will start (the PDF is made
inside the notebook), gets its fork server (``forkserver``: a warm
template its kernels are forked from, on Linux; in ``nianbao batch`` a fork
of the batch's one template, else a template of its own) and its first kernel
(``kernelpool``). Each job still gets a fresh kernel; the next one is ready
while a job runs.

Everything started here ends with the worker: at a normal exit through
multiprocessing's exit hook, and if the worker is killed because LibreOffice's
bridge and ipykernel both watch their parent process.
"""
from __future__ import annotations

import importlib
import logging
import os
import signal
import time

#: What a worker imports anyway for every job (runner side, not the kernel's).
PRELOAD = ("papermill", "nbformat", "jupyter_client", "nianbao.job", "nianbao.figures",
           "nianbao.signoff", "nianbao.sources")


def init(pdf: bool = True, kernels: bool = True, parent: int | None = None, fork: bool = True,
         template: str | None = None, control=None) -> None:
    """Prepare this worker process (call once, before its first job).

    ``control``: the batch's ``batch.Control`` (its own pool's workers):
    the worker then leaves Ctrl-C and SIGTERM to the batch (``guard``).

    ``parent``: the pid of the batch process; the worker dies with it even
    when the batch is SIGKILLed (``procs.die_with_parent``). ``fork``: fork
    the kernels from a warm template when ``forkserver.available()`` (not
    with ``NIANBAO_FORK_KERNELS=0``). ``template``: the address of the
    batch's one template (``forkserver.Template``): this worker's fork
    server is forked from it, warm at once; without it (or if it does not
    answer) the worker starts a template of its own."""
    global _ready_in
    if control is not None:
        guard(control)
    # Ctrl-C in a terminal reaches the workers too: the interrupted job's nbclient
    # task is then logged by asyncio in English ("Task exception was never retrieved");
    # the batch says 已中断 in Chinese
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if parent is not None:
        from .procs import die_with_parent

        die_with_parent(parent)
    _ready_in = os.getpid()
    preload()
    if pdf:
        from .render import office

        office.serve()            # before any kernel starts: kernels inherit the socket's address
        office.prestart()
    if kernels:
        from . import forkserver
        from .kernelpool import kernel_pool

        fork = fork and forkserver.available()
        if fork:
            forkserver.use_template(template)
            forkserver.shared()   # from this thread, which lives as long as the worker (PR_SET_PDEATHSIG)
        kernel_pool(fork=fork).prestart()


_ready_in: int | None = None

#: A batch worker's share of the batch (``guard``): its ``batch.Control``,
#: whether a job runs now, whether to leave before the next one.
_control = None
_in_job = False
_leave = False

#: Seconds a worker's SIGTERM handler waits for the batch to say it is stopping.
STOP_WAIT_S = 0.5


def guard(control) -> None:
    """First thing in a batch's own worker: Ctrl-C (SIGINT) is ignored — in
    a terminal it reaches the whole process group, and the batch, not each
    worker, decides (queued jobs do not start, running ones get their
    grace); SIGTERM is ``_on_sigterm``. The batch blocks both while it
    forks its workers (``batch.own_pool``); they are unblocked here, once
    handled. Kernels are not affected: forked ones reset SIGINT
    (``forkserver``), ipykernel sets its own handler."""
    global _control
    _control = control
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _on_sigterm(signum, frame) -> None:
    """SIGTERM in a batch worker. If the batch is stopping (a SIGTERM to the
    whole process group reaches the batch too; it says so within
    ``STOP_WAIT_S`` seconds) the batch ends this worker itself: ignored.
    Otherwise it was meant for this worker alone (the pool ends its other
    workers when one died, or someone killed this one): a running job is
    finished (its results.json written), then the worker leaves
    (``end_job``); an idle worker leaves at once."""
    global _leave
    deadline = time.monotonic() + STOP_WAIT_S
    while not _control.stopping:
        if time.monotonic() >= deadline:
            if not _in_job:
                os._exit(128 + signum)
            _leave = True
            return
        time.sleep(0.02)


def begin_job(index: int | None) -> bool:
    """Called by a batch job before it starts: False if the batch is
    stopping (the job must not start: it reports itself not run); else the
    job is recorded as started by this process (``Control.started``).
    A worker told to leave (``_on_sigterm``) exits here instead."""
    global _in_job
    if _leave:
        os._exit(128 + signal.SIGTERM)
    if _control is None:
        return True
    if _control.stopping:
        return False
    _control.mark_started(index, os.getpid())
    _in_job = True
    return True


def end_job() -> None:
    """Called by a batch job when it has ended (see ``begin_job``). A
    worker told to leave during the job (``_on_sigterm``) exits now: its
    job's results.json is written; its pool is broken already (the batch
    reads that file) or breaks now, and the batch starts a new one."""
    global _in_job
    _in_job = False
    if _leave:
        os._exit(128 + signal.SIGTERM)


def preload() -> None:
    """Import what a worker needs for every job (``PRELOAD``) and warm the
    notebook-to-HTML exporter it uses for all its jobs. Idempotent. A batch
    calls it before it makes its pool, whose workers are forked and inherit
    both; ``init`` calls it too (a no-op then, the work where it is not)."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from .job import _worker_exporter

    try:
        _worker_exporter()
    except Exception:
        pass                      # the first export will say what is wrong


def ensure(pdf: bool = True, kernels: bool = True) -> None:
    """``init`` once per process: for executors whose workers cannot be
    given an initializer (e.g. a Dask cluster's ``get_executor()``)."""
    global _ready_in
    if _ready_in != os.getpid():
        _ready_in = os.getpid()
        init(pdf=pdf, kernels=kernels)


def describe() -> dict:
    """This worker's state (for tests and diagnostics): process id, the
    warm LibreOffice's ``office.status()``, whether it is served to kernels,
    the pid of the kernel starting ahead (or None) and of the fork server
    (None when kernels are not forked)."""
    from . import forkserver
    from .kernelpool import _pool
    from .render import office

    nxt = _pool._next[0] if _pool is not None and _pool._next is not None else None
    server = forkserver.shared(start=False) if _pool is not None and _pool.fork else None
    return {"pid": os.getpid(), "office": office.status(),
            "office_socket": os.environ.get(office.ENV_SOCKET),
            "next_kernel_pid": nxt.provisioner.process.pid if nxt is not None and nxt.has_kernel else None,
            "fork_server_pid": server.pid if server is not None else None}
