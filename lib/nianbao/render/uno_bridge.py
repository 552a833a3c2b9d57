"""The UNO side of the warm LibreOffice (see ``office.py``); a standalone script.

It runs under the Python that has LibreOffice's ``uno`` module (on Debian the
system ``/usr/bin/python3`` with ``python3-uno``), which is usually not the
project's virtualenv, so it imports nothing but the standard library and
``uno``. It starts one ``soffice`` listening on a private UNO pipe (no TCP
port to race for when many workers start at once) with a private profile,
then answers one JSON line per request on stdin/stdout:

    -> {"src": "/abs/report.docx", "dst": "/abs/report.pdf"}
    <- {"ok": true}    or    {"ok": false, "error": "...", "usable": bool}

(``usable``: LibreOffice still answers after the failure, i.e. the document
was the problem; when false the bridge ends and the caller starts another.)

The first line it writes is ``{"ready": true, "pid": <soffice pid>}`` (or
``{"ready": false, "error": ...}``). It ends LibreOffice (the whole process
group) when stdin closes, on SIGTERM, and when the process that started it
dies (a thread watches the parent process id).

``WARMUP_DOCX``: a Word file converted once (to a throw-away PDF) before it
says "ready", so that the first real conversion does not also pay for
loading Writer, the Word import, the PDF export and the fonts (~0.1–0.2 s);
a failure there is ignored (the real conversion will say what is wrong).

``EXPORT``: the PDF export as JSON, ``{"filter": "writer_pdf_Export",
"options": {"UseLosslessCompression": true}}`` (the filter's FilterData;
``pdf.PDF_EXPORT_OPTIONS``, passed by ``office.py``: this script cannot
import nianbao). Without it: the filter's defaults.

    python3 uno_bridge.py SOFFICE PROFILE_DIR PIPE_NAME [START_TIMEOUT_S [WARMUP_DOCX [EXPORT]]]
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: The export when no EXPORT argument is given.
DEFAULT_EXPORT = {"filter": "writer_pdf_Export", "options": {}}


def _watch_parent(on_orphaned) -> None:
    """Call ``on_orphaned`` once the process that started us has gone (its
    death re-parents us). A thread polling getppid(), like ipykernel's parent
    poller; Linux's PR_SET_PDEATHSIG would fire when the *thread* that
    started us ends, which is not what we want."""
    import threading

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        on_orphaned()

    threading.Thread(target=watch, daemon=True).start()


class Bridge:
    def __init__(self, soffice: str, profile: Path, pipe: str, export: dict = DEFAULT_EXPORT):
        self.pipe = pipe
        self.export = export
        self.proc = subprocess.Popen(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
             "--nocrashreport", "--nodefault", "--nologo", "--nofirststartwizard", "--norestore",
             "--nolockcheck", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.desktop = None

    def connect(self, timeout: float) -> None:
        import uno

        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + timeout
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"soffice exited with code {self.proc.returncode} while starting")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"soffice did not accept UNO connections within {timeout:g} s")
                time.sleep(0.1)
        self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def convert(self, src: str, dst: str) -> None:
        import uno
        from com.sun.star.beans import PropertyValue

        def props(**kw):
            return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())

        doc = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0,
                                                props(Hidden=True, ReadOnly=True))
        if doc is None:
            raise RuntimeError("LibreOffice could not open the document")
        try:
            store = props(FilterName=self.export["filter"])
            if self.export.get("options"):
                store += props(FilterData=uno.Any("[]com.sun.star.beans.PropertyValue",
                                                  props(**self.export["options"])))
            doc.storeToURL(uno.systemPathToFileUrl(dst), store)
        finally:
            try:
                doc.close(True)
            except Exception:
                pass

    def usable(self) -> bool:
        """LibreOffice still runs and answers over the UNO pipe (after a failed
        conversion: was the document the problem, or did LibreOffice die?
        Its launcher may outlive a killed soffice.bin for a moment, so the
        process alone does not tell)."""
        if self.proc.poll() is not None or self.desktop is None:
            return False
        try:
            self.desktop.getComponents()      # one round trip
            return True
        except Exception:
            return False

    def end(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()


def _say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list) -> int:
    soffice, profile, pipe = argv[0], Path(argv[1]), argv[2]
    export = json.loads(argv[5]) if len(argv) > 5 and argv[5] else DEFAULT_EXPORT
    bridge = Bridge(soffice, profile, pipe, export)

    def on_term(signum=None, frame=None):
        bridge.end()
        os._exit(0)

    def on_orphaned():
        # our starter died (stdin closed, or a new parent): remove its folder for
        # it (profile, fonts.conf). Its own stop() kills us before closing stdin.
        import shutil

        bridge.end()
        folder = profile.parent if profile.parent.name.startswith("nianbao-lo-warm-") else profile
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(0)

    _watch_parent(on_orphaned)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        return _serve(bridge, argv)
    except OSError:
        # our stdout's reader is gone (the starter died, e.g. SIGKILL while we
        # warmed up): writing "ready" or an answer raised EPIPE; without this
        # LibreOffice, in a session of its own, would outlive us
        on_orphaned()
    finally:
        bridge.end()
    return 1


def _serve(bridge: Bridge, argv: list) -> int:
    """Connect, warm up, say ready, answer requests until stdin closes.
    Raises OSError when our stdout can no longer be written."""
    profile = Path(argv[1])
    start_timeout = float(argv[3]) if len(argv) > 3 else 60.0
    try:
        bridge.connect(start_timeout)
    except Exception as e:
        _say({"ready": False, "error": f"{type(e).__name__}: {e}"})
        return 1
    if len(argv) > 4 and argv[4]:
        warmup = profile.parent / "warmup.pdf"
        try:
            bridge.convert(argv[4], str(warmup))
        except Exception:
            pass
        try:
            warmup.unlink()
        except OSError:
            pass
    _say({"ready": True, "pid": bridge.proc.pid})
    try:
        for line in sys.stdin:
            try:
                req = json.loads(line)
                bridge.convert(req["src"], req["dst"])
                _say({"ok": True})
            except BrokenPipeError:
                raise                          # our stdout is gone (see main)
            except Exception as e:
                usable = bridge.usable()
                _say({"ok": False, "error": f"{type(e).__name__}: {e}", "usable": usable})
                if not usable:                 # LibreOffice is gone: let the caller restart us
                    return 1
    finally:
        bridge.end()
    raise BrokenPipeError("stdin closed: the starter is gone")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
