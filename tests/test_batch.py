"""Many agencies at once: a process pool of independent jobs and a status
board read from their results.json."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from conftest import DEMO_2023, DEMO_2024, ZIBO_2023


def test_batch_runs_each_agency_in_its_own_folder(tmp_path, cli):
    now, prior = tmp_path / "2024", tmp_path / "2023"
    now.mkdir()
    prior.mkdir()
    shutil.copy(DEMO_2024, now / "demo.xlsx")
    shutil.copy(DEMO_2023, prior / "demo.xlsx")
    shutil.copy(ZIBO_2023, now / "zibo.xlsx")
    (now / "broken.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out"
    code, stdout, err = cli("batch", now / "demo.xlsx", now / "zibo.xlsx", now / "broken.xlsx",
                            "--prior-dir", prior, "-o", out, "--formats", "html", "--workers", "2")
    assert code == 2, "the worst outcome (one bad workbook) decides the exit code"
    folders = {p.name: p for p in out.iterdir() if p.is_dir()}
    # named as `nianbao run` names them: agency and year, not the file name
    assert (folders["示例市市场监督管理局-2024"] / "report.html").is_file()
    assert (folders["淄博市人民政府外事办公室-2023"] / "report.html").is_file()
    assert (next(p for n, p in folders.items() if n.startswith("broken-")) / "results.json").is_file()
    with open(out / "status.csv", encoding="utf-8-sig") as fh:
        rows = {r["工作簿"].rsplit(".", 1)[0]: r for r in csv.DictReader(fh)}
    assert rows["demo"]["状态"] == "完成" and rows["demo"]["新收申请总数"] == "70"
    assert rows["zibo"]["机关"] == "淄博市人民政府外事办公室"
    assert rows["broken"]["状态"] == "输入有误" and "不是 Excel 工作簿" in rows["broken"]["说明"]
    assert "示例市市场监督管理局" in stdout


def test_batch_folders_do_not_depend_on_the_order(tmp_path):
    from nianbao.batch import plan

    a = tmp_path / "甲局.xlsx"
    b = tmp_path / "乙局.xlsx"
    shutil.copy(DEMO_2024, a)
    shutil.copy(ZIBO_2023, b)
    first = {j.workbook: j.output_dir for j in plan([a, b], tmp_path / "o")}
    second = {j.workbook: j.output_dir for j in plan([b], tmp_path / "o")}
    assert first[str(b)] == second[str(b)] and first[str(a)] != first[str(b)]
    assert Path(first[str(a)]).name == "示例市市场监督管理局-2024"        # the agency, not the file name
    renamed = tmp_path / "修订稿.xlsx"
    shutil.copy(DEMO_2024, renamed)
    assert plan([renamed], tmp_path / "o")[0].output_dir == first[str(a)]


def test_batch_pairs_prior_by_agency(tmp_path):
    from nianbao.batch import plan

    prior = tmp_path / "prior"
    prior.mkdir()
    shutil.copy(DEMO_2023, prior / "whatever-name.xlsx")
    jobs = plan([DEMO_2024, ZIBO_2023], tmp_path / "o", prior)
    assert jobs[0].prior and jobs[0].prior.endswith("whatever-name.xlsx")
    assert jobs[1].prior is None


@pytest.mark.parametrize("group,term", [(False, False), (True, False), (False, True)],
                         ids=["batch-only", "terminal", "sigterm"])
def test_interrupted_batch_starts_no_further_job(tmp_path, group, term):
    """SIGINT to the batch alone (``kill -INT``, a service manager) or to its
    whole process group (Ctrl-C in a terminal), or SIGTERM, stops the queue:
    jobs not yet started are not run, the exit code is 130 (143), no English
    traceback. Before, every queued job still ran and the batch said 已中断
    only at the end. The status table and the board are still written, with
    every agency: those that did not run say so (before, an interrupted
    batch left neither)."""
    import csv
    import os
    import signal
    import subprocess
    import sys
    import time

    import openpyxl

    now = tmp_path / "2024"
    now.mkdir()
    for i in range(8):
        wb = openpyxl.load_workbook(DEMO_2024)
        for row in wb["基本信息"].iter_rows():
            for c in row:
                if c.value == "示例市市场监督管理局":
                    c.value = f"示例市第{i}局"
        wb.save(now / f"a{i}.xlsx")
    out = tmp_path / "out"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "nianbao"), "batch", str(now), "-o", str(out),
                             # two workers and a warm LibreOffice: the case that printed English
                             "--formats", "docx,html,pdf" if group else "html", "--workers", "2" if group else "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            start_new_session=group)
    end = time.monotonic() + 300
    while time.monotonic() < end and proc.poll() is None and not list(out.glob("*/results.json")):
        time.sleep(0.1)
    assert proc.poll() is None, "the batch is still running after its first job"
    if group:
        time.sleep(0.5)          # the next jobs' kernels are running
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM if term else signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:         # fail, but leave no batch behind
        os.killpg(proc.pid, signal.SIGKILL) if group else proc.kill()
        proc.communicate()
        raise
    assert proc.returncode == (143 if term else 130) and "已中断" in stderr, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    done = list(out.glob("*/results.json"))
    # the finished ones, the running ones and those the pool had already queued for its workers
    assert 1 <= len(done) <= (6 if group else 4), f"no queued job starts after Ctrl-C ({len(done)} of 8 jobs)"
    with open(out / "status.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["机关"] for r in rows) == [f"示例市第{i}局" for i in range(8)]
    not_run = [r for r in rows if r["状态"] == "未运行（批量被中断）"]
    assert len(not_run) >= 8 - len(done) and all("批量被中断" in r["说明"] for r in not_run)
    assert (out / "board.html").is_file()


def test_the_board_reuses_what_plan_read_while_the_workbook_is_unchanged(tmp_path, monkeypatch):
    """plan reads every workbook (agency, year); the board at the batch's end
    uses those figures instead of reading each one again, but only while the
    file is unchanged: a workbook replaced during the batch is read anew."""
    import json
    import os

    from nianbao import board, sources
    from nianbao.batch import plan

    src = tmp_path / "in"
    src.mkdir()
    wb = src / "a.xlsx"
    shutil.copy(DEMO_2024, wb)
    job = plan([wb], tmp_path / "out", formats=("html",))[0]
    Path(job.output_dir).mkdir(parents=True)
    (Path(job.output_dir) / "results.json").write_text(json.dumps(
        {"workbook": str(wb), "status": "ok", "key_figures": [], "findings": {"error": 0}}), encoding="utf-8")
    assert os.path.realpath(wb) in board._known
    kept = dict(board._known)
    board._known.clear()
    fresh = board.agency_states(tmp_path / "out")[0].figures        # read again (what it did before)
    board._known.update(kept)

    def no_reading(*a, **k):
        raise AssertionError("the board read the workbook again")

    monkeypatch.setattr(sources, "load_report", no_reading)
    assert board.agency_states(tmp_path / "out")[0].figures == fresh and fresh["复议纠正数"] is not None
    monkeypatch.undo()

    shutil.copy(ZIBO_2023, wb)                          # replaced after plan read it
    os.utime(wb, ns=(1, 1))                             # whatever its time: the size or time differs
    replaced = board.agency_states(tmp_path / "out")[0].figures
    board._known.clear()
    assert replaced == board.agency_states(tmp_path / "out")[0].figures != fresh


def test_a_refused_batch_ends_what_it_started_early(tmp_path, cli, monkeypatch):
    """The template, LibreOffice and the workers start before plan reads the
    workbooks; when plan then refuses the batch (two inputs of one agency
    and year): exit 2, the Chinese message, no job folder, nothing left running."""
    import time

    import psutil

    import nianbao.batch as batch

    def descendants() -> dict[int, psutil.Process]:
        return {p.pid: p for p in psutil.Process().children(recursive=True)}

    before = set(descendants())
    for name in ("draft.xlsx", "revised.xlsx"):
        shutil.copy(DEMO_2024, tmp_path / name)
    started: dict[int, psutil.Process] = {}
    seen: dict[int, tuple[int, str]] = {}             # pid -> (parent, command line)
    real_plan = batch.plan
    me = " ".join(psutil.Process().cmdline())

    def workers() -> list[int]:                       # the pool's, forked from this process
        return [pid for pid, (ppid, line) in seen.items() if ppid == os.getpid() and line == me]

    def plan_seeing_the_early_starts(*a, **k):        # what runs while plan reads the workbooks
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for pid, p in descendants().items():
                if pid not in before and pid not in seen:
                    try:
                        seen[pid] = (p.ppid(), " ".join(p.cmdline()))
                        started[pid] = p
                    except psutil.Error:
                        pass
            lines = " ".join(line for _, line in seen.values())
            if "ipykernel-template" in lines and "soffice" in lines and len(workers()) >= 2:
                break
            time.sleep(0.1)
        return real_plan(*a, **k)

    monkeypatch.setattr(batch, "plan", plan_seeing_the_early_starts)
    code, out, err = cli("batch", tmp_path / "draft.xlsx", tmp_path / "revised.xlsx", "-o", tmp_path / "out",
                         "--formats", "docx,pdf", "--workers", "2")
    assert code == 2 and "只能有一个" in err and "Traceback" not in err, err
    assert not any(p.is_dir() for p in (tmp_path / "out").glob("*")), "no job started"
    lines = [line for _, line in seen.values()]
    assert any("ipykernel-template" in line for line in lines) and any("soffice" in line for line in lines), lines
    assert len(workers()) == 2, seen
    gone, alive = psutil.wait_procs(list(started.values()), timeout=15)
    left = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, [p.pid for p in left]


def _sleep_then_mark(seconds: float, mark: str) -> None:
    import time

    time.sleep(seconds)
    Path(mark).write_text("ran", encoding="utf-8")


def test_an_interrupted_pool_gives_running_jobs_a_grace_then_kills_their_workers(tmp_path):
    """``batch._stop_workers``: a job that does not end (a worker stuck
    waiting for a kernel the same Ctrl-C stopped) no longer keeps the
    interrupted batch waiting: after the grace its worker is killed; a
    queued job never starts."""
    import threading
    from concurrent.futures import ProcessPoolExecutor

    from nianbao.batch import _stop_workers

    executor = ProcessPoolExecutor(max_workers=1)
    stuck = executor.submit(_sleep_then_mark, 600, str(tmp_path / "stuck"))
    queued = executor.submit(_sleep_then_mark, 0, str(tmp_path / "queued"))
    while not stuck.running():
        pass
    workers = list(executor._processes.values())
    stopper = threading.Thread(target=_stop_workers, args=(executor, 1.0))
    stopper.start()
    stopper.join(60)
    assert not stopper.is_alive(), "the interrupted pool still waits for its stuck job"
    assert workers and not any(w.is_alive() for w in workers)
    assert not (tmp_path / "queued").exists() and not (tmp_path / "stuck").exists()
    assert queued.cancelled() or queued.exception(timeout=10) is not None
