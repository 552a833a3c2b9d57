"""A single run's kernel, launched first thing.

A kernel spends ~1 s importing ipykernel and the notebook's libraries
(``kernelpool.PRELOAD``, run as its ``exec_lines``), and the job cannot
start before. ``nianbao run`` used to launch it only after importing
jupyter_client, reading the workbooks and preparing the output folder; now
``launch()`` starts the installed "nianbao" kernel spec's command as the job's
first step, with a connection file of our own (IPC sockets in a private 0700
folder, a random HMAC key) and without importing jupyter_client, so all that
work — and importing papermill — runs on the other core while the kernel
boots. ``EarlyKernel.manager(cwd)`` then hands the running process to a
jupyter_client kernel manager (``AdoptProvisioner``, the provisioner API's
``launch_kernel`` returning our process instead of starting one), moves the
kernel into the job's folder, and kills it afterwards.

Isolation is unchanged: one new process per run, never reused; it sees the
run's environment without ``job.SECRET_ENV`` and dies with the run
(``procs.child_kwargs``; ipykernel also watches its parent). If the input
turns out to be bad, ``discard()`` kills it unused. ``launch`` returns None
(the kernel is then started the usual way) when the "nianbao" spec is not
installed, is not a local Python command, the launch fails, or
``NIANBAO_EARLY_KERNEL=0``.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from . import tmpdirs

#: Environment switch: "0" starts the kernel the usual way (after the inputs are read).
ENV_SWITCH = "NIANBAO_EARLY_KERNEL"
#: The kernel spec ``job._kernel_name`` prefers.
SPEC = "nianbao"
#: The connection file's IPC "ports": socket i is ``<folder>/kernel-<i>``.
PORTS = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5}


def spec_argv(name: str = SPEC) -> list[str] | None:
    """The command of the installed kernel spec ``name`` (its kernel.json in
    the Jupyter data path, first found, as jupyter_client searches), or None."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        path = Path(folder) / name / "kernel.json"
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        argv = spec.get("argv")
        if spec.get("env") or not isinstance(argv, list) or "{connection_file}" not in argv:
            return None               # a spec with its own environment: leave it to jupyter_client
        return argv if Path(argv[0]).is_file() else None
    return None


class EarlyKernel:
    """A kernel process launched by ``launch``; ``proc`` is its ``Popen``,
    ``connection_file`` its connection file in the private ``folder``,
    ``office_socket`` the NIANBAO_OFFICE_SOCKET it was given (or None)."""

    def __init__(self, proc: subprocess.Popen, folder: Path, connection_file: Path, office_socket: str | None):
        self.proc = proc
        self.folder = folder
        self.connection_file = connection_file
        self.office_socket = office_socket
        self.unpinned: set[int] | None = None     # all CPUs, while ``cpus`` keeps it apart

    def unpin(self) -> None:
        """The kernel and this process may use every allowed CPU again (``cpus``)."""
        if self.unpinned is not None:
            from .cpus import place

            place(self.proc.pid, self.unpinned)
            place(os.getpid(), self.unpinned)
            self.unpinned = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    @contextlib.contextmanager
    def manager(self, cwd: str | os.PathLike, timeout: float = 60) -> Iterator:
        """A running jupyter_client kernel manager of this kernel, which now
        works in ``cwd``; the kernel is killed at the end. Raises
        ``JobError`` "kernel-start" (Chinese) if it does not answer."""
        from .job import _kernel_manager_class, _kernel_name
        from .kernelclient import ready_in
        from .kernelpool import _call, _start_error

        km = _adopting(_kernel_manager_class(quick=True), self.proc)(kernel_name=_kernel_name())
        km.connection_file = str(self.connection_file)
        km.load_connection_file(str(self.connection_file))
        try:
            try:
                _call(km.start_kernel, cwd=str(cwd))
                kc = km.client()
                kc.start_channels(stdin=False, hb=False)
                ready_in(kc, Path(cwd), timeout)
            except Exception as e:
                raise _start_error(e) from None
            self.unpin()
            yield km
        finally:
            # killed and reaped at once: jupyter_client's shutdown_kernel(now=True)
            # polls for the killed process every 0.1 s (~0.1 s per run measured)
            self.discard()
            with contextlib.suppress(Exception):
                _call(km.cleanup_resources)

    def discard(self) -> None:
        """Kill the kernel (if it still runs) and remove its folder."""
        self.unpin()
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.office_socket:
            shutil.rmtree(Path(self.office_socket).parent, ignore_errors=True)


def launch(preload: str, extra_arguments: list[str], secret_env: frozenset[str],
           office_socket: bool = False, pin: bool = False) -> EarlyKernel | None:
    """Start the "nianbao" kernel now, working in a private folder until
    ``manager(cwd)`` moves it; ``preload`` (Python lines) runs as it starts.
    ``office_socket``: reserve a NIANBAO_OFFICE_SOCKET path for the run's warm
    LibreOffice (``render.office.serve(path)``) and give it to the kernel,
    unless one is set already. ``pin``: while it boots, the kernel has a CPU
    to itself and this process (and what it starts meanwhile, LibreOffice)
    the others (``cpus``; ``EarlyKernel.manager`` ends it). None when it
    cannot (see the module doc)."""
    if os.environ.get(ENV_SWITCH) == "0" or os.name != "posix":
        return None
    argv = spec_argv()
    if argv is None:
        return None
    from .procs import child_kwargs

    folder = tmpdirs.make("kernel")
    connection = folder / "kernel.json"
    info = {**PORTS, "ip": str(folder / "kernel"), "transport": "ipc", "key": secrets.token_hex(16),
            "signature_scheme": "hmac-sha256", "kernel_name": SPEC}
    connection.write_text(json.dumps(info), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in secret_env}
    env["JPY_PARENT_PID"] = str(os.getpid())         # ipykernel ends when we do
    socket = None
    if office_socket and not env.get("NIANBAO_OFFICE_SOCKET"):
        socket = str(tmpdirs.make("office") / "socket")
        env["NIANBAO_OFFICE_SOCKET"] = socket
    cmd = [str(connection) if a == "{connection_file}" else a for a in argv]
    cmd += [*extra_arguments, *(f"--IPKernelApp.exec_lines={line}" for line in preload.splitlines())]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(folder),
                                start_new_session=True, **child_kwargs())
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        if socket:
            shutil.rmtree(Path(socket).parent, ignore_errors=True)
        return None
    early = EarlyKernel(proc, folder, connection, socket)
    if pin:
        from .cpus import place, split

        cpus = split()
        if cpus is not None:
            kernel_cpu, others, early.unpinned = cpus
            place(proc.pid, kernel_cpu)
            place(os.getpid(), others)
    return early


#: The kernel ``launch_for_argv`` launched in this process, until a run takes it.
_launched: dict[int, EarlyKernel] = {}
#: ``nianbao run`` options after which the kernel is launched by ``run_job``
#: as before: help, and ``--fonts`` (the command puts it in the environment
#: the kernel must inherit).
_NOT_EARLY = ("-h", "--help", "--fonts")


def launch_for_argv(args: list[str]) -> EarlyKernel | None:
    """``nianbao run``'s kernel, launched by the console command before it
    imports the command's modules (~0.08 s sooner: they are not needed to
    start a process): ``args`` are the words after ``run``. Its office
    socket is reserved unless ``--formats`` (or an abbreviation of it, as
    argparse allows) leaves PDF out. Kept until ``take_launched``; killed
    at exit if no run took it (bad arguments, ``--help``). None when it was
    not launched (see ``_NOT_EARLY`` and ``launch``)."""
    import atexit

    from .kernelenv import EXTRA_ARGUMENTS, PRELOAD, SECRET_ENV

    def means(name: str, option: str) -> bool:     # argparse takes unambiguous prefixes of long options
        return name == option or (option.startswith("--") and len(name) > 3 and option.startswith(name))

    formats = None
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if any(means(name, option) for option in _NOT_EARLY):
            return None
        if means(name, "--formats") and name not in ("--fo", "--for"):     # those are ambiguous
            formats = value if eq else (args[i + 1] if i + 1 < len(args) else "")
    pdf = formats is None or "pdf" in formats.lower()
    early = launch(PRELOAD, EXTRA_ARGUMENTS, SECRET_ENV, office_socket=pdf, pin=pdf)
    if early is not None:
        _launched[os.getpid()] = early
        atexit.register(_discard_untaken)
    return early


def take_launched(office_socket: bool) -> EarlyKernel | None:
    """The kernel ``launch_for_argv`` launched in this process, now the
    caller's to end (``EarlyKernel.manager`` or ``discard``); None if there
    is none, it died, or it has no office socket and ``office_socket`` asks
    for one (then it is discarded: the caller launches one that has)."""
    early = _launched.pop(os.getpid(), None)
    if early is not None and (not early.alive() or (office_socket and not early.office_socket)):
        early.discard()
        early = None
    return early


def _discard_untaken() -> None:
    early = _launched.pop(os.getpid(), None)
    if early is not None:
        early.discard()


def _adopting(base: type, proc: subprocess.Popen) -> type:
    """A subclass of the kernel manager ``base`` whose ``start_kernel``
    adopts ``proc`` (``AdoptProvisioner``) instead of launching a process."""
    from jupyter_client.provisioning import LocalProvisioner

    from .provisioning import manager_with

    class AdoptProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            self.process = proc
            self.pid = self.pgid = proc.pid           # its own session (start_new_session)
            self.cwd = kwargs.get("cwd")
            return self.connection_info

    return manager_with(base, AdoptProvisioner, "Adopting")
