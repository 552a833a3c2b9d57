"""``run_batch`` on a real Dask cluster: a ``dask scheduler`` and two
``dask worker`` processes on 127.0.0.1 started here; the same statuses and
outputs as the process pool; a worker killed mid-batch loses no agency."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="dask/distributed not installed (extra [cluster])")

from conftest import DEMO_2024, edited_copy  # noqa: E402
from nianbao.batch import plan, run_batch  # noqa: E402
from nianbao.cluster import executor  # noqa: E402
from officekit import AGENCIES, departments  # noqa: E402

DASK = str(Path(sys.executable).with_name("dask"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    return subprocess.Popen([DASK, *args], stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)     # its own process group: killed as a whole


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded workers; yields (address, workers)."""
    port = _port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0",
                    "--no-show", log=tmp_path / "scheduler.log")]
    workers = [_start("worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                      "--no-dashboard", "--name", f"w{i}", log=tmp_path / f"worker{i}.log") for i in range(2)]
    procs += workers
    try:
        client = distributed.Client(address, timeout=60)
        client.wait_for_workers(2, timeout=60)
        client.close()
        yield address, workers
    finally:
        for p in reversed(procs):
            _stop(p)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cluster-inputs")
    made = departments(folder, 2)
    broken = folder / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    wrong = edited_copy(DEMO_2024, folder / "wrong.xlsx", meta__agency="示例市统计局",
                        requests__new_received__commercial=99)
    return [*made, broken, wrong]


def _outcome(results: list[dict]) -> list[tuple]:
    return [(Path(r.get("workbook") or "").name, r.get("status"), r.get("agency"),
             sorted((r.get("files") or {}).keys()), json.dumps(r.get("key_figures"), ensure_ascii=False))
            for r in results]


def test_same_results_as_the_process_pool(books, cluster, tmp_path, cli):
    """`nianbao batch … --scheduler tcp://127.0.0.1:PORT` (the command, as an office
    runs it) gives each agency the same outcome as the process pool."""
    address, _ = cluster
    pool = run_batch(plan(books, tmp_path / "pool", formats=("html",)), max_workers=2)
    code, out, err = cli("batch", *books, "-o", tmp_path / "dask", "--formats", "html", "--scheduler", address)
    assert code == 2, out + err                 # the worst job: the broken workbook (bad input)
    assert (tmp_path / "dask" / "board.html").is_file() and (tmp_path / "dask" / "status.csv").is_file()
    dask = []
    for r in pool:
        folder = tmp_path / "dask" / Path(r["outdir"]).name
        dask.append(json.loads((folder / "results.json").read_text(encoding="utf-8")))
        names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        assert names == sorted(p.name for p in Path(r["outdir"]).iterdir() if not p.name.startswith("."))
    assert _outcome(dask) == _outcome(pool)
    assert [r["status"] for r in dask] == ["ok", "ok", "bad-input", "errors"]
    assert dask[-1]["findings"]["error"] > 0                 # wrong figures: checked, no report


def test_a_worker_killed_mid_batch_loses_no_agency(books, cluster, tmp_path):
    """run_batch (as nianbao batch --scheduler calls it): one worker is killed
    while both are inside a job; its job reruns on the other, nothing is lost."""
    import threading

    address, workers = cluster
    out = tmp_path / "out"
    killed = threading.Event()

    def kill_when_busy():
        with distributed.Client(address, timeout=30) as watcher:
            deadline = time.time() + 120
            while time.time() < deadline:
                busy = [w for w, tasks in watcher.processing().items() if tasks]
                if len(busy) == 2 and list(out.glob("*/.nianbao/staging/*")):   # both inside a job
                    break
                time.sleep(0.2)
            else:
                return
        os.killpg(workers[1].pid, signal.SIGKILL)
        killed.set()

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    with executor(address) as ex:
        results = run_batch(plan(books[:2], out, formats=("html",)), executor=ex)
    killer.join()
    assert killed.is_set() and workers[1].wait(10) is not None    # it really was killed mid-batch
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert sorted(r["agency"] for r in results) == sorted(AGENCIES[:2])
    for r in results:
        summary = json.loads((Path(r["outdir"]) / "results.json").read_text(encoding="utf-8"))
        assert summary["status"] == "ok" and (Path(r["outdir"]) / "report.html").is_file()


def test_local_cluster_and_an_unreachable_scheduler(cli):
    from nianbao.errors import InputError

    with executor("local", workers=1) as ex:
        assert ex.submit(pow, 2, 10).result(timeout=60) == 1024
    port = _port()                                     # nothing listens there
    with pytest.raises(InputError) as e:
        with executor(f"tcp://127.0.0.1:{port}", timeout=2):
            pass
    assert "无法连接 Dask 调度器" in e.value.render() and e.value.exit_code == 2
