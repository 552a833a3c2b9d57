"""Run the batch on a Dask distributed cluster when one machine is not enough.

    with executor("tcp://10.0.0.5:8786") as ex:        # or "local"
        results = run_batch(jobs, executor=ex)

``executor(scheduler)`` yields a ``concurrent.futures.Executor`` whose tasks
run on the cluster's workers: ``"local"`` starts a ``LocalCluster`` on this
machine (one single-threaded worker process per job slot); anything else is
the address of a running ``dask scheduler``. Each job is idempotent (it
writes only its own folder, replacing its own outputs), so when a worker
dies Dask reruns its jobs elsewhere and no agency is lost.

What workers need (README, 政务公开办): the same file-system paths as the
machine that submits (workbooks and the output folder on a shared disk), the
nianbao package and its Jupyter kernel, LibreOffice and the CJK fonts; one
thread per worker (``dask worker ADDRESS --nthreads 1``), since papermill's
working-directory handling is not thread-safe.

Requires the optional extra ``nianbao[cluster]`` (dask, distributed).
"""
from __future__ import annotations

import contextlib
import os
from concurrent.futures import Executor
from typing import Iterator

from .errors import InputError, Problem

LOCAL = "local"
#: How often a job may be on a worker that dies before Dask gives up on it.
ALLOWED_FAILURES = 3


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(Problem("cluster-missing", "没有安装 Dask 分布式组件，无法使用 --scheduler",
                                 expected="已安装 nianbao[cluster]（dask、distributed）",
                                 fix="运行 pip install -e \".[cluster]\"（scripts/setup 会安装），或去掉 --scheduler 用本机进程池"))
    return distributed


@contextlib.contextmanager
def executor(scheduler: str, workers: int | None = None, timeout: float = 30) -> Iterator[Executor]:
    """A ``concurrent.futures.Executor`` on a Dask cluster.

    ``scheduler``: ``"local"`` (a LocalCluster of ``workers`` processes,
    default the CPU count, one thread each) or an address such as
    ``tcp://127.0.0.1:8786``. ``timeout``: seconds to wait for the scheduler.
    Raises ``InputError`` (exit 2, in Chinese) when dask is not installed or
    the scheduler cannot be reached. Closes the client (and a local cluster)
    on exit."""
    distributed = _import_distributed()
    import dask

    cluster = None
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        if scheduler == LOCAL:
            cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                               processes=True, dashboard_address=None)
            address = cluster.scheduler_address
        else:
            address = scheduler
        try:
            client = distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError) as e:
            if cluster is not None:
                cluster.close()
            raise InputError(Problem("cluster-unreachable", f"无法连接 Dask 调度器 {address}（{type(e).__name__}）",
                                     expected="正在运行的 dask scheduler 地址，如 tcp://10.0.0.5:8786",
                                     fix="先在调度机上运行 dask scheduler，并检查地址、端口和防火墙；"
                                         "或用 --scheduler local 在本机启动")) from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
