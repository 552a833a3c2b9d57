"""Private temporary folders named after the process that made them, and
the sweep of those that killed processes left behind.

A run or batch keeps its kernels' sockets and connection files (with their
HMAC keys), LibreOffice's profile and the like in private folders (mode
0700) under the system's temporary folder, removed when it ends. A process
killed with SIGKILL (or by the out-of-memory killer) removes nothing, so
each folder is named ``nianbao-<kind>-<pid>-<random>`` and ``sweep`` (run
by ``nianbao run`` and ``nianbao batch`` as they start) removes the folders
of this user whose process no longer exists. A folder whose process id is in
use again by another process is kept until that one has gone too.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"^nianbao-[a-z-]+?-(\d+)-[^/]+$")


def make(kind: str) -> Path:
    """A new private folder ``nianbao-<kind>-<pid>-…`` (mode 0700) in the
    temporary folder; the caller removes it."""
    return Path(tempfile.mkdtemp(prefix=f"nianbao-{kind}-{os.getpid()}-"))


def _alive(pid: int) -> bool:
    """Running, or another user's; a zombie (ended, not yet reaped: an init
    that reaps late or never, as in a container without one) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def sweep(folder: str | os.PathLike | None = None) -> list[Path]:
    """Remove this user's ``make`` folders in ``folder`` (default: the
    temporary folder) whose process has ended; returns them. Never raises."""
    root = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        m = _NAME.match(entry.name)
        if m is None:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or (uid is not None and entry.stat().st_uid != uid):
                continue
        except OSError:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed
