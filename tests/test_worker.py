"""A batch worker set up by worker.init: its warm LibreOffice is served to
its kernels, its first kernel is already starting, and both end with it."""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

import pytest
from test_kernelpool import _alive

from nianbao import worker
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
    assert state["office"]["pid"] and state["office"]["starts"] == 1
    assert state["office_socket"] and state["office_socket"].endswith("socket")
    assert state["next_kernel_pid"]
    pids = [state["office"]["pid"], state["next_kernel_pid"]]
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
