"""A single run's kernel launched first (earlykernel.py): a real kernel
process adopted by jupyter_client, moved into the job's folder, never seeing
the secrets, killed with nothing left behind — also when the input is bad."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import psutil
import pytest
from conftest import DEMO_2023, DEMO_2024

from nianbao import earlykernel
from nianbao.job import SECRET_ENV, run_job
from nianbao.kernelpool import EXTRA_ARGUMENTS, _call

pytestmark = pytest.mark.skipif(earlykernel.spec_argv() is None,
                                reason="the nianbao kernel spec is not installed (bash scripts/setup)")


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """tempfile's folder for this test only: what runs leave there is ours to count."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _kernels_of_this_process() -> list[psutil.Process]:
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if "ipykernel" in " ".join(p.cmdline()):
                found.append(p)
        except psutil.NoSuchProcess:           # also a zombie: a helper of an earlier run, ended, not yet reaped
            pass
    return found


def test_launched_kernel_is_adopted_and_works_in_the_jobs_folder(tmp_path, private_tmp, monkeypatch):
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", "do-not-leak")
    early = earlykernel.launch("import pandas as _pd_preloaded", EXTRA_ARGUMENTS, SECRET_ENV, office_socket=True)
    assert early is not None and early.alive()
    assert early.proc.pid in [p.pid for p in _kernels_of_this_process()]
    job_folder = tmp_path / "作业"
    job_folder.mkdir()
    with early.manager(job_folder) as km:
        kc = km.client()
        kc.start_channels()
        try:
            _call(kc.wait_for_ready, timeout=60)
            seen = []
            code = ("import os, sys; print(os.getcwd()); print(os.environ.get('NIANBAO_SMTP_PASSWORD')); "
                    "print(os.environ.get('NIANBAO_OFFICE_SOCKET')); print('_pd_preloaded' in dir())")
            _call(kc.execute_interactive, code, timeout=60, output_hook=seen.append)
        finally:
            kc.stop_channels()
        lines = "".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream").splitlines()
        assert lines == [str(job_folder), "None", early.office_socket, "True"]
    assert not early.alive()
    assert list(private_tmp.iterdir()) == []          # kernel and office folders removed


def test_bad_input_kills_the_early_kernel_and_leaves_nothing(tmp_path, private_tmp):
    result = run_job(tmp_path / "没有这个文件.xlsx", output_dir=tmp_path / "out", formats=["docx", "pdf"],
                     progress=False)
    assert result.status == "bad-input"
    assert _kernels_of_this_process() == []
    assert list(private_tmp.iterdir()) == []


def test_a_run_uses_it_and_ends_it(tmp_path, private_tmp):
    result = run_job(DEMO_2024, prior=DEMO_2023, output_dir=tmp_path / "out", formats=["docx", "html"],
                     progress=False)
    assert result.status == "ok", result.message
    timings = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["timings"]
    assert "kernel_wait" in timings             # the kernel was adopted, not started by papermill
    assert _kernels_of_this_process() == []
    assert [p.name for p in private_tmp.iterdir()] == []


def test_switched_off_the_kernel_starts_the_usual_way(tmp_path, monkeypatch):
    monkeypatch.setenv(earlykernel.ENV_SWITCH, "0")
    assert earlykernel.launch("", [], SECRET_ENV) is None
    result = run_job(DEMO_2024, prior=DEMO_2023, output_dir=tmp_path / "out", formats=["docx"], progress=False)
    assert result.status == "ok", result.message
    timings = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["timings"]
    assert "kernel_wait" not in timings


def test_a_kernel_that_died_while_booting_is_replaced(tmp_path, monkeypatch):
    real = earlykernel.launch

    def launch_then_kill(*args, **kw):
        early = real(*args, **kw)
        early.proc.kill()
        early.proc.wait()
        return early

    monkeypatch.setattr(earlykernel, "launch", launch_then_kill)
    result = run_job(DEMO_2024, prior=DEMO_2023, output_dir=tmp_path / "out", formats=["docx"], progress=False)
    assert result.status == "ok", result.message


def test_the_console_command_launches_the_kernel_before_anything_else(monkeypatch):
    """``nianbao run``'s words decide whether the kernel is launched at once
    (``launch_for_argv``) and whether it gets an office socket; help and
    --fonts (which the kernel must inherit) leave it to ``run_job``."""
    asked = []
    monkeypatch.setattr(earlykernel, "launch", lambda *a, office_socket=False, pin=False: asked.append(office_socket))
    cases = {("a.xlsx",): [True], ("a.xlsx", "--formats", "docx,html"): [False],
             ("a.xlsx", "--formats=html,pdf"): [True], ("a.xlsx", "--form", "docx"): [False],
             ("a.xlsx", "--prior", "b.xlsx", "-q"): [True],
             ("--help",): [], ("a.xlsx", "-h"): [], ("a.xlsx", "--fonts", "字体"): [], ("a.xlsx", "--fon=字体"): []}
    for args, expected in cases.items():
        asked.clear()
        earlykernel.launch_for_argv(list(args))
        assert asked == expected, args


def test_a_run_takes_the_kernel_the_command_launched(tmp_path, private_tmp, monkeypatch):
    launched = []
    real = earlykernel.launch

    def counting(*args, **kw):
        launched.append(kw.get("office_socket"))
        return real(*args, **kw)

    monkeypatch.setattr(earlykernel, "launch", counting)
    early = earlykernel.launch_for_argv([str(DEMO_2024), "--formats", "docx"])
    assert early is not None and launched == [False]
    result = run_job(DEMO_2024, prior=DEMO_2023, output_dir=tmp_path / "out", formats=["docx"], progress=False)
    assert result.status == "ok", result.message
    assert launched == [False]                  # taken, not launched a second time
    assert not early.alive() and _kernels_of_this_process() == []
    assert earlykernel.take_launched(office_socket=False) is None
    assert [p.name for p in private_tmp.iterdir()] == []


def test_a_kernel_without_office_socket_is_not_taken_for_a_pdf_run(private_tmp):
    early = earlykernel.launch_for_argv(["a.xlsx", "--formats", "docx"])
    assert early is not None and early.office_socket is None
    assert earlykernel.take_launched(office_socket=True) is None
    assert not early.alive() and list(private_tmp.iterdir()) == []


def test_bad_arguments_leave_no_kernel_and_no_folder(tmp_path):
    """The command launched the kernel before it read its arguments: an
    argument error (exit 2) or a missing workbook still ends it."""
    import os
    import subprocess
    import sys

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    for args in (["run", "a.xlsx", "--no-such-option"], ["run", str(tmp_path / "没有这个文件.xlsx"), "-q"]):
        proc = subprocess.run([sys.executable, "-m", "nianbao", *args], env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert list(tmp.iterdir()) == [], args
    assert _kernels_of_this_process() == []


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and two CPUs")
def test_a_pdf_runs_kernel_boots_on_a_cpu_of_its_own(tmp_path, private_tmp):
    """``launch(pin=True)`` (what the console command does for a PDF run):
    while the kernel boots it alone has the first CPU and this process (so
    the LibreOffice it starts meanwhile) the others; when the kernel
    answers, both may use every CPU again; ``NIANBAO_PIN=0`` leaves them."""
    from nianbao import cpus

    allowed = os.sched_getaffinity(0)
    first, others, _ = cpus.split()
    try:
        early = earlykernel.launch("", EXTRA_ARGUMENTS, SECRET_ENV, pin=True)
        assert os.sched_getaffinity(early.proc.pid) == first
        assert os.sched_getaffinity(0) == others
        child = subprocess.Popen([sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                                 stdout=subprocess.PIPE, text=True)
        assert child.communicate(timeout=60)[0].strip() == str(sorted(others))   # what it starts inherits it
        with early.manager(tmp_path):
            assert os.sched_getaffinity(0) == allowed
            threads = os.listdir(f"/proc/{early.proc.pid}/task")
            assert len(threads) > 1 and all(os.sched_getaffinity(int(t)) == allowed for t in threads)
    finally:
        os.sched_setaffinity(0, allowed)
    os.environ[cpus.ENV_SWITCH] = "0"
    try:
        assert cpus.split() is None
    finally:
        del os.environ[cpus.ENV_SWITCH]
