"""A batch worker set up by worker.init: its warm LibreOffice is served to
its kernels, its first kernel is already starting, and both end with it."""
from __future__ import annotations

import time
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor

import pytest
import psutil
from test_kernelpool import _alive

from nianbao import forkserver, worker
from nianbao.render import office
from nianbao.render.pdf import find_soffice

pytestmark = [
    pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed"),
    pytest.mark.skipif(office.uno_python() is None, reason="no Python with LibreOffice's uno (apt-get install python3-uno)"),
]


def _wait_ready(timeout: float = 90) -> dict:
    """In the worker: its state once the background LibreOffice start is done."""
    deadline = time.monotonic() + timeout
    while True:
        state = worker.describe()
        if state["office"]["pid"] or state["office"]["fallback"] or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def test_worker_init_and_everything_ends_with_the_worker():
    with ProcessPoolExecutor(max_workers=1, initializer=worker.init) as pool:
        state = pool.submit(_wait_ready).result(timeout=120)
        parent_of_kernel = psutil.Process(state["next_kernel_pid"]).ppid()
    assert state["office"]["pid"] and state["office"]["starts"] == 1
    assert state["office_socket"] and state["office_socket"].endswith("socket")
    assert state["next_kernel_pid"]
    pids = [state["office"]["pid"], state["next_kernel_pid"]]
    if forkserver.available():       # the kernel was forked from the worker's template
        assert state["fork_server_pid"] and state["fork_server_pid"] != state["next_kernel_pid"]
        assert parent_of_kernel == state["fork_server_pid"]
        pids.append(state["fork_server_pid"])
    deadline = time.monotonic() + 15
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(_alive, pids)), f"left running after the worker exited: {[p for p in pids if _alive(p)]}"


def _convert_in_worker(docx: str, pdf: str) -> tuple[int, dict]:
    import os

    office.convert(docx, pdf, timeout=180)
    return os.getpid(), office.status()


def test_a_batch_shares_the_parents_libreoffice(tmp_path):
    """What run_batch does: serve() and prestart() before the workers are
    made; the workers' conversions all go to that one LibreOffice (and
    starting it while the pool forks its workers must not hang)."""
    from conftest import DEMO_2023, DEMO_2024

    from nianbao.render import render_docx
    from nianbao.sources import load_report

    docx = render_docx(load_report(DEMO_2024), load_report(DEMO_2023), tmp_path / "report.docx").path
    office.shutdown()
    office.serve()
    try:
        office.prestart()
        with ProcessPoolExecutor(max_workers=2, initializer=worker.init, initargs=(True, False)) as pool:
            done = [f.result(timeout=240) for f in
                    [pool.submit(_convert_in_worker, str(docx), str(tmp_path / f"{i}.pdf")) for i in range(4)]]
        assert all(state["pid"] is None for _, state in done)     # no worker started its own
        assert office.status()["starts"] == 1 and office.status()["pid"]
        assert all((tmp_path / f"{i}.pdf").stat().st_size > 10_000 for i in range(4))
    finally:
        office.stop_serving()
        office.shutdown()


def _descendants() -> dict[int, str]:
    import psutil

    out = {}
    for p in psutil.Process().children(recursive=True):
        try:
            out[p.pid] = p.name()
        except psutil.Error:
            pass
    return out


def test_run_batch_wires_workers_kernels_and_one_libreoffice(tmp_path):
    """nianbao batch's own pool: every job's PDF comes from the batch's one
    warm LibreOffice, every job takes a kernel started ahead, and when a
    worker is killed mid-batch nothing it started outlives the batch."""
    import json
    import os
    import shutil
    import signal

    from conftest import DEMO_2023, DEMO_2024, ZIBO_2023

    from nianbao.batch import plan, run_batch

    now, prior = tmp_path / "now", tmp_path / "prior"
    now.mkdir()
    prior.mkdir()
    shutil.copy(DEMO_2024, now / "a0.xlsx")
    shutil.copy(ZIBO_2023, now / "a1.xlsx")
    shutil.copy(DEMO_2023, prior / "a0.xlsx")
    before = set(_descendants())
    seen: dict[int, str] = {}
    offices: list[int] = []

    def done(summary):
        procs = {pid: name for pid, name in _descendants().items() if pid not in before}
        seen.update(procs)
        offices.append(sum(1 for name in procs.values() if name.startswith("soffice")))

    results = run_batch(plan(sorted(now.glob("*.xlsx")), tmp_path / "out", prior, formats=("docx", "pdf")),
                        max_workers=2, on_done=done)
    assert [r["status"] for r in results] == ["ok", "ok"], results
    for r in results:
        summary = json.loads((Path(r["outdir"]) / "results.json").read_text(encoding="utf-8"))
        assert summary["pdf"]["text_checked"] and summary["pdf"]["fonts_embedded"]
        assert "kernel_wait" in summary["timings"] and "step:生成报告" in summary["timings"]
    assert offices and max(offices) == 1, offices        # one LibreOffice for the whole batch
    assert office.ENV_SOCKET not in os.environ and office.status()["pid"] is None

    # a worker killed mid-batch: the others' jobs say so, nothing is left running
    seen.clear()
    killed: list[int] = []

    def kill_one(summary):
        done(summary)
        if not killed:
            workers = [p for p, n in seen.items() if n.startswith("python") and p in _direct_children()
                       and not _is_template(p)]
            if workers:
                killed.append(workers[0])
                os.kill(workers[0], signal.SIGKILL)

    shutil.copy(DEMO_2023, now / "a2.xlsx")
    results = run_batch(plan(sorted(now.glob("*.xlsx")), tmp_path / "out2", prior, formats=("docx", "pdf")),
                        max_workers=2, on_done=kill_one)
    assert killed and len(results) == 3
    deadline = time.monotonic() + 30
    while any(map(_alive, seen)) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not [f"{p} {n}" for p, n in seen.items() if _alive(p)], "left running after the batch"


def _direct_children() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children()}


def _is_template(pid: int) -> bool:
    """The batch's kernel template (forkserver.Template), not a worker."""
    import psutil

    try:
        return "ipykernel-template" in " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return False
