"""The quick-ready kernel client (kernelclient.py): ready as soon as the
kernel answers, with every check jupyter_client's wait_for_ready makes —
a real kernel, a real papermill run, a really killed kernel."""
from __future__ import annotations

import os
import signal

import nbformat
import papermill as pm
import pytest

from nianbao.job import _kernel_manager_class, _kernel_name
from nianbao.kernelclient import QuickReadyClient
from nianbao.kernelpool import _call


@pytest.fixture
def km(tmp_path):
    km = _kernel_manager_class(quick=True)(kernel_name=_kernel_name())
    km.ip = str(tmp_path / "kernel")
    _call(km.start_kernel, cwd=str(tmp_path))
    yield km
    _call(km.shutdown_kernel, now=True)


def test_runs_and_papermill_use_it_the_floor_does_not(km):
    assert isinstance(km.client(), QuickReadyClient)
    assert not isinstance(_kernel_manager_class()().client(), QuickReadyClient)
    # the public name is ours too (jupyter_client binds it to its own function)
    assert QuickReadyClient.wait_for_ready is QuickReadyClient._async_wait_for_ready


def test_ready_means_answered_and_iopub_connected(km):
    kc = km.client()
    kc.start_channels()
    try:
        _call(kc.wait_for_ready, timeout=60)
        # IOPub was proven connected: the very first request's output arrives
        seen = []
        reply = _call(kc.execute_interactive, "print('首个输出')", timeout=60,
                      output_hook=lambda msg: seen.append(msg))
        assert reply["content"]["status"] == "ok"
        assert any(m["msg_type"] == "stream" and "首个输出" in m["content"]["text"] for m in seen)
    finally:
        kc.stop_channels()


def test_a_dead_kernel_is_said_not_waited_for(km):
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    km.provisioner.process.wait()
    kc = km.client()
    kc.start_channels()
    try:
        with pytest.raises(RuntimeError, match="died"):
            _call(kc.wait_for_ready, timeout=30)
    finally:
        kc.stop_channels()


def test_papermill_with_the_quick_client_keeps_every_output(km, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('一')"), nbformat.v4.new_code_cell("print('二')\n1 + 1")]
    nbformat.write(nb, tmp_path / "in.ipynb")
    out = pm.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"), km=km,
                              kernel_name=_kernel_name(), progress_bar=False, log_output=False)
    texts = [o.get("text", "") for c in out.cells for o in c.outputs]
    assert texts[0] == "一\n" and texts[1] == "二\n"
    assert out.cells[1].outputs[-1]["data"]["text/plain"] == "2"
