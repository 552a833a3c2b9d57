"""A Jupyter kernel client that is ready as soon as its kernel answers.

jupyter_client's ``wait_for_ready`` (8.x, ``KernelClient._async_wait_for_ready``)
ends by draining the IOPub channel until 0.2 s pass without a message: every
connection to a kernel then idles 0.2 s. A batch job connects twice (the
kernel pool's check that the kernel started ahead is up, then papermill's
own client), so 0.4 s per agency went to waiting.

``QuickReadyClient`` keeps everything ``wait_for_ready`` checks — the
``kernel_info`` reply on the shell channel, proof that IOPub is connected
(a message received on it, else ask again: a subscriber that joined late
would lose the first cell's output), the kernel being alive, the timeout —
and drains only what IOPub already holds, without waiting for more. The
drain is not needed for correctness: nbclient and ``execute_interactive``
take only IOPub messages whose parent is their own request.

``nianbao run`` and ``nianbao batch`` use it (``job._kernel_manager_class(quick=True)``);
the benchmarks' floor T_empty is papermill with stock jupyter_client.
"""
from __future__ import annotations

import time
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.utils import ensure_async

#: Seconds to wait for a first IOPub message after the kernel_info reply
#: (jupyter_client's value) before asking again.
IOPUB_CHECK_S = 0.2


class QuickReadyClient(AsyncKernelClient):
    """``AsyncKernelClient`` whose ``wait_for_ready`` returns as soon as the
    kernel has replied to ``kernel_info`` and IOPub is connected. Raises
    ``RuntimeError`` like jupyter_client's: the kernel died, or did not
    answer within ``timeout`` seconds."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        from jupyter_client.manager import KernelManager

        if not isinstance(self.parent, KernelManager):     # no manager: jupyter_client's heartbeat wait
            return await super()._async_wait_for_ready(timeout)
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:
                        await ensure_async(self.iopub_channel.get_msg(timeout=IOPUB_CHECK_S))
                    except Empty:
                        pass                    # IOPub not connected yet: ask again
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError("Kernel didn't respond in %d seconds" % timeout)
        while True:                             # what IOPub holds already; no waiting for more
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=0))
            except Empty:
                break

    # AsyncKernelClient binds its public name to the base function at class creation
    wait_for_ready = _async_wait_for_ready


def ready_in(kc, cwd: Path, timeout: float) -> None:
    """Wait until the kernel of client ``kc`` answers (after what it runs at
    start), then make ``cwd`` its working folder; stops ``kc``'s channels.
    Raises ``RuntimeError`` if it dies or does not answer in ``timeout`` s."""
    from .kernelpool import _call

    try:
        _call(kc.wait_for_ready, timeout=timeout)
        reply = _call(kc.execute_interactive, f"import os as _o; _o.chdir({str(cwd)!r}); del _o",
                      silent=True, store_history=False, timeout=timeout)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"chdir {cwd}: {reply['content'].get('evalue')}")
    finally:
        kc.stop_channels()
