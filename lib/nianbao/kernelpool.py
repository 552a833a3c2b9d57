"""The next job's Jupyter kernel, started while the current job runs.

One kernel per agency stays the design (an isolated kernel, an executed
notebook as the audit trail): a kernel is never reused. What the pool saves
is the wait: while job N runs in kernel N, kernel N+1 is already booting
and importing the notebook's libraries (``PRELOAD``, ~1 s together), so
job N+1 finds it ready. A used kernel is
asked to shut down and the job does not wait for it (it is reaped, or killed
after ``GRACE_S``, when the next kernel is taken or the pool closes).

papermill hands extra keyword arguments to its engine, and nbclient's
``NotebookClient(km=…)`` uses a kernel manager whose kernel is already
running (it starts one only if ``km.has_kernel`` is false) and then leaves
its shutdown to the owner — us::

    pool = kernel_pool()                      # one per worker process
    with pool.kernel(cwd=staging) as km:
        pm.execute_notebook(nb, out, parameters=…, cwd=str(staging), km=km, …)

The kernels are those job.py starts (``_kernel_manager_class``: IPC
transport, no NIANBAO_SMTP_PASSWORD in their environment, their stderr
discarded), with nbclient's in-memory IPython history. Because a kernel
starts before its job's folder exists, ``take`` moves it into ``cwd``
(``os.chdir`` run silently: no cell, no execution count in the notebook).
Its environment is the worker's at the time it started.

A kernel dies with its worker: ipykernel's parent poller ends a kernel
whose parent process has gone (jupyter_client sets JPY_PARENT_PID).

``KernelPool(fork=True)`` (what a batch worker uses, ``worker.init``) forks
each kernel from the worker's warm template (``forkserver``) instead of
starting a new Python: milliseconds instead of ~1.3 s of CPU per job, and
pages shared copy-on-write. Such a pool does not hold the next kernel
during a job (it would only add memory: the ~0.3 s a forked kernel takes to
start is CPU a busy batch spends anyway); it forks it when the job's kernel
is retired, while the runner finishes the job. A forked kernel that died before its job (its
fork server died) is replaced once by a new one, forked again or started
the normal way, so no agency is lost to it.
"""
from __future__ import annotations

import inspect
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from jupyter_core.utils import run_sync

from .errors import JobError, Problem
from . import tmpdirs
from .procexit import at_exit

from .kernelenv import EXTRA_ARGUMENTS, PRELOAD  # noqa: F401  (what every job kernel starts with)

#: Seconds a retired kernel may take to exit by itself before it is killed.
GRACE_S = 5.0


def _call(fn, *args, **kwargs):
    """Call a jupyter_client method that may be sync or async."""
    if inspect.iscoroutinefunction(fn):
        return run_sync(fn)(*args, **kwargs)
    return fn(*args, **kwargs)


def _start_error(e: Exception) -> JobError:
    return JobError(Problem(
        "kernel-start", f"笔记本内核未能启动：{type(e).__name__}: {e}",
        fix="再试一次；如仍失败，请重新运行 scripts/setup 安装 nianbao 内核"))


class KernelPool:
    """Keeps one kernel starting ahead of the job that will use it.

    ``kernel_name`` defaults to job.py's choice ("nianbao" if installed),
    ``manager_class`` to job.py's IPC kernel manager. ``fork``: kernels
    forked from the process's template (``forkserver``). ``ahead``: start
    the next kernel as soon as one is taken (default: unless forked; then
    the next one starts when the job's kernel is retired). ``last_wait_s``
    is how long the last ``take`` waited for its kernel to be ready
    (seconds; ~0 when the kernel was started ahead). Not thread-safe: one pool per worker
    process, used from one thread."""

    def __init__(self, kernel_name: str | None = None, manager_class: Any = None,
                 startup_timeout: float = 60, preload: str | None = PRELOAD, fork: bool = False,
                 ahead: bool | None = None):
        if kernel_name is None or manager_class is None:
            from .job import _kernel_manager_class, _kernel_name

            kernel_name = kernel_name or _kernel_name()
            manager_class = manager_class or _kernel_manager_class(quick=True)
        self.fork = fork
        # a forked kernel is ready in ~0.3 s of CPU that a busy batch spends anyway: started
        # ahead it would only hold memory during the job (one more kernel per worker)
        self.ahead = not fork if ahead is None else ahead
        if fork:
            from .forkserver import manager_class as forked

            manager_class = forked(manager_class)
        self.kernel_name = kernel_name
        self.manager_class = manager_class
        self.startup_timeout = startup_timeout
        self.preload = preload
        self.home = tmpdirs.make("kernels")
        self._next = None
        self._retired: list[tuple[Any, float]] = []
        self.last_wait_s: float | None = None
        self.started = 0

    def prestart(self) -> None:
        """Start the next kernel now (if none is starting) without waiting for
        it; queue ``preload`` for it to run as soon as it is up."""
        if self._next is None:
            try:
                km = self.manager_class(kernel_name=self.kernel_name)
                km.connection_file = str(self.home / f"kernel-{self.started}.json")   # not left in TMPDIR
                if km.transport == "ipc":
                    # IPC socket paths are relative to the cwd by default; the kernel
                    # starts in self.home and we connect from elsewhere
                    km.ip = str(self.home / f"kernel-{self.started}")
                _call(km.start_kernel, extra_arguments=list(EXTRA_ARGUMENTS), cwd=str(self.home))
                kc = km.client()
                kc.start_channels(stdin=False, hb=False)   # no heartbeat thread to race a quick close
            except Exception as e:
                raise _start_error(e) from None
            if self.preload:       # queued by zmq until the kernel listens; not awaited
                kc.execute(self.preload, silent=True, store_history=False)
            self._next = (km, kc)
            self.started += 1

    def take(self, cwd: str | Path) -> Any:
        """A running kernel manager, its kernel ready and working in ``cwd``;
        the kernel after it starts booting at once. Raises JobError
        "kernel-start" (Chinese) if the kernel cannot start or does not become
        ready within ``startup_timeout``."""
        self._reap()
        t0 = time.perf_counter()
        for attempt in (1, 2):
            self.prestart()
            (km, kc), self._next = self._next, None
            try:
                self._ready_in(kc, Path(cwd))
                break
            except Exception as e:
                # a forked kernel that died with its fork server: one more, forked anew or not
                died = self.fork and not _call(km.is_alive)
                self.retire(km, now=True)
                if attempt == 2 or not died:
                    raise _start_error(e) from None
        self.last_wait_s = time.perf_counter() - t0
        if self.ahead:
            try:
                self.prestart()
            except JobError:
                pass                 # this job has its kernel; the next take() will say why
        return km

    def _ready_in(self, kc, cwd: Path) -> None:
        """Wait until the kernel answers (after its preload), then chdir it."""
        from .kernelclient import ready_in

        ready_in(kc, cwd, self.startup_timeout)

    def retire(self, km, now: bool = False) -> None:
        """Ask a used kernel to shut down; do not wait for it (``now``: kill it)."""
        try:
            if now:
                _call(km.shutdown_kernel, now=True)
                return
            _call(km.request_shutdown)
        except Exception:
            try:
                _call(km.shutdown_kernel, now=True)
            except Exception:
                pass
            return
        self._retired.append((km, time.monotonic()))

    def _reap(self, force: bool = False) -> None:
        """Release retired kernels that have exited; kill those past GRACE_S."""
        keep = []
        for km, since in self._retired:
            try:
                if not _call(km.is_alive):
                    _call(km.cleanup_resources)
                elif force or time.monotonic() - since > GRACE_S:
                    _call(km.shutdown_kernel, now=True)
                else:
                    keep.append((km, since))
            except Exception:
                pass
        self._retired = keep

    @contextmanager
    def kernel(self, cwd: str | Path) -> Iterator[Any]:
        """``take`` a kernel for one job, ``retire`` it afterwards (and, if
        not ``ahead``, start the next one then)."""
        km = self.take(cwd)
        try:
            yield km
        finally:
            self.retire(km)
            if not self.ahead:       # the next kernel boots while the runner finishes this job
                try:
                    self.prestart()
                except JobError:
                    pass

    def close(self) -> None:
        """End every kernel of the pool (the one starting ahead included)."""
        if self._next is not None:
            km, kc = self._next
            kc.stop_channels()
            self.retire(km, now=True)
            self._next = None
        self._reap(force=True)
        import shutil

        shutil.rmtree(self.home, ignore_errors=True)


_pool: KernelPool | None = None
_owner = os.getpid()
_lock = threading.Lock()


def kernel_pool(fork: bool = False) -> KernelPool:
    """This process's pool (a forked child gets its own, never its parent's
    kernels). ``fork``: its kernels are forked from a warm template
    (``forkserver``), if ``forkserver.available()``; only the call that
    makes the pool chooses."""
    global _pool, _owner
    with _lock:
        if _owner != os.getpid():
            _pool, _owner = None, os.getpid()
        if _pool is None:
            if fork:
                from . import forkserver

                fork = forkserver.available()
            _pool = KernelPool(fork=fork)
            at_exit(close_pool)
        return _pool


def close_pool() -> None:
    """End this process's pool now (also done at exit)."""
    global _pool
    with _lock:
        if _pool is not None and _owner == os.getpid():
            _pool.close()
            if _pool.fork:
                from . import forkserver

                forkserver.stop()
        _pool = None


