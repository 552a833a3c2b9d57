"""Which CPUs a single PDF run's processes use while its kernel boots.

At the start of ``nianbao run`` with PDF three processes are busy at once:
the kernel importing its libraries (~1 s of CPU, the run's critical path),
LibreOffice starting (~1.2 s of CPU, ``render.office``) and the command
preparing papermill. On two cores the scheduler spreads all three over both
and the kernel is ready later. So while the kernel boots it has the first
allowed CPU to itself and the command — with what it starts meanwhile:
LibreOffice, its bridge — the others; once the kernel answers, the kernel
and the command may use every allowed CPU again (LibreOffice, which from
then on only converts, stays where it is). Measured with interleaved runs
(benchmarks/README.md): the PDF run ~0.13 s (5 %) shorter on 2 cores.

Linux only (``os.sched_setaffinity``); nothing is done with fewer than two
allowed CPUs or when ``NIANBAO_PIN=0``. A batch does not use it.
"""
from __future__ import annotations

import os

#: Environment switch: "0" leaves every process to the scheduler.
ENV_SWITCH = "NIANBAO_PIN"


def split() -> tuple[set[int], set[int], set[int]] | None:
    """(the kernel's CPU, the others, all allowed) for this process, or None
    when there is nothing to split."""
    if os.environ.get(ENV_SWITCH) == "0" or not hasattr(os, "sched_getaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        return None
    first = {min(allowed)}
    return first, allowed - first, allowed


def place(pid: int, cpus: set[int]) -> None:
    """Let every thread of process ``pid`` run only on ``cpus``; a thread or
    process that has gone, or one we may not move, is left as it is."""
    try:
        tasks = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tasks = [pid]
    for tid in tasks:
        try:
            os.sched_setaffinity(tid, cpus)
        except OSError:
            pass
