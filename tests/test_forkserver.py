"""Kernels forked from a batch worker's warm template (forkserver.py):
real fork server, real ipykernel children, real papermill. Each agency gets
its own process and sees nothing of another's; reports and charts equal a
normal kernel's; a dead or hung fork server costs no agency; a killed batch
leaves nothing running."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import nbformat
import papermill as pm
import psutil
import pytest
from conftest import DEMO_2023, DEMO_2024, ZIBO_2023
from test_kernelpool import _alive

from nianbao import forkserver
from nianbao.job import NOTEBOOK
from nianbao.kernelpool import KernelPool

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="forked kernels need Linux with pidfd")

NIANBAO = str(shutil.which("nianbao", path=os.path.dirname(sys.executable)) or "nianbao")


def _ask(km, code: str, expressions: dict[str, str] | None = None) -> dict:
    """Run ``code`` in the kernel; the reply's content (user_expressions as text)."""
    kc = km.blocking_client()
    kc.start_channels()
    try:
        reply = kc.execute_interactive(code, timeout=60, user_expressions=expressions or {})
    finally:
        kc.stop_channels()
    content = reply["content"]
    assert content["status"] == "ok", content
    return {k: v["data"]["text/plain"] for k, v in content.get("user_expressions", {}).items()}


@pytest.fixture
def pool(tmp_path):
    p = KernelPool(fork=True)
    yield p
    p.close()
    forkserver.stop()


def test_each_agency_gets_its_own_clean_forked_kernel(pool, tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", "do-not-leak")
    first, second = tmp_path / "a1", tmp_path / "a2"
    first.mkdir()
    second.mkdir()
    with pool.kernel(cwd=first) as km:
        one = _ask(km, "import json, numpy, os\njson.agency_marker = '第1局'\nsecret_of_agency_1 = 42\n"
                       "r1 = numpy.random.rand()",
                   {"pid": "os.getpid()", "ppid": "os.getppid()", "cwd": "os.getcwd()", "r": "repr(r1)",
                    "leak": "'NIANBAO_SMTP_PASSWORD' in os.environ or b'do-not-leak' in open('/proc/self/environ', 'rb').read()"})
        assert type(km.provisioner.process).__name__ == "ForkedKernel"
    with pool.kernel(cwd=second) as km:
        two = _ask(km, "import json, numpy, os, sys\nr2 = numpy.random.rand()",
                   {"pid": "os.getpid()", "ppid": "os.getppid()", "cwd": "os.getcwd()", "r": "repr(r2)",
                    "var": "'secret_of_agency_1' in globals()", "attr": "hasattr(json, 'agency_marker')",
                    "backend": "__import__('matplotlib').get_backend()"})
    server = forkserver.shared(start=False)
    assert one["pid"] != two["pid"]                                   # a process per agency
    assert int(one["ppid"]) == int(two["ppid"]) == server.pid          # both forked from the template
    assert one["pid"] != str(server.pid)
    assert two["var"] == "False" and two["attr"] == "False"            # nothing of agency 1 in agency 2
    assert one["r"] != two["r"]                                       # numpy reseeded in every child
    assert eval(one["cwd"]) == str(first) and eval(two["cwd"]) == str(second)
    assert one["leak"] == "False"
    assert "inline" in two["backend"]
    deadline = time.monotonic() + 10                                  # a loaded machine: give it time
    while _alive(int(one["pid"])) and time.monotonic() < deadline:
        time.sleep(0.2)
        pool._reap()
    assert not _alive(int(one["pid"]))                                # retired, reaped by the server


def _png_pixels(path):
    from matplotlib.image import imread

    return imread(path)


def _run_notebook(km, staging, kernel_name):
    pm.execute_notebook(str(NOTEBOOK), str(staging / "notebook.ipynb"), km=km, kernel_name=kernel_name,
                        parameters={"workbook": str(DEMO_2024), "prior_workbook": str(DEMO_2023),
                                    "output_dir": str(staging), "formats": ["docx", "html"]},
                        progress_bar=False, cwd=str(staging))


def _docx_text(path) -> list[str]:
    import docx

    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells]


def test_forked_kernel_makes_the_same_report_and_charts(tmp_path):
    """The shipped notebook in a forked kernel and in a normal one: the same
    report text, the same charts pixel for pixel (``%matplotlib inline``
    chosen after the fork), the same images in the executed notebook."""
    out = {}
    for fork in (True, False):
        staging = tmp_path / ("forked" if fork else "normal")
        staging.mkdir()
        p = KernelPool(fork=fork)
        try:
            with p.kernel(cwd=staging) as km:
                assert (type(km.provisioner.process).__name__ == "ForkedKernel") is fork
                _run_notebook(km, staging, p.kernel_name)
        finally:
            p.close()
            forkserver.stop()
        out[fork] = staging
    forked, normal = out[True], out[False]
    assert _docx_text(forked / "report.docx") == _docx_text(normal / "report.docx")
    html = [(d / "report.html").read_text(encoding="utf-8").replace(str(d), "<dir>") for d in (forked, normal)]
    assert html[0] == html[1]
    pngs = sorted(p.relative_to(normal) for p in normal.rglob("*.png"))
    assert pngs and pngs == sorted(p.relative_to(forked) for p in forked.rglob("*.png"))
    import numpy as np

    for rel in pngs:
        a, b = _png_pixels(forked / rel), _png_pixels(normal / rel)
        assert a.shape == b.shape and np.array_equal(a, b), rel
    images = []
    for d in (forked, normal):
        nb = nbformat.read(d / "notebook.ipynb", as_version=4)
        images.append([o["data"]["image/png"] for c in nb.cells if c.cell_type == "code"
                       for o in c.get("outputs", []) if "image/png" in o.get("data", {})])
    assert images[0] == images[1]


def test_a_dead_fork_server_costs_no_agency(pool, tmp_path, capfd):
    """The server dies between two jobs (its kernel starting ahead dies with
    it): the next take() still gives a working kernel, from a new server."""
    pool.prestart()
    server = forkserver.shared(start=False)
    ahead = pool._next[0].provisioner.process.pid
    os.kill(server.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(ahead) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(ahead), "a forked kernel outlived its fork server"
    with pool.kernel(cwd=tmp_path) as km:
        got = _ask(km, "x = 1", {"ppid": "__import__('os').getppid()", "x": "x"})
    assert got["x"] == "1"
    again = forkserver.shared(start=False)
    assert again is not None and again.pid != server.pid and int(got["ppid"]) == again.pid
    err = capfd.readouterr().err
    assert [line for line in err.splitlines() if "内核模板进程" in line] == ["提示：内核模板进程已停止，正在重新启动"], err


def test_a_hung_fork_server_falls_back_with_a_note(pool, tmp_path, monkeypatch, capfd):
    """A fork server that does not answer: the kernel is started the normal
    way after FORK_TIMEOUT_S, with a one-line Chinese note."""
    monkeypatch.setattr(forkserver, "FORK_TIMEOUT_S", 2.0)
    server = forkserver.shared()
    server._wait_ready()
    os.kill(server.pid, signal.SIGSTOP)
    try:
        t = time.monotonic()
        with pool.kernel(cwd=tmp_path) as km:
            assert type(km.provisioner.process).__name__ == "Popen"
            got = _ask(km, "y = 2", {"y": "y"})
        assert got["y"] == "2" and time.monotonic() - t < 60
    finally:
        if psutil.pid_exists(server.pid):
            os.kill(server.pid, signal.SIGCONT)
    err = capfd.readouterr().err
    notes = [line for line in err.splitlines() if "内核模板进程" in line]
    assert len(notes) == 1 and notes[0].startswith("提示：") and "Traceback" not in err, err
    assert not server.alive()                  # the hung server was ended


def test_kernel_args_only_for_this_pythons_ipykernel():
    assert forkserver.kernel_args([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]) == ["-f", "c.json"]
    assert forkserver.kernel_args(["/usr/bin/env", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert forkserver.kernel_args([sys.executable, "-m", "other_kernel", "-f", "c.json"]) is None
    assert forkserver.kernel_args([]) is None


def _edit_notebook(path, code: str, after_tag: str = "parameters"):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if after_tag in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata["papermill_description"] = "分析员的单元格"
    nb.cells.insert(at + 1, cell)
    nbformat.write(nb, path)


@pytest.mark.parametrize("code", ["import time\ntime.sleep(120)", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"],
                         ids=["timeout", "kernel-death"])
def test_timeout_and_kernel_death_end_the_job_as_with_a_normal_kernel(tmp_path, code):
    """papermill's execution timeout and a kernel that dies end the job with
    exit 3 and the same Chinese message whether the kernel was forked or not."""
    from nianbao import kernelpool
    from nianbao.job import run_job

    nb = tmp_path / "mine.ipynb"
    _edit_notebook(nb, code)
    results = {}
    for fork in (True, False):
        kernelpool.close_pool()
        kernelpool.kernel_pool(fork=fork)          # as in a batch worker
        try:
            r = run_job(DEMO_2024, prior=DEMO_2023, output_dir=tmp_path / f"out-{fork}", formats=["html"],
                        progress=False, timeout=8, notebook=nb)
        finally:
            kernelpool.close_pool()
        results[fork] = r
    for r in results.values():
        assert r.exit_code == 3, r.summary
        assert "Traceback" not in r.render()
    messages = [r.summary.get("error") or r.render() for r in results.values()]
    assert messages[0].replace("out-True", "X") == messages[1].replace("out-False", "X"), messages
    # said in Chinese, naming what happened (not nbclient's CellTimeoutError / DeadKernelError)
    single = run_job(DEMO_2024, prior=DEMO_2023, output_dir=tmp_path / "out-single", formats=["html"],
                     progress=False, timeout=8, notebook=nb)          # a single run's own kernel
    assert single.exit_code == 3, single.summary
    for text in (*messages, single.render()):
        assert "Error" not in text, text
        assert ("执行时限" if "sleep" in code else "内核意外停止") in text, text
        assert "步骤“分析员的单元格”" in text, text                    # the step it stopped in
        assert "未能导出" not in text and "已执行的部分保存在 notebook.ipynb" in text, text
    for r in (*results.values(), single):   # the audit trail survives: the cells run before it
        executed = nbformat.read(r.outdir / "notebook.ipynb", as_version=4)
        assert sum(1 for c in executed.cells if c.get("execution_count")) >= 2
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
        assert (r.outdir / "notebook.html").is_file()


def _tree(proc) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_a_killed_batch_leaves_no_worker_template_fork_server_or_kernel(tmp_path):
    proc = subprocess.Popen([NIANBAO, "batch", str(DEMO_2024), str(ZIBO_2023), "-o", str(tmp_path / "out"),
                             "--formats", "html", "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        forked, templates, servers, kernels = [], [], [], []
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                tree = _tree(proc)
                # (a fork keeps the template's command line: template, servers and kernels all show it)
                forked = [p for p in tree if "ipykernel-template" in " ".join(p.cmdline())]
                templates = [p for p in forked if p.ppid() == proc.pid]
                # each worker's fork server is a fork of the batch's one template; kernels are the servers'
                servers = [p for p in tree if p.ppid() in {t.pid for t in templates}]
                kernels = [p for p in tree if p.ppid() in {s.pid for s in servers}]
            except psutil.Error:
                continue
            if servers and kernels:
                break
            time.sleep(0.1)
        assert servers and kernels, "the batch's workers forked their kernels"
        assert len(templates) == 1, [(p.pid, p.ppid()) for p in forked]    # no worker started its own
        assert {p.ppid() for p in forked} <= {proc.pid, templates[0].pid, *(s.pid for s in servers)}
        children = _tree(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        gone, alive = psutil.wait_procs(children, timeout=8)
        left = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not left, [" ".join(p.cmdline()) for p in left]
    finally:
        for p in children:
            try:
                p.kill()
            except psutil.Error:
                pass


def test_provisioner_is_registered_for_kernel_specs():
    """A kernel spec naming ``nianbao-fork`` (metadata.kernel_provisioner) gets
    the fork provisioner through jupyter_client's entry point (pyproject.toml;
    re-run scripts/setup after pulling if this fails)."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                      display_name="nianbao (forked)", language="python",
                      metadata={"kernel_provisioner": {"provisioner_name": "nianbao-fork"}})
    factory = KernelProvisionerFactory.instance()
    assert factory.is_provisioner_available(spec)
    assert isinstance(factory.create_provisioner_instance("k1", spec, parent=None), forkserver.ForkProvisioner)
