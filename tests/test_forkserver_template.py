"""The batch's one kernel template (forkserver.Template): each worker's
fork server is a fork of it (BatchServer), warm at once; it ends when its
worker closes the connection or dies; the template dies with the batch even
on SIGKILL; a template that is gone costs no agency (the worker starts its
own, with a Chinese note). Real processes, real ipykernel children."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from test_forkserver import _ask
from test_kernelpool import _alive

from nianbao import forkserver
from nianbao.kernelpool import KernelPool

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="forked kernels need Linux with pidfd")


@pytest.fixture
def template():
    t = forkserver.Template()
    t.start()
    yield t
    forkserver.use_template(None)
    forkserver.stop()
    t.close()


def _wait_gone(pids, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def test_each_workers_fork_server_is_a_fork_of_the_one_template(template, tmp_path):
    assert oct(os.stat(template.folder).st_mode & 0o777) == "0o700"
    forkserver.use_template(template.address)
    pool = KernelPool(fork=True)
    try:
        with pool.kernel(cwd=tmp_path) as km:
            got = _ask(km, "import os", {"pid": "os.getpid()", "ppid": "os.getppid()", "cwd": "os.getcwd()"})
        server = forkserver.shared(start=False)
        assert isinstance(server, forkserver.BatchServer) and server.alive()
        assert int(got["ppid"]) == server.pid                      # the kernel is the server's child
        assert psutil.Process(server.pid).ppid() == template.pid   # the server is the template's
        assert got["cwd"] == repr(str(tmp_path))
        # a second worker gets its own server from the same template
        other = forkserver.BatchServer(template.address)
        other.start()
        assert other._wait_ready()["pid"] not in (server.pid, template.pid)
        assert psutil.Process(other.pid).ppid() == template.pid
        kernel = int(got["pid"])
    finally:
        pool.close()
    # the worker lets go (its exit): its server ends, the other worker's and the template stay
    pid = server.pid
    forkserver.stop()
    assert _wait_gone([pid, kernel]) == []
    assert other.alive() and template.alive()
    other.sock.close()                           # EOF, as when a worker dies: the server ends by itself
    other.sock = None
    assert _wait_gone([other.pid]) == []
    assert template.alive()
    folder = template.folder
    template.close()
    assert not template.alive() and not os.path.exists(folder)


def test_a_template_that_is_gone_costs_no_agency(template, tmp_path, capfd):
    """The batch's template died before a worker asked: the worker starts a
    template of its own, says so in one Chinese line, and its job runs."""
    template.proc.kill()
    template.proc.wait()
    forkserver.use_template(template.address)
    pool = KernelPool(fork=True)
    try:
        with pool.kernel(cwd=tmp_path) as km:
            got = _ask(km, "z = 3", {"z": "z", "ppid": "__import__('os').getppid()"})
        server = forkserver.shared(start=False)
    finally:
        pool.close()
    assert got["z"] == "3"
    assert type(server) is forkserver.ForkServer and int(got["ppid"]) == server.pid
    notes = [line for line in capfd.readouterr().err.splitlines() if "内核模板进程" in line]
    assert notes == ["提示：无法连接批量作业的内核模板进程，本工作进程改为自行启动内核模板（结果相同，只是较慢）"], notes


def test_template_and_fork_server_die_with_a_killed_batch(tmp_path):
    """SIGKILL to the process that started the template (the batch): the
    template dies (PR_SET_PDEATHSIG), the fork server it gave out dies too
    (its worker's connection closes and its template is gone)."""
    script = textwrap.dedent("""
        import json, sys, time
        from nianbao import forkserver
        t = forkserver.Template(); t.start()
        s = forkserver.BatchServer(t.address); s.start(); s._wait_ready()
        print(json.dumps({"template": t.pid, "server": s.pid}), flush=True)
        time.sleep(300)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = json.loads(proc.stdout.readline())
        assert psutil.Process(pids["template"]).ppid() == proc.pid
        assert psutil.Process(pids["server"]).ppid() == pids["template"]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _wait_gone(list(pids.values())) == [], pids
    finally:
        if proc.poll() is None:
            proc.kill()
