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
