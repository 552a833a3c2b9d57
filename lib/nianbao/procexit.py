"""Clean-up when a process exits, also in multiprocessing pool workers.

``atexit`` alone is not enough for a batch: a ``ProcessPoolExecutor`` worker
leaves by ``os._exit`` after multiprocessing's own exit hook, and a forked
child forgets the hooks its parent registered with multiprocessing. So the
process that owns a resource (a warm LibreOffice, a kernel starting ahead)
registers its clean-up itself, once, when it first makes the resource.
"""
from __future__ import annotations

import atexit
import os
from typing import Callable

_done: set[tuple[int, Callable]] = set()


def at_exit(func: Callable[[], None]) -> None:
    """Run ``func`` when this process exits (atexit, and multiprocessing's
    exit hook in pool workers). Registering the same function again in the
    same process does nothing."""
    key = (os.getpid(), func)
    if key in _done:
        return
    _done.add(key)
    atexit.register(func)
    try:
        from multiprocessing import util

        util.Finalize(None, func, exitpriority=10)
    except ImportError:
        pass


def exit_now(code: int) -> None:
    """End the command with ``code`` without tearing the interpreter down.

    After a run the interpreter's own shutdown (freeing every module and
    object: papermill, nbconvert, zmq …) took 0.15–0.25 s, longer than
    writing the whole report package. Instead: the ``atexit`` hooks run (our
    clean-ups above, logging's flush, multiprocessing's), stdout and stderr
    are flushed, and the process ends (``os._exit``). Only when no other
    non-daemon thread is still running (those are joined by a normal exit:
    ``sys.exit`` is used then). For the console command only; ``cli.main``
    returns normally for callers in Python."""
    import sys
    import threading

    if any(t.is_alive() and not t.daemon and t is not threading.main_thread() for t in threading.enumerate()):
        sys.exit(code)
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
