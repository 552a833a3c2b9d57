"""Notebook kernels forked from a warm template, one fresh process per agency.

A batch worker starts one *fork server* (``ForkServer``): a Python process
that imports ipykernel, IPython and the annual notebook's libraries
(``kernelpool.PRELOAD``) once — libraries only, never an agency's data; no
thread started, no zmq context made — and then waits. For each job's kernel
the worker asks it to fork: the child becomes a fresh IPython kernel
(``IPKernelApp`` with the job's connection file, working folder and
environment) in milliseconds instead of the ~1.3 s of CPU a new
``python -m ipykernel_launcher`` spends importing, and it shares the
template's memory pages copy-on-write (``gc.freeze`` keeps the garbage
collector from touching them), so both CPU per job and real memory (PSS)
drop. Isolation is unchanged: each agency gets its own process, never
reused; what one kernel changes (a variable, a module attribute, numpy's
random state, reseeded in every child) stays in that process.

jupyter_client sees a normal kernel: ``ForkProvisioner`` is a
``LocalProvisioner`` (jupyter_client ≥ 7 kernel provisioner API) whose
``launch_kernel`` asks the fork server instead of ``Popen``; its
``process`` is a ``ForkedKernel`` that behaves like a ``Popen`` (poll, wait,
send_signal, kill, terminate) through a Linux pidfd (``os.pidfd_open``), a
handle that cannot point at a re-used pid. ``manager_class(base)`` makes a
kernel manager that uses it (what ``KernelPool(fork=True)`` does); the
provisioner is also registered as the ``nianbao-fork`` entry point of
``jupyter_client.kernel_provisioners`` for a kernel spec that names it.

Processes: worker → fork server → kernels. Each dies with its parent even
on SIGKILL (``PR_SET_PDEATHSIG``, set again in each kernel because fork
resets it), and the kernel's ipykernel parent poller watches the fork
server. The fork server reaps its children and reports their exit codes.

In ``nianbao batch`` the template is imported once for the whole batch:
the batch process starts one ``Template`` first thing (before it reads the
workbooks), and each worker's fork server is a *fork of it*
(``BatchServer``: the worker connects to the template's AF_UNIX
SOCK_SEQPACKET socket, in a private 0700 folder, and sends
``{"op": "serve"}``; the template forks a child that answers "ready" and
then serves that connection with the same protocol), warm at once.
Processes: batch → template → one fork server per worker → kernels; the
template dies with the batch (``PR_SET_PDEATHSIG``, and when its control
socket closes), a fork server when its worker's connection closes (the
worker died or let go) and when the template dies. A worker that cannot
reach the template starts its own (``use_template``, ``shared``). Workers
of a caller's executor (Dask) and ``nianbao run`` start their own.

When the fork server cannot start, dies or does not answer within
``FORK_TIMEOUT_S``, the kernel is started the normal way (a new process
from the kernel spec) and a one-line note goes to stderr; the server is
started again for the next kernel, at most ``MAX_STARTS`` times per worker.
A kernel spec that is not "this Python with ipykernel" is never forked.

Linux only (fork, pidfd, prctl); ``available()`` says whether it can be
used; ``NIANBAO_FORK_KERNELS=0`` turns it off (the benchmark compares both).
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

#: Environment switch: "0" starts every kernel the normal way.
ENV_SWITCH = "NIANBAO_FORK_KERNELS"
#: Seconds the fork server may take to import its libraries (first answer).
READY_TIMEOUT_S = 60.0
#: Seconds one fork (or status) request may take before the server counts as hung.
FORK_TIMEOUT_S = 10.0
#: Fork servers one worker process starts at most (the first plus restarts).
MAX_STARTS = 3
#: Bytes of one request or answer (an environment of a few KiB fits easily).
MESSAGE_MAX = 1 << 20
#: The modules the kernel itself needs, imported in the template before PRELOAD.
#: (What a kernel imports while it starts, debugpy included: imported after the
#: fork, each kernel would hold its own copy, ~25 MiB.)
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                  "IPython", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
                  "IPython.core.logger", "IPython.extensions.storemagic", "IPython.utils.wildcard",
                  "matplotlib_inline.backend_inline", "jupyter_client.session", "debugpy.server.api",
                  "tornado.gen", "tornado.locks", "tornado.queues", "tornado.platform.asyncio",
                  "sqlite3", "pdb", "pydoc", "http.server", "xmlrpc.server", "encodings.idna")
#: The inline backend, as ipykernel sets it at start (``IPKernelApp.init_gui_pylab``);
#: set before matplotlib is imported in the template so it reads the same default.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


class ForkServerError(RuntimeError):
    """The fork server could not start, died, or did not answer in time."""


def available() -> bool:
    """True on Linux with pidfd support, unless ``NIANBAO_FORK_KERNELS=0``."""
    return (os.environ.get(ENV_SWITCH, "1") != "0" and sys.platform.startswith("linux")
            and hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")
            and hasattr(socket, "send_fds"))


def kernel_args(cmd: list[str]) -> list[str] | None:
    """The ``IPKernelApp`` arguments of a kernel command (``[python, …, -m,
    ipykernel_launcher, -f, conn.json, …]`` → ``[-f, conn.json, …]``), or None
    when the command is not this Python running ipykernel (then it cannot be
    forked from our template)."""
    if not cmd or "-m" not in cmd:
        return None
    try:
        same = os.path.samefile(os.path.expanduser(cmd[0]), sys.executable)
    except OSError:
        same = False
    i = cmd.index("-m")
    if not same or i + 1 >= len(cmd) or cmd[i + 1] not in ("ipykernel_launcher", "ipykernel"):
        return None
    return [os.path.expanduser(a) for a in cmd[i + 2:]]


def interpreter_flags(cmd: list[str]) -> list[str]:
    """The interpreter options of a kernel command (between the Python and
    ``-m``, e.g. ``-Xfrozen_modules=off``); the template is started with the
    same, so its kernels run as the kernel spec says."""
    return list(cmd[1:cmd.index("-m")]) if "-m" in cmd else []


def _spec_flags() -> list[str]:
    """``interpreter_flags`` of the kernel spec the jobs use (job.py's choice)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        from .job import _kernel_name

        return interpreter_flags(KernelSpecManager().get_kernel_spec(_kernel_name()).argv)
    except Exception:
        return []


def _note(text: str) -> None:
    print(f"提示：{text}", file=sys.stderr, flush=True)


def _environment() -> dict[str, str]:
    """A template's environment: this process's, without the secrets a
    kernel must never see (``job.SECRET_ENV``: a forked kernel can read
    the template's start-up environment in /proc/self/environ), with the
    inline matplotlib backend ipykernel would choose."""
    from .job import SECRET_ENV

    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env["MPLBACKEND"] = env.get("MPLBACKEND") or INLINE_BACKEND
    return env


def _launch(entry: str, flags: list[str], preload: str | None,
            listener: socket.socket | None = None) -> tuple[socket.socket, subprocess.Popen]:
    """Start a template process running ``entry`` (``main``: a worker's own
    fork server; ``template_main``: the batch's template, given ``listener``)
    and send it ``preload``; returns (our end of its control socket, the
    process). It dies with the calling thread (``procs.child_kwargs``)."""
    from .procs import child_kwargs

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    fds = (theirs.fileno(),) if listener is None else (theirs.fileno(), listener.fileno())
    try:
        proc = subprocess.Popen(
            # "ipykernel" in the command line: ps and the tests see what the
            # server and its children are (the children keep this command line)
            [sys.executable, *flags, "-c", f"from nianbao.forkserver import {entry}; {entry}()",
             "nianbao-forkserver", "ipykernel-template", *map(str, fds)],
            pass_fds=fds, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_environment(),
            **child_kwargs())
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    ours.sendall(json.dumps({"op": "preload", "code": preload, "flags": list(flags)}).encode())
    return ours, proc


# ---------------------------------------------------------------- worker side

class _Started:
    """A template process this process started (``_launch``): ``preload``
    (Python source run once in it, libraries only), the interpreter
    ``flags`` it runs with (default: the kernel spec's), the process and our
    end of its control socket."""

    def __init__(self, preload: str | None = None, flags: list[str] | None = None):
        if preload is None:
            from .kernelpool import PRELOAD as preload
        self.preload = preload
        self.flags = _spec_flags() if flags is None else list(flags)
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _end(self) -> None:
        """Kill the process now (its children end with it), close the socket."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class ForkServer(_Started):
    """The worker's handle on its fork server process.

    ``preload``: Python source run once in the template (libraries only).
    ``start()`` launches the process (it then imports in the background);
    ``fork(args, env, cwd, stdout, stderr)`` waits for it to be ready and
    returns a ``ForkedKernel``; raises ``ForkServerError`` if the server
    cannot start, dies or hangs (it is then killed). Thread-safe (requests
    are serialised). ``pid`` is the server's pid (None before start)."""

    def __init__(self, preload: str | None = None, flags: list[str] | None = None):
        super().__init__(preload, flags)
        self.ready: dict | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the server process (returns at once; imports run in it)."""
        self.sock, self.proc = _launch("main", self.flags, self.preload)
        self.ready = None

    @staticmethod
    def environment() -> dict[str, str]:
        """The template's environment (``_environment``)."""
        return _environment()

    def _request(self, message: dict, fds: list[int] = (), timeout: float = FORK_TIMEOUT_S) -> dict:
        if self.sock is None or not self.alive():
            raise ForkServerError("fork server not running")
        try:
            self.sock.settimeout(timeout)
            socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))
        except OSError as e:
            self.kill()
            raise ForkServerError(f"fork server did not answer: {type(e).__name__}: {e}") from None
        return self._receive(timeout, "did not answer", "ended")

    def _receive(self, timeout: float, silent: str, ended: str) -> dict:
        """The server's next answer; kills it and raises ForkServerError
        ("fork server " + ``silent`` / ``ended``) if none comes in ``timeout``
        seconds or the server has gone."""
        try:
            self.sock.settimeout(timeout)
            data = self.sock.recv(MESSAGE_MAX)
        except (OSError, socket.timeout) as e:
            self.kill()
            raise ForkServerError(f"fork server {silent}: {type(e).__name__}: {e}") from None
        if not data:
            self.kill()
            raise ForkServerError(f"fork server {ended}")
        return json.loads(data)

    def _wait_ready(self) -> dict:
        if self.ready is None:
            if self.sock is None or not self.alive():
                raise ForkServerError("fork server not running")
            self.ready = self._receive(READY_TIMEOUT_S, "not ready", "ended while importing")
            if self.ready.get("threads", 1) != 1:      # fork copies only the forking thread
                self.kill()
                raise ForkServerError(f"template has {self.ready['threads']} threads")
        return self.ready

    def fork(self, args: list[str], env: dict[str, str], cwd: str | os.PathLike,
             stdout: int | None = None, stderr: int | None = None) -> "ForkedKernel":
        """A new kernel process: ``IPKernelApp`` with ``args``, its environment
        exactly ``env``, working in ``cwd``; stdin is /dev/null, stdout and
        stderr are these file descriptors (default: this process's 1 and 2)."""
        with self._lock:
            self._wait_ready()
            with open(os.devnull, "rb") as null:
                fds = [null.fileno(), 1 if stdout is None else stdout, 2 if stderr is None else stderr]
                answer = self._request({"op": "fork", "args": list(args), "env": dict(env), "cwd": str(cwd)}, fds)
        if "pid" not in answer:
            raise ForkServerError(answer.get("error", "fork failed"))
        return ForkedKernel(answer["pid"], self)

    def exit_status(self, pid: int) -> int | None:
        """A child's exit code as ``Popen.returncode`` gives it (negative:
        killed by that signal); None while it runs or when the server cannot
        say (the server is gone: its children went with it)."""
        with self._lock:
            try:
                return self._request({"op": "status", "pid": pid}).get("code")
            except ForkServerError:
                return None

    def kill(self) -> None:
        """End the server now (its kernels end with it)."""
        self._end()

    close = kill


class BatchServer(ForkServer):
    """A worker's fork server forked from the batch's template (``Template``
    at ``address``) instead of started as a new Python: warm at once.

    ``start()`` connects and asks the template to ``serve``; the template
    forks a child that answers "ready" (with its pid) and then serves this
    connection only, with the same protocol as a worker's own server. The
    child ends when this process closes the connection (it dies: EOF) and
    when the template dies (``PR_SET_PDEATHSIG``); its kernels end with it.
    It is not this process's child: ``alive``/``kill`` go through a pidfd,
    the template reaps it. Raises ``OSError`` from ``start()`` when the
    template cannot be reached, ``ForkServerError`` when it does not answer."""

    def __init__(self, address: str, flags: list[str] | None = None):
        super().__init__(preload="", flags=flags)
        self.address = address
        self._pid: int | None = None
        self._pidfd: int | None = None

    @property
    def pid(self) -> int | None:
        return self._pid

    def start(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.settimeout(FORK_TIMEOUT_S)
            sock.connect(self.address)          # queued by the kernel even while the template imports
            sock.send(json.dumps({"op": "serve"}).encode())
        except BaseException:
            sock.close()
            raise
        self.sock, self.ready = sock, None

    def _wait_ready(self) -> dict:
        if self.ready is None:
            ready = super()._wait_ready()
            if "pid" not in ready:
                self.kill()
                raise ForkServerError(ready.get("error") or "template refused")
            if ready.get("flags", self.flags) != self.flags:
                self.kill()
                raise ForkServerError(f"template started with {ready.get('flags')}, not {self.flags}")
            self._pid = ready["pid"]
            try:
                self._pidfd = os.pidfd_open(self._pid)
            except OSError:             # it has already gone
                self.kill()
                raise ForkServerError("fork server ended") from None
        return self.ready

    def alive(self) -> bool:
        if self.sock is None:
            return False
        return self._pidfd is None or not select.select([self._pidfd], [], [], 0)[0]

    def kill(self) -> None:
        if self.sock is not None:
            self.sock.close()               # EOF: the server ends by itself
            self.sock = None
        if self._pidfd is not None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except OSError:
                pass
            select.select([self._pidfd], [], [], 10)
            os.close(self._pidfd)
            self._pidfd = None

    close = kill


class Template(_Started):
    """The batch's one warm template (``nianbao batch``'s own pool): a
    process that imports what a fork server imports (``KERNEL_MODULES`` and
    ``preload``, then ``gc.freeze``) and forks one fork server per worker
    that connects (``BatchServer``), so no worker imports a template of its
    own (~1.3 s of CPU and ~80 MiB each).

    ``start()`` returns at once: the listening socket (AF_UNIX
    SOCK_SEQPACKET, ``address``, in a private 0700 folder) is made here, so
    workers can connect before the template has finished importing; their
    requests wait in the socket's queue. The process dies with the thread
    that started it, even on SIGKILL (``PR_SET_PDEATHSIG``), and when its
    control socket closes; ``close()`` ends it and removes the folder.
    ``start()`` raises ``OSError`` when the process or the socket cannot
    be made."""

    def __init__(self, preload: str | None = None, flags: list[str] | None = None):
        super().__init__(preload, flags)
        self.folder: str | None = None
        self.address: str | None = None

    def start(self) -> None:
        from . import tmpdirs

        self.folder = str(tmpdirs.make("template"))       # 0700
        self.address = os.path.join(self.folder, "socket")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            listener.bind(self.address)
            listener.listen(socket.SOMAXCONN)
            self.sock, self.proc = _launch("template_main", self.flags, self.preload, listener)
        except BaseException:
            self.close()
            raise
        finally:
            listener.close()

    def close(self) -> None:
        """End the template now (the fork servers it gave out end with it:
        ``PR_SET_PDEATHSIG``) and remove its folder."""
        self._end()
        if self.folder is not None:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> "Template":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ForkedKernel:
    """A forked kernel process, with the part of ``subprocess.Popen``'s
    interface jupyter_client's ``LocalProvisioner`` uses (``pid``,
    ``returncode``, ``poll``, ``wait``, ``send_signal``, ``kill``,
    ``terminate``; no pipes). Signals go through a pidfd, so they can never
    reach another process that got the same pid later."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, server: ForkServer):
        self.pid = pid
        self.server = server
        self.returncode: int | None = None
        self.pidfd: int | None = os.pidfd_open(pid)

    def _exited(self, timeout: float | None) -> bool:
        if self.pidfd is None:
            return True
        ready, _, _ = select.select([self.pidfd], [], [], timeout)
        return bool(ready)

    def poll(self) -> int | None:
        if self.returncode is None and self._exited(0):
            code = None
            for _ in range(50):         # the server reaps on SIGCHLD: a moment after the exit
                code = self.server.exit_status(self.pid)
                if code is not None or not self.server.alive():
                    break
                time.sleep(0.01)
            self.returncode = code if code is not None else -signal.SIGKILL
            os.close(self.pidfd)
            self.pidfd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and not self._exited(timeout):
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.poll()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self.pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self):
        if self.pidfd is not None:
            try:
                os.close(self.pidfd)
            except OSError:
                pass


_server: ForkServer | None = None
_owner = os.getpid()
_starts = 0
_lock = threading.Lock()
_template: str | None = None            # the batch's template address (``use_template``)


def use_template(address: str | None) -> None:
    """This process's first fork server comes from the batch's template at
    ``address`` (``Template.address``; ``worker.init`` calls this); later
    ones (after it died) are started by this process itself."""
    global _template
    with _lock:
        _template = address


def shared(start: bool = True) -> ForkServer | None:
    """This process's fork server, started (again) if it is not running and
    fewer than ``MAX_STARTS`` have been started; None when there is none to
    use (not ``available()``, or given up)."""
    global _server, _owner, _starts
    with _lock:
        if _owner != os.getpid():            # a forked child never uses its parent's server
            _server, _owner, _starts = None, os.getpid(), 0
        if _server is not None and not _server.alive():
            _server.kill()
            _server = None
            if start:
                _note("内核模板进程已停止，正在重新启动" if _starts < MAX_STARTS else
                      "内核模板进程多次停止，本工作进程此后按常规方式启动内核（结果相同，只是较慢）")
        if _server is None and start and available() and _starts < MAX_STARTS:
            _starts += 1
            if _starts == 1 and _template:
                _server = BatchServer(_template)
                try:
                    _server.start()
                    return _server
                except OSError:
                    _note("无法连接批量作业的内核模板进程，本工作进程改为自行启动内核模板（结果相同，只是较慢）")
            _server = ForkServer()
            try:
                _server.start()
            except OSError:
                _note("无法启动内核模板进程，本机关的内核按常规方式启动（结果相同，只是较慢）")
                _server = None
        return _server


def _forget(server: ForkServer) -> None:
    """Kill ``server`` and stop using it, without a second note (the caller said why)."""
    global _server
    server.kill()
    with _lock:
        if _server is server:
            _server = None


def stop() -> None:
    """End this process's fork server (and any kernel it still has); the
    next ``shared()`` may start ``MAX_STARTS`` again."""
    global _server, _starts
    with _lock:
        if _server is not None and _owner == os.getpid():
            _server.kill()
        _server, _starts = None, 0


class ForkProvisioner(LocalProvisioner):
    """A ``LocalProvisioner`` whose kernels are forked from the worker's
    template (``shared()``); falls back to ``LocalProvisioner``'s normal
    launch (with a one-line note) when there is no usable fork server."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        args = kernel_args(cmd)
        server = shared() if args is not None else None
        if server is not None and interpreter_flags(cmd) != server.flags:
            server = None               # another kernel spec's options: not this template's
        if server is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = kwargs.get("env")
        env = dict(os.environ if env is None else env)
        env.setdefault("JPY_PARENT_PID", str(os.getpid()))
        cwd = kwargs.get("cwd") or os.getcwd()
        stderr = kwargs.get("stderr")
        stdout = kwargs.get("stdout")
        try:
            with open(os.devnull, "wb") as null:
                self.process = server.fork(
                    args, env, cwd,
                    stdout=null.fileno() if stdout == subprocess.DEVNULL else stdout,
                    stderr=null.fileno() if stderr == subprocess.DEVNULL else stderr)
        except (ForkServerError, OSError):
            _forget(server)
            _note("内核模板进程没有响应，本机关的内核按常规方式启动（结果相同，只是较慢）")
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = self.process.pid        # the child starts its own session
        self.cwd = cwd
        return self.connection_info


def manager_class(base: type) -> type:
    """A subclass of the kernel manager ``base`` whose kernels are forked
    (``ForkProvisioner``); everything else — transport, environment
    filtering, stderr — stays ``base``'s."""

    from .provisioning import manager_with

    return manager_with(base, ForkProvisioner, "Forked")


# ---------------------------------------------------------------- server side

_children: dict[int, int] = {}      # pid -> exit code, once reaped
_running: set[int] = set()


def _reap(*_: Any) -> None:
    """SIGCHLD: collect every exited child's code (no zombie stays)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _running.discard(pid)
        _children[pid] = os.waitstatus_to_exitcode(status)


def _preload(code: str | None) -> str | None:
    """Import the kernel's and the notebook's libraries into the template."""
    import importlib

    error = None
    for name in KERNEL_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as e:
            error = f"{name}: {e}"
    if code:
        try:
            exec(compile(code, "<preload>", "exec"), {"__name__": "__preload__"})
        except Exception as e:          # the notebook's own import then fails visibly
            error = f"{type(e).__name__}: {e}"
        else:                           # the caches every kernel would fill again (a cold one is only slower)
            from .templatewarm import warm

            warm()
    import gc

    gc.collect()
    gc.freeze()             # the children's collector leaves the template's pages shared
    return error


def main() -> None:
    """The fork server process (``ForkServer.start`` runs it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the worker's to handle; we end with it
    signal.signal(signal.SIGTERM, signal.SIG_IGN)     # so is a SIGTERM to the group (systemd, docker stop)
    sock = socket.socket(fileno=int(sys.argv[-1]))
    first = json.loads(sock.recv(MESSAGE_MAX) or b"{}")
    error = _preload(first.get("code"))
    sock.send(json.dumps(_ready(error, first.get("flags"))).encode())
    signal.signal(signal.SIGCHLD, _reap)
    _serve(sock)
    os._exit(0)


def _ready(error: str | None, flags: list[str] | None) -> dict:
    """The "ready" answer: how many threads the template has (fork copies
    only the forking one: must be 1), the preload's error, its options."""
    zmq_context = sys.modules.get("zmq") and getattr(sys.modules["zmq"].Context, "_instance", None)
    return {"ready": True, "threads": threading.active_count(), "error": error,
            "zmq_context": zmq_context is not None, "flags": list(flags or [])}


def template_main() -> None:
    """The batch's template process (``Template.start`` runs it): imports
    once, then forks a fork server for each worker that connects. Ctrl-C
    and SIGTERM to the process group are the batch's to handle: it ends us
    (SIGKILL), and we end with it (``PR_SET_PDEATHSIG``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    control = socket.socket(fileno=int(sys.argv[-2]))
    listener = socket.socket(fileno=int(sys.argv[-1]))
    first = json.loads(control.recv(MESSAGE_MAX) or b"{}")
    ready = _ready(_preload(first.get("code")), first.get("flags"))
    control.send(json.dumps(ready).encode())
    signal.signal(signal.SIGCHLD, _reap)
    template_pid = os.getpid()
    while True:
        readable, _, _ = select.select([control, listener], [], [])
        if control in readable:
            try:
                if not control.recv(MESSAGE_MAX):
                    break                           # the batch has gone
            except OSError:
                break
        if listener not in readable:
            continue
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        try:
            conn.settimeout(FORK_TIMEOUT_S)         # a client that says nothing cannot hold us
            request = json.loads(conn.recv(MESSAGE_MAX) or b"{}")
            if request.get("op") != "serve":
                conn.send(json.dumps({"error": "unknown request"}).encode())
                continue
            try:
                pid = os.fork()
            except OSError as e:
                conn.send(json.dumps({"error": f"{type(e).__name__}: {e}"}).encode())
                continue
            if pid == 0:
                _become_server(conn, (control, listener), template_pid, ready)     # never returns
        except (OSError, ValueError):
            pass
        finally:
            conn.close()
    os._exit(0)


def _become_server(conn: socket.socket, others: tuple[socket.socket, ...], template_pid: int, ready: dict) -> None:
    """In the template's forked child: one worker's fork server; never return."""
    code = 1
    try:
        for s in others:
            s.close()
        from .procs import die_with_parent

        die_with_parent(template_pid)       # fork resets PR_SET_PDEATHSIG: end with the template
        if os.getppid() != template_pid:
            os._exit(1)
        _children.clear()
        _running.clear()
        conn.settimeout(None)
        conn.send(json.dumps(dict(ready, pid=os.getpid(), threads=threading.active_count())).encode())
        _serve(conn)
        code = 0
    finally:
        os._exit(code)


def _serve(sock: socket.socket) -> None:
    """Fork a kernel for each request on ``sock`` until its other end closes."""
    server_pid = os.getpid()
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, MESSAGE_MAX, 3)
        except OSError:
            break
        if not data:
            break                                   # the worker has gone
        request = json.loads(data)
        if request.get("op") == "fork":
            try:
                pid = os.fork()
            except OSError as e:
                answer = {"error": f"{type(e).__name__}: {e}"}
            else:
                if pid == 0:
                    _become_kernel(request, fds, sock, server_pid)     # never returns
                _running.add(pid)
                answer = {"pid": pid}
        elif request.get("op") == "status":
            _reap()
            pid = request.get("pid")
            answer = {"code": _children.pop(pid, None) if pid not in _running else None}
        else:
            answer = {"error": "unknown request"}
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps(answer).encode())


def _become_kernel(request: dict, fds: list[int], sock: socket.socket, server_pid: int) -> None:
    """In the forked child: become a fresh IPython kernel; never return."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)                # as in a new Python
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()                         # as jupyter_client's launcher: interrupts reach the group
        from .procs import die_with_parent

        die_with_parent(server_pid)         # fork resets PR_SET_PDEATHSIG: the kernel dies with the server
        if os.getppid() != server_pid:
            os._exit(1)
        sock.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(server_pid)     # ipykernel's parent poller watches the server
        os.chdir(request["cwd"])
        if "numpy" in sys.modules:          # ``random`` reseeds itself at fork; numpy does not
            sys.modules["numpy"].random.seed()
        sys.argv = [sys.executable, *request["args"]]
        from ipykernel.kernelapp import IPKernelApp

        # parent_handle's default was read from the template's environment at
        # import: give it the server, whose death must end this kernel
        app = IPKernelApp.instance(parent_handle=server_pid)
        app.initialize(request["args"])
        app.start()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()               # to the kernel's stderr (discarded in a batch)
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
