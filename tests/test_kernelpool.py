"""The kernel pool (kernelpool.py): the shipped notebook runs under papermill
in kernels started ahead, one fresh kernel per job, ready when the job
starts; kernels keep job.py's isolation and die with their worker."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import nbformat
import papermill as pm
import pytest
from conftest import DEMO_2023, DEMO_2024, ROOT, edited_copy

from nianbao.errors import JobError
from nianbao.job import NOTEBOOK
from nianbao.kernelpool import KernelPool
from nianbao.timings import Timings, notebook_timings


def _kernel_pid(km) -> int:
    return km.provisioner.process.pid


def _alive(pid: int) -> bool:
    """The process runs (a zombie waiting to be reaped counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_shipped_notebook_twice_through_the_pool(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", "do-not-leak")
    other = edited_copy(DEMO_2024, tmp_path / "other.xlsx", **{"meta.agency": "某某县测试局"})
    pool = KernelPool()
    try:
        pool.prestart()
        time.sleep(4)          # the worker's previous job would be running now
        runs = []
        for i, workbook in enumerate((DEMO_2024, other)):
            staging = tmp_path / f"job{i}"
            staging.mkdir()
            with pool.kernel(cwd=staging) as km:
                out: list[str] = []
                runs.append((out, _kernel_pid(km), pool.last_wait_s))
                kc = km.blocking_client()
                kc.start_channels()
                try:      # the libraries were imported ahead, silently (no execution count)
                    reply = kc.execute_interactive("", silent=True, timeout=30, user_expressions={
                        "pre": "sorted(m for m in ('pandas', 'nianbao.steps') if m in __import__('sys').modules)"})
                finally:
                    kc.stop_channels()
                assert reply["content"]["user_expressions"]["pre"]["data"]["text/plain"] == "['nianbao.steps', 'pandas']"
                pm.execute_notebook(str(NOTEBOOK), str(staging / "notebook.ipynb"), km=km,
                                    parameters={"workbook": str(workbook), "prior_workbook": str(DEMO_2023),
                                                "output_dir": str(staging), "formats": ["docx", "html"]},
                                    kernel_name=pool.kernel_name, progress_bar=False, cwd=str(staging))
                # same kernel, still ours: its working folder is the job's, its env has no secret
                kc = km.blocking_client()
                kc.start_channels()
                try:
                    reply = kc.execute_interactive(
                        "import os, json; print(json.dumps([os.getcwd(), 'NIANBAO_SMTP_PASSWORD' in os.environ]))",
                        timeout=30, output_hook=lambda m: out.append(m["content"].get("text", "")))
                finally:
                    kc.stop_channels()
                assert reply["content"]["status"] == "ok"
            if i == 0:
                time.sleep(4)   # job 1 renders, the next kernel boots meanwhile
        for i, (out, pid, wait) in enumerate(runs):
            staging = tmp_path / f"job{i}"
            assert (staging / "report.docx").stat().st_size > 10_000
            assert (staging / "report.html").is_file()
            nb = nbformat.read(staging / "notebook.ipynb", as_version=4)
            counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
            assert counts == list(range(1, len(counts) + 1))     # the chdir left no trace
            cwd, leaked = json.loads("".join(out))
            assert cwd == str(staging) and leaked is False
            timings = notebook_timings(staging / "notebook.ipynb")
            steps = [k for k in timings if k.startswith("step:")]
            assert {"step:参数", "step:读取", "step:校验", "step:生成报告"} <= set(steps), timings
            assert list(timings)[0] == "kernel_start" and "kernel_shutdown" in timings
            assert all(v >= 0 for v in timings.values())
            assert sum(timings[k] for k in steps) <= nb.metadata.papermill.duration
        assert "某某县测试局" in (tmp_path / "job1" / "report.html").read_text(encoding="utf-8")
        assert "某某县测试局" not in (tmp_path / "job0" / "report.html").read_text(encoding="utf-8")
        assert runs[0][1] != runs[1][1]                           # one kernel per agency
        assert runs[1][2] < 0.5, f"second job waited {runs[1][2]:.2f} s for its kernel"
        time.sleep(0.5)
        pool._reap()
        assert not _alive(runs[0][1])                              # retired without waiting
    finally:
        pool.close()
    for _, pid, _ in runs:
        assert not _alive(pid)


def test_kernels_die_with_their_worker(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        from nianbao.kernelpool import kernel_pool
        pool = kernel_pool()
        km = pool.take({str(tmp_path)!r})
        print(km.provisioner.process.pid, pool._next[0].provisioner.process.pid, flush=True)
        import time; time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    pids = [int(p) for p in child.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    child.kill()                                                   # no atexit, no cleanup
    child.wait(30)
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in pids if _alive(p)]
    for p in left:
        os.kill(p, 9)
    assert not left, "kernels outlived their worker"


def test_unknown_kernel_is_a_clear_error(tmp_path):
    pool = KernelPool(kernel_name="no-such-kernel-nianbao")
    with pytest.raises(JobError) as e:
        pool.take(tmp_path)
    pool.close()
    assert e.value.problems[0].code == "kernel-start" and "内核未能启动" in e.value.render()


def test_timings_add_up_per_phase():
    t = Timings()
    with t.phase("publish"):
        time.sleep(0.02)
    t.add("publish", 0.5)
    t.update({"pdf": 0.25, "kernel_start": -1})
    d = t.as_dict()
    assert list(d) == ["publish", "pdf", "kernel_start", "total"]
    assert 0.52 <= d["publish"] < 1 and d["pdf"] == 0.25 and d["kernel_start"] == 0
    assert d["total"] >= 0.02


def test_notebook_timings_of_an_unreadable_notebook_is_empty(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{", encoding="utf-8")
    assert notebook_timings(tmp_path / "nb.ipynb") == {}
    assert notebook_timings(tmp_path / "missing.ipynb") == {}
