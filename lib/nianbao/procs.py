"""Child processes that never outlive the run that started them.

Every process a run spawns (the Jupyter kernel, LibreOffice, helper
processes) is started with ``child_kwargs()`` added to its ``Popen``
arguments. On Linux that asks the kernel to send the child SIGKILL the moment
its parent dies (``prctl(PR_SET_PDEATHSIG)``, set in the child between fork
and exec), so a run killed with SIGKILL — or a laptop lid closed mid-run —
leaves no kernel or LibreOffice behind. The ipykernel's own parent poller
(``JPY_PARENT_PID``, checked once a second) is a second line of defence for
the kernel. On other systems ``child_kwargs()`` adds nothing and the
children are ended by the run's normal clean-up (SIGINT, SIGTERM, errors).

``on_terminate()`` turns SIGTERM into ``SystemExit`` so a terminated run
unwinds like an interrupted one: its ``finally`` blocks stop the kernel and
remove the staging folder.

Note: PR_SET_PDEATHSIG fires when the *thread* that forked the child ends.
The kernel is forked by papermill's event-loop thread, which lives for the
whole run; LibreOffice and the helpers are forked by the thread that waits
for them.
"""
from __future__ import annotations

import os
import signal
import sys
from typing import Callable

PR_SET_PDEATHSIG = 1

_prctl: Callable | None = None
if sys.platform.startswith("linux"):
    try:
        import ctypes

        # resolved in the parent: nothing is loaded between fork and exec
        _prctl = ctypes.CDLL(None, use_errno=True).prctl
        _prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        _prctl.restype = ctypes.c_int
    except (OSError, AttributeError):
        _prctl = None


def _die_with(parent: int) -> Callable[[], None]:
    def preexec() -> None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)   # type: ignore[misc]
        if os.getppid() != parent:       # the parent died before prctl took effect
            os._exit(1)
    return preexec


def child_kwargs() -> dict:
    """Extra ``subprocess.Popen`` keyword arguments for a child that must end
    when this process ends: ``{"preexec_fn": …}`` on Linux, ``{}`` elsewhere.
    Compatible with ``start_new_session=True``."""
    if _prctl is None:
        return {}
    return {"preexec_fn": _die_with(os.getpid())}


def die_with_parent(parent: int | None = None) -> None:
    """Call first thing in a worker process (a ``ProcessPoolExecutor``
    initializer, as ``nianbao batch`` does): on Linux the worker gets SIGKILL
    when the process that started it dies, so a killed batch leaves no worker
    behind to go on running jobs (and their kernels) unseen. ``parent``, the
    starter's pid: if it is already gone, the worker ends at once."""
    if _prctl is None:
        return
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        try:
            os.kill(parent, 0)           # a forkserver or spawn parent is another process: fine while parent lives
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass


def on_terminate() -> None:
    """Make SIGTERM raise ``SystemExit(143)`` in the main thread (the default
    would end Python without running any clean-up)."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:                   # not the main thread (e.g. a worker): leave it
        pass


def ending() -> None:
    """The command is ending: ignore further Ctrl-C and SIGTERM, so that the
    clean-ups at exit are not interrupted halfway (a second signal printed a
    traceback from an atexit callback, and SIGTERM's exit code was lost).
    ``ending.done`` says whether it was called."""
    ending.done = True
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except ValueError:           # not the main thread
            pass


ending.done = False
