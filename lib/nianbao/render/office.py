"""A warm LibreOffice per worker process, for the PDF step of many jobs.

The one-shot ``soffice --convert-to pdf`` (``pdf.docx_to_pdf``) starts and
stops a whole LibreOffice, about 3 s, for every report. Here each process
starts one LibreOffice the first time it converts and reuses it for every
later conversion:

- started once per process, with a private profile (``-env:UserInstallation``)
  and a private UNO pipe (no TCP port, so parallel workers cannot collide);
- restarted automatically when it has died, and killed and restarted when a
  conversion takes longer than ``timeout`` seconds (the job gets a
  ``JobError`` in Chinese; the next conversion starts a fresh one);
- ended when the process exits (``procexit.at_exit``: atexit, and
  multiprocessing's exit hook for pool workers) and when the process dies (the bridge watches its
  parent's pid and its stdin, and kills LibreOffice's whole process group);
- shared with the process's children: the annual notebook converts the PDF
  inside its kernel, a new process per job, so a worker calls ``serve()``
  before it starts kernels; it sets NIANBAO_OFFICE_SOCKET, a private Unix
  socket, and ``convert`` in a kernel sends the request there (and converts
  by itself if that socket does not answer);
- if it cannot start at all (no Python with LibreOffice's ``uno`` module,
  e.g. Debian without ``python3-uno``), every conversion falls back to the
  one-shot ``pdf.docx_to_pdf`` (``fallback``), and ``status()`` says why.

The UNO calls live in ``uno_bridge.py``, run by the Python that has ``uno``
(``NIANBAO_UNO_PYTHON``, else this interpreter, else ``/usr/bin/python3``,
else LibreOffice's bundled one); we talk to it over its stdin/stdout. We do
not use ``unoserver``: it needs two TCP ports per worker, sleeps a fixed 7 s
on start, and still needs a ``uno``-capable Python for its server half.

Same PDF as the one-shot conversion: LibreOffice is started with the same
fontconfig (``fonts.conversion_fontconfig`` with the office's licensed fonts,
``fonts_dir``, default ``$NIANBAO_FONTS``; a conversion asking for another
folder restarts it) and converts the same adapted copy
(``pdf.libreoffice_copy``) with the same export options
(``pdf.PDF_EXPORT_OPTIONS``). ``pdf.docx_to_pdf`` calls ``convert`` when a
service is ``in_use`` and checks and describes the result either way.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from ..errors import JobError, NianbaoError, Problem
from .. import tmpdirs
from ..procexit import at_exit
from .fonts import conversion_fontconfig, fonts_dir as licensed_fonts
from .pdf import PDF_EXPORT_OPTIONS, PDF_FILTER, find_soffice, libreoffice_copy
from .pdfimages import StandIns, StandInsLost, enabled as stand_ins_enabled, preload as preload_pikepdf
from .pdfimages import restore as restore_images

BRIDGE = Path(__file__).with_name("uno_bridge.py")
#: Seconds LibreOffice may take to start and accept a UNO connection.
START_TIMEOUT = 60.0
#: Set by ``serve()``: the Unix socket where this process's parent converts.
ENV_SOCKET = "NIANBAO_OFFICE_SOCKET"
#: Conversions one LibreOffice makes before it is replaced by a fresh one:
#: its memory grows with every document (about 270 MiB after 16 reports,
#: more after 48), and a province's batch converts thousands. A restart
#: costs one start-up (~2 s) per this many reports.
RECYCLE_AFTER = 100
#: Converted once when LibreOffice starts, before it counts as ready (the
#: Word template: its styles, fonts and CJK text), so the first report's
#: conversion costs what the others do (``uno_bridge``). It is
#: ``docx_template.TEMPLATE``, not imported from there: python-docx is slow to
#: import and this runs before a run's kernel starts (a test keeps them equal).
WARMUP_DOCX = Path(__file__).resolve().parents[3] / "templates" / "report.docx"
#: Seconds a child waits to connect to its parent's service before it
#: decides there is none (a loaded machine accepts slowly).
PROBE_TIMEOUT = 30.0


@lru_cache(maxsize=1)
def uno_python() -> str | None:
    """A Python interpreter that can ``import uno``, or None."""
    candidates = [os.environ.get("NIANBAO_UNO_PYTHON"), sys.executable, "/usr/bin/python3"]
    soffice = find_soffice()
    if soffice:
        program = Path(soffice).resolve().parent
        candidates += [str(program / "python"), str(program / "python.exe"),
                       str(program.parent / "Resources" / "python")]
    for cand in candidates:
        if not cand or not Path(cand).is_file():
            continue
        try:
            ok = subprocess.run([cand, "-c", "import uno"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return cand
    return None


class _Unavailable(Exception):
    """The warm LibreOffice cannot start here (the reason is for ``status``)."""


class WarmOffice:
    """One LibreOffice (through one bridge process) serving many conversions.

    ``pid`` is LibreOffice's process id (its process group's id), or None
    while not running. Not thread-safe on its own: ``convert`` below locks."""

    def __init__(self, fonts_dir: Path | None = None):
        self.fonts_dir = fonts_dir
        self.bridge: subprocess.Popen | None = None
        self.pid: int | None = None
        self.folder: Path | None = None
        self._buf = b""
        self.starts = 0
        self.conversions = 0
        self.pipe: str | None = None

    def alive(self) -> bool:
        if self.bridge is None or self.bridge.poll() is not None or self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        # a killed soffice stays a zombie of the bridge until it reaps it
        try:
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return True

    def launched(self) -> bool:
        """Started and not yet known to be ready (``ready`` reads its answer)."""
        return self.bridge is not None and self.pid is None and self.bridge.poll() is None

    def launch(self) -> None:
        """Start the bridge and its LibreOffice; do not wait for them. Quick,
        and it is the only place that starts a process: call it from the
        thread that may also fork (see ``prestart``)."""
        python, soffice = uno_python(), find_soffice()
        if soffice is None:
            raise _Unavailable("找不到 LibreOffice（soffice）")
        if python is None:
            raise _Unavailable("找不到带 LibreOffice uno 模块的 Python（Debian：apt-get install python3-uno）")
        self.folder = tmpdirs.make("lo-warm")
        env = dict(os.environ, FONTCONFIG_FILE=str(conversion_fontconfig(self.folder, self.fonts_dir)))
        # LibreOffice's own temporary folder (lu*.tmp, ~80 KB) inside ours: it is
        # SIGKILLed, so it never removes that folder itself (one left per start)
        (self.folder / "tmp").mkdir()
        env["TMPDIR"] = str(self.folder / "tmp")
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
        self.pipe = f"nianbao-{uuid.uuid4().hex}"
        self.bridge = subprocess.Popen(
            [python, str(BRIDGE), soffice, str(self.folder / "profile"), self.pipe, str(START_TIMEOUT),
             str(WARMUP_DOCX) if WARMUP_DOCX.is_file() else "",
             json.dumps({"filter": PDF_FILTER, "options": PDF_EXPORT_OPTIONS})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True)
        self._buf = b""
        if stand_ins_enabled():
            preload_pikepdf()

    def ready(self, wait: float = START_TIMEOUT + 10) -> bool:
        """Wait up to ``wait`` seconds for the launched LibreOffice to accept
        conversions; False if ``wait`` is 0 and it is still starting.
        Raises _Unavailable if it cannot start."""
        if self.pid is not None:
            return True
        answer = self._answer(wait)
        if answer is None and wait == 0 and self.bridge.poll() is None:
            return False
        if not answer or not answer.get("ready"):
            why = (answer or {}).get("error") or "无响应"
            self.stop()
            raise _Unavailable(f"LibreOffice 后台服务未能启动：{why}")
        self.pid = int(answer["pid"])
        self.starts += 1
        return True

    def _answer(self, timeout: float) -> dict | None:
        """One JSON line from the bridge, or None on timeout or EOF."""
        deadline = time.monotonic() + timeout
        fd = self.bridge.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if not select.select([fd], [], [], max(0.0, left))[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return None

    def convert(self, src: Path, dst: Path, timeout: float) -> dict | None:
        """Send one request; the bridge's answer, or None if it timed out or died
        (the caller then stops us)."""
        try:
            self.bridge.stdin.write((json.dumps({"src": str(src), "dst": str(dst)}) + "\n").encode())
            self.bridge.stdin.flush()
        except OSError:
            return None
        self.conversions += 1
        return self._answer(timeout)

    def stop(self) -> None:
        """Kill LibreOffice's process group and the bridge; remove the profile."""
        if self.pid is None and self.bridge is not None and self.bridge.poll() is None:
            self.bridge.terminate()            # not ready yet: only the bridge knows LibreOffice's pid
            try:
                self.bridge.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for pid in (self.pid, self.bridge.pid if self.bridge else None):
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        # a bridge killed before it said LibreOffice's pid leaves LibreOffice in its own
        # session: find it by this launch's private pipe name on its command line
        for pid in _processes_with(self.pipe):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.bridge is not None:
            for stream in (self.bridge.stdin, self.bridge.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.bridge.wait()
        self.bridge, self.pid = None, None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _processes_with(word: str | None) -> list[int]:
    """Pids of this user's processes whose command line contains ``word``
    (Linux /proc; empty elsewhere or for None)."""
    if not word:
        return []
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if word.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, ValueError):
            pass
    return found


_lock = threading.Lock()
_office: WarmOffice | None = None
_owner_pid = os.getpid()
_unavailable: str | None = None


def _current(fonts_dir: Path | None) -> WarmOffice:
    """This process's warm LibreOffice, started (or restarted) as needed.
    A child made by fork() does not share its parent's: it starts its own."""
    global _office, _owner_pid, _unavailable
    if _owner_pid != os.getpid():          # forked worker: the parent's server is not ours
        _office, _owner_pid, _unavailable = None, os.getpid(), None
    if _office is not None and (_office.fonts_dir != fonts_dir or _office.conversions >= RECYCLE_AFTER):
        _office.stop()
        _office = None
    if _office is None:
        _office = WarmOffice(fonts_dir)
        at_exit(_at_exit)
    if not _office.alive():
        if not _office.launched():
            _office.stop()
            _office.launch()
        _office.ready()
    return _office


def in_use() -> bool:
    """Whether ``pdf.docx_to_pdf`` converts here with the warm LibreOffice:
    this process ``serve()``s one (a batch worker) or a parent process's
    service answers (a kernel of a batch worker)."""
    return _serving_here() or _parent_service() is not None


def convert(src: Path, dst: Path, *, timeout: float = 120, fonts_dir: Path | None = None) -> None:
    """Convert the Word file ``src`` to the PDF ``dst`` (replaced atomically)
    with the warm LibreOffice: the one ``serve()``d by a parent process if
    NIANBAO_OFFICE_SOCKET names one that answers, else this process's own.
    ``fonts_dir``: the licensed-fonts folder (None: ``$NIANBAO_FONTS``, if set).
    The PDF is the one-shot conversion's (same copy, same fontconfig), not yet
    checked: ``pdf.docx_to_pdf`` checks it.

    Restarts LibreOffice (and retries once) if it died before or during the
    conversion, or the conversion failed (a document fails twice, with two
    LibreOffices, before it is blamed); kills it if the conversion takes more than ``timeout``
    seconds. Falls back to the one-shot ``pdf.docx_to_pdf`` when the warm
    LibreOffice cannot start here.

    Raises ``JobError`` (a ``NianbaoError``, message in Chinese): "no-libreoffice",
    "pdf-timeout" or "pdf-failed"."""
    src, dst = Path(src).resolve(), Path(dst).resolve()
    if not src.is_file():
        raise JobError(Problem("pdf-failed", "要转换为 PDF 的 Word 文件不存在", file=str(src),
                               fix="先生成 report.docx，再转换 PDF"))
    dst.parent.mkdir(parents=True, exist_ok=True)
    fonts_dir = licensed_fonts(fonts_dir)
    remote = os.environ.get(ENV_SOCKET)
    if remote and not _serving_here():
        try:
            _convert_remote(remote, src, dst, timeout, fonts_dir)
            return
        except OSError:
            pass                     # the parent's service is gone: convert here
    _convert_here(src, dst, timeout, fonts_dir)


def _convert_here(src: Path, dst: Path, timeout: float, fonts_dir: Path | None) -> None:
    global _unavailable
    with _lock:
        if _unavailable is None or _owner_pid != os.getpid():
            try:
                _convert_warm(src, dst, timeout, fonts_dir)
                return
            except _Unavailable as e:
                _unavailable = str(e)
    fallback(src, dst, timeout=timeout, fonts_dir=fonts_dir)


def fallback(src: Path, dst: Path, *, timeout: float = 120, fonts_dir: Path | None = None) -> None:
    """The one-shot conversion (a new LibreOffice for this one file), unchecked
    (the caller, ``pdf.docx_to_pdf``, checks)."""
    from .pdf import one_shot_pdf

    one_shot_pdf(src, dst, timeout=timeout, fonts=fonts_dir, check_text=False)


def _convert_warm(src: Path, dst: Path, timeout: float, fonts_dir: Path | None) -> None:
    partials: list[Path] = []
    workdir = Path(tempfile.mkdtemp(prefix=".lo-", dir=dst.parent))
    try:
        # the one-shot's preparation, pictures through stand-ins (``pdfimages``)
        stand_ins = StandIns() if stand_ins_enabled() else None
        made = _attempts(libreoffice_copy(src, workdir, stand_ins), src, dst, timeout, fonts_dir, partials)
        if stand_ins:
            try:
                restore_images(made, stand_ins)
            except StandInsLost:     # convert again, LibreOffice compressing the pictures itself
                made = _attempts(libreoffice_copy(src, workdir), src, dst, timeout, fonts_dir, partials)
        os.chmod(made, 0o644)
        os.replace(made, dst)
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)
            partial.with_name(f".~lock.{partial.name}#").unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)


def _attempts(source: Path, src: Path, dst: Path, timeout: float, fonts_dir: Path | None,
              partials: list[Path]) -> Path:
    """Convert ``source`` (the copy of ``src``) with the warm LibreOffice into a
    new partial file beside ``dst`` (recorded in ``partials``); returns it."""
    for attempt in (1, 2):
        # a new name each attempt: a LibreOffice killed while storing leaves
        # its lock file beside the PDF, and the next one aborts on it
        partial = dst.with_name(f".{dst.stem}.{uuid.uuid4().hex[:8]}.partial.pdf")
        partials.append(partial)
        office = _current(fonts_dir)
        t0 = time.monotonic()
        answer = office.convert(source, partial, timeout)
        if answer is None:
            office.stop()
            if time.monotonic() - t0 >= timeout:
                raise JobError(Problem(
                    "pdf-timeout", f"LibreOffice 转换 PDF 超过 {timeout:g} 秒仍未完成，已终止（下次转换会重新启动）",
                    file=str(src), fix="再试一次；如仍超时，请用 Word 打开 .docx 另存为 PDF"))
            continue                     # LibreOffice died mid-way: restart and retry once
        if answer.get("ok") and partial.is_file():
            return partial
        if attempt == 2 and office.alive() and answer.get("usable", True):
            break                        # a fresh LibreOffice failed too: the document is the problem
        # LibreOffice may have died mid-way although it answered: killed while
        # storing, the answer is "IOException … Abort" and the pipe may still
        # answer; so a first failure is retried once with a fresh LibreOffice
        office.stop()
    detail = (answer or {}).get("error") or "LibreOffice 意外退出"
    raise JobError(Problem(
        "pdf-failed", f"LibreOffice 未能生成 PDF：{detail}", file=str(src),
        fix="用 Word 或 LibreOffice 打开该 .docx 检查是否损坏"))


def prestart(fonts_dir: Path | None = None) -> None:
    """Start the warm LibreOffice now without waiting for it, so the first
    conversion finds it booted (e.g. it boots while the notebook runs): this
    process's own, or the parent's that ``convert`` would use.

    It starts the process in the calling thread and returns at once: a
    process started from another thread while this one forks (a
    ``ProcessPoolExecutor`` making its workers) can hang the starter. So a
    batch calls ``serve()`` and ``prestart()`` before it makes its workers.
    ``fonts_dir`` None: ``$NIANBAO_FONTS`` if set (as ``convert``)."""
    global _office, _owner_pid, _unavailable
    try:
        fonts_dir = licensed_fonts(fonts_dir)
    except NianbaoError:
        return                       # a bad folder: the conversion itself will say so
    remote = _parent_service()
    if remote:
        def ask():                   # a request over a socket: no process started here
            try:
                _request(remote, {"prestart": True, "fonts_dir": str(fonts_dir) if fonts_dir else None}, 30)
            except (OSError, NianbaoError, ValueError):
                pass
        threading.Thread(target=ask, daemon=True, name="nianbao-office-prestart").start()
        return
    with _lock:
        if _owner_pid != os.getpid():
            _office, _owner_pid, _unavailable = None, os.getpid(), None
        if _unavailable is not None:
            return
        if _office is not None and _office.fonts_dir != fonts_dir:
            _office.stop()
            _office = None
        if _office is None:
            _office = WarmOffice(fonts_dir)
            at_exit(_at_exit)
        if not _office.alive() and not _office.launched():
            _office.stop()
            try:
                _office.launch()
            except _Unavailable as e:
                _unavailable = str(e)


_service: tuple | None = None          # (server, socket path, owner pid, folder)


def _serving_here() -> bool:
    return _service is not None and _service[2] == os.getpid()


def _parent_service() -> str | None:
    """The socket of a parent process's ``serve()`` that answers, if any."""
    path = os.environ.get(ENV_SOCKET)
    if not path or _serving_here():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(PROBE_TIMEOUT)
            sock.connect(path)
        return path
    except OSError:
        return None


def serve(path: str | None = None) -> str:
    """Serve the warm LibreOffice to child processes (the notebook kernels,
    or a batch's workers and their kernels) on a private Unix socket, in a
    background thread; set NIANBAO_OFFICE_SOCKET in ``os.environ`` so that
    processes started from now on use it. Idempotent; if a parent process
    already serves one that answers, that one is kept (one LibreOffice for
    a whole batch). ``path``: the socket, in a private folder of its own made
    beforehand (a kernel launched earlier was told it); default a new one.
    Returns the socket's path."""
    global _service
    if _serving_here():
        return _service[1]
    parent = _parent_service()
    if parent:
        return parent
    if path is None:
        folder = tmpdirs.make("office")      # mode 0700: ours only
        path = str(folder / "socket")
    else:
        folder = Path(path).parent

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline()
            if not line.strip():
                return                   # a probe (``_parent_service``): nothing to answer
            try:
                req = json.loads(line)
                fonts = Path(req["fonts_dir"]) if req.get("fonts_dir") else None
                if req.get("prestart"):
                    prestart(fonts)
                else:
                    _convert_here(Path(req["src"]), Path(req["dst"]), float(req["timeout"]), fonts)
                answer = {"ok": True}
            except NianbaoError as e:
                answer = {"ok": False, "problems": [p.to_dict() for p in e.problems]}
            except Exception as e:   # a bad request: say so to the caller, keep serving
                answer = {"ok": False, "problems": [Problem(
                    "pdf-failed", f"PDF 转换服务出错：{type(e).__name__}: {e}").to_dict()]}
            try:
                self.wfile.write((json.dumps(answer, ensure_ascii=False) + "\n").encode())
            except OSError:
                pass                     # the caller gave up (its own timeout)

    class Server(socketserver.ThreadingUnixStreamServer):
        request_queue_size = 256     # every worker and kernel of a batch may knock at once

    server = Server(path, Handler)
    server.daemon_threads = True
    # stop_serving() waits for the loop's next poll: 0.5 s by default, at the end of every run
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                     name="nianbao-office").start()
    os.environ[ENV_SOCKET] = path
    _service = (server, path, os.getpid(), folder)
    at_exit(_at_exit)
    return path


@contextlib.contextmanager
def serving(path: str | None = None) -> Iterator[str]:
    """``serve(path)`` for the duration of one job, for a caller that is not a
    batch worker (``nianbao run``, or ``run_job`` from an analyst's Python):
    stops serving afterwards if it started here, so the caller's environment
    is left as it was (LibreOffice itself stays warm for the next job)."""
    started = not _serving_here() and _parent_service() is None
    path = serve(path)
    try:
        yield path
    finally:
        if started:
            stop_serving()


def stop_serving() -> None:
    """Stop ``serve()`` (children convert by themselves again)."""
    global _service
    if _serving_here():
        server, path, _, folder = _service
        server.shutdown()
        server.server_close()
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get(ENV_SOCKET) == path:
            del os.environ[ENV_SOCKET]
    _service = None


def _convert_remote(path: str, src: Path, dst: Path, timeout: float, fonts_dir: Path | None) -> None:
    """Ask the parent's ``serve()`` to convert. OSError if it does not answer."""
    request = {"src": str(src), "dst": str(dst), "timeout": timeout,
               "fonts_dir": str(Path(fonts_dir).resolve()) if fonts_dir else None}
    _request(path, request, timeout + START_TIMEOUT + 30)   # room for a restart on the other side


def _request(path: str, request: dict, wait: float) -> None:
    """One request to a ``serve()``; OSError if it does not answer, its
    JobError if it failed."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(wait)
        sock.connect(path)
        sock.sendall((json.dumps(request) + "\n").encode())
        with sock.makefile("rb") as f:
            line = f.readline()
    if not line:
        raise ConnectionError("the office service closed the connection")
    answer = json.loads(line)
    if not answer.get("ok"):
        raise JobError([Problem(**p) for p in answer["problems"]])


def status() -> dict:
    """What this process's warm LibreOffice is doing: ``{"pid": int | None,
    "starts": int, "conversions": int, "fallback": str | None}`` (fallback:
    the reason it is not used); pid is None while it is still starting;
    conversions counts the requests it was sent (its own and its children's)."""
    global _unavailable
    mine = _owner_pid == os.getpid()
    office = _office if mine else None
    if office is not None and office.launched() and _lock.acquire(blocking=False):
        try:                       # started by prestart(): has it said it is ready?
            office.ready(wait=0)
        except _Unavailable as e:
            _unavailable = str(e)
        finally:
            _lock.release()
    return {"pid": office.pid if office and office.alive() else None,
            "starts": office.starts if office else 0,
            "conversions": office.conversions if office else 0,
            "fallback": _unavailable if mine else None}


def shutdown(wait: float | None = None) -> None:
    """End this process's warm LibreOffice now (also done at exit), after the
    conversion under way, if any, has finished: at most ``wait`` seconds
    (None: as long as it takes), then LibreOffice is killed mid-way."""
    global _office
    if not _lock.acquire(timeout=-1 if wait is None else wait):
        office = _office
        if office is not None and office.pid and _owner_pid == os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(office.pid, signal.SIGKILL)
        return
    try:
        if _office is not None and _owner_pid == os.getpid():
            _office.stop()
        _office = None
    finally:
        _lock.release()


def _at_exit() -> None:
    stop_serving()
    shutdown()


