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

#: What a worker imports anyway for every job (runner side, not the kernel's).
PRELOAD = ("papermill", "nbformat", "jupyter_client", "nianbao.job", "nianbao.figures",
           "nianbao.signoff", "nianbao.sources")


def init(pdf: bool = True, kernels: bool = True, parent: int | None = None, fork: bool = True,
         template: str | None = None) -> None:
    """Prepare this worker process (call once, before its first job).

    ``parent``: the pid of the batch process; the worker dies with it even
    when the batch is SIGKILLed (``procs.die_with_parent``). ``fork``: fork
    the kernels from a warm template when ``forkserver.available()`` (not
    with ``NIANBAO_FORK_KERNELS=0``). ``template``: the address of the
    batch's one template (``forkserver.Template``): this worker's fork
    server is forked from it, warm at once; without it (or if it does not
    answer) the worker starts a template of its own."""
    global _ready_in
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
