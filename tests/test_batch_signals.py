"""``nianbao batch`` as a fresh user meets it: an empty input, no
LibreOffice, Ctrl-C and SIGTERM at any moment, a worker killed. Every test
runs the real command in its own process and sends real signals."""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO_2023, DEMO_2024

NIANBAO = str(Path(sys.executable).parent / "nianbao")
NOT_RUN = "未运行（批量被中断）"
STOPPED = "已开始，被中断（未完成）"


def agencies(folder: Path, n: int) -> list[str]:
    """``n`` copies of the demo workbook in ``folder``, agencies 示例市第0局 …,
    and of its prior year in ``folder/../prior`` (``--prior-dir``: without
    it the demo's text has an unfilled placeholder); their names."""
    import openpyxl

    names = [f"示例市第{i}局" for i in range(n)]
    for source, into in ((DEMO_2024, folder), (DEMO_2023, folder.parent / "prior")):
        into.mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(names):
            wb = openpyxl.load_workbook(source)
            for row in wb["基本信息"].iter_rows():
                for c in row:
                    if c.value == "示例市市场监督管理局":
                        c.value = name
            wb.save(into / f"a{i}.xlsx")
    return names


def start(*args, env: dict | None = None) -> subprocess.Popen:
    """``nianbao batch ARGS…`` in its own process group (as a terminal runs
    it); with ``--prior-dir`` when the first argument has a ``../prior``."""
    prior = Path(args[0]).parent / "prior"
    more = ["--prior-dir", str(prior)] if prior.is_dir() else []
    return subprocess.Popen([NIANBAO, "batch", *map(str, args), *more], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    """Wait for the batch; kill its whole group if it hangs (and fail)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return proc.returncode, out, err


def wait_for(condition, proc: subprocess.Popen, timeout: float = 120, step: float = 0.05) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the batch ended early: {proc.communicate()}"
        assert time.monotonic() < end, "timed out"
        time.sleep(step)


def rows(out: Path) -> list[dict]:
    with open(out / "status.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def results(out: Path) -> list[Path]:
    return list(out.glob("*/results.json"))


def no_english(err: str) -> None:
    for word in ("Traceback", "Error", "Exception", "BrokenProcessPool"):
        assert word not in err, err


def counts_said(err: str) -> tuple[int, int, int]:
    """(with a result, stopped while running, not run) from the interrupted batch's last line."""
    import re

    m = re.search(r"(\d+) 个机关已有结果，(?:(\d+) 个运行中被强行结束.*?，)?(\d+) 个未运行", err)
    assert m, err
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3))


# --- bad input -------------------------------------------------------------------------

@pytest.mark.parametrize("content", ["empty", "text-only"])
def test_a_batch_without_workbooks_is_refused_and_writes_nothing(tmp_path, content):
    """Before: internal error (exit 70, a pandas KeyError) and a 5-byte
    status.csv that then blocked the next batch."""
    src = tmp_path / "收到的报告"
    src.mkdir()
    if content == "text-only":
        (src / "说明.txt").write_text("各部门的工作簿稍后报送", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = finish(start(src, "-o", out, "--formats", "docx,html"), timeout=60)
    assert code == 2, (code, err)
    assert "没有找到工作簿" in err and "检查给出的文件夹" in err, err
    no_english(err)
    assert not out.exists(), "nothing is written, not even the output folder"


def test_the_empty_table_an_earlier_empty_batch_left_does_not_block_the_next(tmp_path):
    """The 5-byte status.csv (a BOM and a line end) the old empty batch wrote
    is replaced without --force."""
    names = agencies(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "status.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    code, _, err = finish(start(tmp_path / "in", "-o", out, "--formats", "html", "--workers", "1"))
    assert code == 0, err
    assert [r["机关"] for r in rows(out)] == names


def test_pdf_without_libreoffice_is_refused_once_before_any_job(tmp_path):
    """Before: every agency failed on its own with 找不到 LibreOffice and a blank agency."""
    names = agencies(tmp_path / "in", 3)
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "out"
    code, _, err = finish(start(tmp_path / "in", "-o", out, "--formats", "docx,pdf",
                                env=dict(os.environ, PATH=str(empty))), timeout=60)
    assert code == 2, (code, err)
    assert err.count("找不到 LibreOffice") == 1 and "--formats docx,html" in err, err
    no_english(err)
    assert not any(name in err for name in names)
    assert not out.exists()


# --- interrupted -----------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_to_the_group_while_the_workers_start(tmp_path, signum):
    """The whole process group (a terminal's Ctrl-C, systemd's SIGTERM) at
    the instant the workers set themselves up. Before: two "Exception in
    initializer … KeyboardInterrupt" tracebacks, every agency 作业失败 /
    BrokenProcessPool and "16 个机关已有结果，0 个未运行"."""
    names = agencies(tmp_path / "in", 6)
    out = tmp_path / "out"
    proc = start(tmp_path / "in", "-o", out, "--formats", "docx,html", "--workers", "2")
    import psutil

    def workers_starting() -> bool:           # the pool's workers are forked from the batch
        try:
            me = psutil.Process(proc.pid)
            return sum(c.cmdline() == me.cmdline() for c in me.children()) >= 2
        except psutil.Error:
            return False

    wait_for(workers_starting, proc, timeout=60, step=0.01)
    os.killpg(proc.pid, signum)
    code, _, err = finish(proc)
    assert code == 128 + signum, (code, err)
    no_english(err)
    assert "已中断" in err and ("收到终止信号" in err) == (signum == signal.SIGTERM), err
    if "还没有开始任何机关的作业" in err:
        assert not (out / "status.csv").exists()
        return
    table = rows(out)
    assert sorted(r["机关"] for r in table) == names
    assert not any(r["状态"] == "作业失败" for r in table), table
    ran = [r for r in table if r["状态"] != NOT_RUN]
    assert counts_said(err) == (len(ran), 0, len(table) - len(ran)), err
    assert len(results(out)) == len(ran)


def test_ctrl_c_in_a_terminal_lets_running_jobs_finish_and_starts_no_more(tmp_path):
    """README: 排队的机关不再开始，正在运行的作业有 30 秒完成. Before, the
    workers died of the same Ctrl-C (their jobs reported 未运行 although
    they had started) and the jobs the pool had queued for them still started."""
    names = agencies(tmp_path / "in", 6)
    out = tmp_path / "out"
    proc = start(tmp_path / "in", "-o", out, "--formats", "html", "--workers", "2")
    wait_for(lambda: results(out), proc)
    wait_for(lambda: list(out.glob("*/.nianbao/staging/*")), proc)       # a job is running
    before = {p.parent.name for p in results(out)}
    running = {p.parents[2].name for p in out.glob("*/.nianbao/staging/*")} - before
    os.killpg(proc.pid, signal.SIGINT)
    code, _, err = finish(proc)
    assert code == 130, (code, err)
    no_english(err)
    after = {p.parent.name for p in results(out)}
    assert running and running <= after, "the jobs running at Ctrl-C finished"
    assert len(after) <= len(before) + 2, f"no queued job started after Ctrl-C: {len(before)} -> {len(after)}"
    table = rows(out)
    assert sorted(r["机关"] for r in table) == names
    done = [r for r in table if r["状态"] == "完成"]
    assert {Path(r["文件夹"]).name for r in done} == after
    assert all(r["状态"] == NOT_RUN for r in table if r not in done), table
    assert counts_said(err) == (len(done), 0, len(table) - len(done))
    assert not list(out.glob("*/.nianbao/staging/*")), "no job left half done"


def test_a_second_ctrl_c_ends_running_jobs_which_are_reported_as_started(tmp_path):
    """A second Ctrl-C does not wait for the running jobs: their workers are
    killed, and those jobs say they had started (never 未运行)."""
    agencies(tmp_path / "in", 4)
    out = tmp_path / "out"
    proc = start(tmp_path / "in", "-o", out, "--formats", "html", "--workers", "2")
    wait_for(lambda: list(out.glob("*/.nianbao/staging/*")), proc, step=0.02)
    import psutil

    started = psutil.Process(proc.pid).children(recursive=True)      # workers, template, fork servers, kernels
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    code, _, err = finish(proc, timeout=60)
    assert code == 130, (code, err)
    no_english(err)
    _, alive = psutil.wait_procs(started, timeout=10)
    assert not alive, [" ".join(p.cmdline())[:80] for p in alive]
    table = rows(out)
    stopped = [r for r in table if r["状态"] == STOPPED]
    assert stopped, table
    for r in stopped:
        assert "正在运行" in r["说明"] and list(Path(r["文件夹"]).glob(".nianbao/staging/*"))
    done = [r for r in table if r["状态"] == "完成"]
    assert counts_said(err) == (len(done), len(stopped), len(table) - len(done) - len(stopped)), err
    board = (out / "board.html").read_text(encoding="utf-8")
    assert all(r["机关"] in board and "作业被中断" in board for r in stopped)


@pytest.mark.parametrize("signum,after", [(signal.SIGTERM, 0.3), (signal.SIGTERM, 1.0), (signal.SIGINT, 1.0)],
                         ids=["sigterm-0.3s", "sigterm-1s", "ctrl-c-1s"])
def test_interrupted_before_planning_leaves_the_earlier_tables(tmp_path, signum, after):
    """Before: SIGTERM printed nothing; an earlier batch's status.csv stayed
    beside a board of another state. Now: 已中断 (SIGTERM: 收到终止信号), and
    either nothing was planned (said so; the earlier files untouched) or
    the table lists every agency consistently."""
    names = agencies(tmp_path / "in", 4)
    out = tmp_path / "out"
    out.mkdir()
    earlier = "\ufeff机关,年度,状态\n示例市第0局,2024,完成\n"
    (out / "status.csv").write_text(earlier, encoding="utf-8")
    proc = start(tmp_path / "in", "-o", out, "--formats", "docx,html", "--workers", "2")
    time.sleep(after)
    os.killpg(proc.pid, signum)
    code, _, err = finish(proc, timeout=60)
    assert code == 128 + signum, (code, err)
    no_english(err)
    assert "已中断" in err and ("收到终止信号" in err) == (signum == signal.SIGTERM), err
    if "还没有开始任何机关的作业" in err:
        assert (out / "status.csv").read_text(encoding="utf-8") == earlier
        assert not results(out)
    else:
        assert sorted(r["机关"] for r in rows(out)) == names


# --- a worker killed -------------------------------------------------------------------

def busiest(processes: list, seconds: float = 0.3):
    """The process that used the most CPU time in the next ``seconds`` (a
    worker running a job, not one waiting for its next)."""
    def cpu(p) -> float:
        t = p.cpu_times()
        return t.user + t.system

    first = [cpu(p) for p in processes]
    time.sleep(seconds)
    return max(zip(processes, first), key=lambda pf: cpu(pf[0]) - pf[1])[0]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_a_killed_worker_fails_only_its_own_job(tmp_path, signum):
    """SIGKILL (as the OOM killer sends) of a worker running a job. Before:
    every pending agency failed with BrokenProcessPool, rows without agency
    names, and board.html disagreed with status.csv. SIGTERM to that worker
    alone: its job finishes first, nothing fails."""
    import psutil

    names = agencies(tmp_path / "in", 6)
    out = tmp_path / "out"
    proc = start(tmp_path / "in", "-o", out, "--formats", "html", "--workers", "2")
    wait_for(lambda: results(out), proc)
    wait_for(lambda: list(out.glob("*/.nianbao/staging/*")), proc, step=0.02)
    me = psutil.Process(proc.pid)
    workers = [c for c in me.children() if c.cmdline() == me.cmdline()]
    assert len(workers) == 2, workers
    busy = busiest(workers)
    busy.send_signal(signum)
    code, stdout, err = finish(proc)
    assert not busy.is_running(), "the worker is gone: the batch went on with a new one"
    no_english(err + stdout)
    table = rows(out)
    assert sorted(r["机关"] for r in table) == names
    failed = [r for r in table if r["状态"] != "完成"]
    assert len(failed) <= (1 if signum == signal.SIGKILL else 0), table
    assert code == (3 if failed else 0), (code, err)
    board = (out / "board.html").read_text(encoding="utf-8")
    for r in failed:
        assert r["状态"] == "作业失败" and "工作进程意外退出" in r["说明"] and r["机关"] in r["说明"], r
        assert "重新运行本命令即可补上" in r["说明"] and "工作进程意外退出" in board
    assert len(results(out)) == 6, "the others went on in a new pool; the failed one recorded for the board"
