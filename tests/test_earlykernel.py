"""A single run's kernel launched first (earlykernel.py): a real kernel
process adopted by jupyter_client, moved into the job's folder, never seeing
the secrets, killed with nothing left behind — also when the input is bad."""
from __future__ import annotations

import json
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
    return [p for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]


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
