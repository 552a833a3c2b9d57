"""The warm LibreOffice (render/office.py): one server per process serves
many conversions, comes back after it is killed or hangs, dies with its
process, and its PDF says what the one-shot conversion's PDF says."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import folder_only_font, DEMO_2023, DEMO_2024
from pypdf import PdfReader
from test_kernelpool import _alive

from nianbao.errors import JobError, NianbaoError
from nianbao.render import office, pdf, render_docx
from nianbao.render.pdf import find_soffice
from nianbao.sources import load_report

#: The one-shot conversion, whichever name it has (docx_to_pdf delegates to
#: office.convert once the integrator wires it in).
one_shot = getattr(pdf, "one_shot_pdf", pdf.docx_to_pdf)

pytestmark = [
    pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed"),
    pytest.mark.skipif(office.uno_python() is None, reason="no Python with LibreOffice's uno (apt-get install python3-uno)"),
]


@pytest.fixture(scope="module")
def docx(tmp_path_factory):
    out = tmp_path_factory.mktemp("office")
    return render_docx(load_report(DEMO_2024), load_report(DEMO_2023), out / "report.docx").path


@pytest.fixture(scope="module")
def one_shot_text(docx, tmp_path_factory):
    return _text(Path(one_shot(docx, tmp_path_factory.mktemp("oneshot") / "report.pdf", timeout=180)))


def _pixels(pdf, folder) -> list[bytes]:
    """Every page rasterised (pdftoppm, grey, 40 dpi): the layout, not just the words."""
    prefix = folder / f"{pdf.stem}-page"
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(prefix)], check=True, timeout=120)
    pages = sorted(folder.glob(f"{prefix.name}*.pgm"))
    data = [p.read_bytes() for p in pages]
    for p in pages:
        p.unlink()
    return data


def _text(pdf) -> list[str]:
    return [p.extract_text() for p in PdfReader(str(pdf)).pages]


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


def test_one_server_serves_three_conversions_with_the_one_shot_text(docx, one_shot_text, tmp_path):
    office.shutdown()
    pids = []
    for i in range(3):
        office.convert(docx, tmp_path / f"r{i}.pdf", timeout=180)
        pids.append(office.status()["pid"])
        assert _text(tmp_path / f"r{i}.pdf") == one_shot_text
    assert pids[0] is not None and pids == [pids[0]] * 3
    assert office.status()["starts"] == 1
    assert office.status()["fallback"] is None
    if shutil.which("pdftoppm"):                     # same pages, pixel for pixel
        reference = Path(one_shot(docx, tmp_path.parent / "oneshot-pixels.pdf", timeout=180))
        assert _pixels(tmp_path / "r2.pdf", tmp_path.parent) == _pixels(reference, tmp_path.parent)
    # only the PDFs: no partial files, no LibreOffice litter
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r0.pdf", "r1.pdf", "r2.pdf"]


def test_killed_server_is_restarted_and_the_conversion_succeeds(docx, one_shot_text, tmp_path):
    office.convert(docx, tmp_path / "a.pdf", timeout=180)
    first = office.status()["pid"]
    os.killpg(first, signal.SIGKILL)                 # dies between two jobs
    assert _gone(first, 10)
    office.convert(docx, tmp_path / "b.pdf", timeout=180)
    second = office.status()["pid"]
    assert second not in (None, first)
    assert _text(tmp_path / "b.pdf") == one_shot_text

    # and killed in the middle of a conversion: restarted, retried, done
    threading.Timer(0.05, os.killpg, (second, signal.SIGKILL)).start()
    office.convert(docx, tmp_path / "c.pdf", timeout=180)
    assert office.status()["pid"] not in (None, second)
    assert _text(tmp_path / "c.pdf") == one_shot_text


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def test_soffice_bin_crashing_mid_conversion_is_restarted_not_blamed_on_the_document(docx, one_shot_text, tmp_path):
    """A LibreOffice crash is soffice.bin dying while its launcher (oosplash,
    the process group's leader) lingers a moment: the bridge answers
    "DisposedException" and the launcher still runs. That is not a broken
    document: restart and retry (before: the job failed with "用 Word 或
    LibreOffice 打开该 .docx 检查是否损坏")."""
    office.convert(docx, tmp_path / "warm.pdf", timeout=180)
    launcher = office.status()["pid"]
    deadline = time.monotonic() + 10
    while not _children(launcher) and time.monotonic() < deadline:
        time.sleep(0.05)
    (soffice_bin,) = _children(launcher)
    os.kill(launcher, signal.SIGSTOP)                # the launcher lingers (on a busy machine it does)
    threading.Timer(0.05, os.kill, (soffice_bin, signal.SIGKILL)).start()
    office.convert(docx, tmp_path / "c.pdf", timeout=180)
    assert not _alive(soffice_bin)
    assert office.status()["pid"] not in (None, launcher)
    assert _text(tmp_path / "c.pdf") == one_shot_text

    # killed while it stores the PDF, LibreOffice may answer "IOException …
    # Abort" and the pipe still answer: the first failure is retried afresh
    for delay in (0.05, 0.1, 0.15, 0.2):
        launcher = office.status()["pid"]
        while not _children(launcher) and time.monotonic() < deadline + 60:
            time.sleep(0.05)
        soffice_bin = _children(launcher)[0]
        threading.Timer(delay, lambda pid=soffice_bin: _alive(pid) and os.kill(pid, signal.SIGKILL)).start()
        office.convert(docx, tmp_path / f"d{delay}.pdf", timeout=180)
        assert _text(tmp_path / f"d{delay}.pdf") == one_shot_text, delay


def test_hung_conversion_times_out_in_chinese_and_the_next_one_works(docx, tmp_path):
    office.convert(docx, tmp_path / "warm.pdf", timeout=180)
    before = office.status()["pid"]
    with pytest.raises(JobError) as e:
        office.convert(docx, tmp_path / "slow.pdf", timeout=0.01)
    assert isinstance(e.value, NianbaoError)
    assert e.value.problems[0].code == "pdf-timeout"
    assert "超过" in e.value.render() and "秒" in e.value.render()
    assert not (tmp_path / "slow.pdf").exists()
    assert _gone(before, 10)                         # the hung LibreOffice was killed
    office.convert(docx, tmp_path / "after.pdf", timeout=180)
    assert office.status()["pid"] not in (None, before)


def test_missing_input_is_a_clear_error(tmp_path):
    with pytest.raises(JobError) as e:
        office.convert(tmp_path / "nothing.docx", tmp_path / "x.pdf")
    assert e.value.problems[0].code == "pdf-failed" and "不存在" in e.value.render()


#: A child process's environment without a parent's office service.
_OWN = {k: v for k, v in os.environ.items() if k != office.ENV_SOCKET}

_CHILD = """
import sys, time
from pathlib import Path
from nianbao.render import office
{setup}
office.convert(Path(sys.argv[1]), Path(sys.argv[2]), timeout=180)
print(office.status()["pid"], office.status()["fallback"], flush=True)
time.sleep({sleep})
"""


def _profiles(pid: int | str = "*") -> list[str]:
    """The warm LibreOffice folders of process ``pid`` (``tmpdirs`` names them
    after it: other runs on the machine are not counted)."""
    import glob

    return glob.glob(os.path.join(tempfile.gettempdir(), f"nianbao-lo-warm-{pid}-*"))


def test_server_ends_with_its_process_even_when_killed(docx, tmp_path):
    for how in ("exit", "kill"):
        child = subprocess.Popen([sys.executable, "-c", _CHILD.format(setup="", sleep=0 if how == "exit" else 600),
                                  str(docx), str(tmp_path / f"{how}.pdf")], stdout=subprocess.PIPE, text=True, env=_OWN)
        pid = int(child.stdout.readline().split()[0])
        if how == "kill":
            assert _profiles(child.pid), "the folder the test watches is there"
            child.kill()                             # no atexit: PR_SET_PDEATHSIG / stdin EOF must do it
        child.wait(60)
        assert _gone(pid, 15), f"LibreOffice {pid} outlived its process ({how})"
        deadline = time.monotonic() + 10                # nor its profile folder
        while _profiles(child.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _profiles(child.pid), f"profile left behind ({how})"
        assert (tmp_path / f"{how}.pdf").stat().st_size > 10_000


def test_warm_libreoffice_leaves_nothing_in_the_temporary_folder(docx, tmp_path):
    """LibreOffice ends by SIGKILL, so it never removes its own temporary
    folder (lu*.tmp): that folder is inside the warm folder that is removed,
    not one more in $TMPDIR for every run."""
    for how in ("exit", "kill"):
        private = tmp_path / f"tmp-{how}"
        private.mkdir()
        child = subprocess.Popen([sys.executable, "-c", _CHILD.format(setup="", sleep=0 if how == "exit" else 600),
                                  str(docx), str(tmp_path / f"{how}.pdf")], stdout=subprocess.PIPE, text=True,
                                 env=dict(_OWN, TMPDIR=str(private)))
        pid = int(child.stdout.readline().split()[0])
        if how == "kill":
            child.kill()
        child.wait(60)
        assert _gone(pid, 15)
        deadline = time.monotonic() + 10
        while list(private.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not list(private.iterdir()), f"left in $TMPDIR ({how}): {sorted(p.name for p in private.iterdir())}"


def test_falls_back_to_one_shot_when_no_uno_python(docx, one_shot_text, tmp_path):
    setup = "office.uno_python = lambda: None"
    out = subprocess.run([sys.executable, "-c", _CHILD.format(setup=setup, sleep=0), str(docx),
                          str(tmp_path / "fb.pdf")], capture_output=True, text=True, timeout=300, env=_OWN)
    assert out.returncode == 0, out.stderr
    pid, reason = out.stdout.split(maxsplit=1)
    assert pid == "None" and "python3-uno" in reason
    assert _text(tmp_path / "fb.pdf") == one_shot_text


def test_children_convert_with_the_parents_warm_server(docx, one_shot_text, tmp_path):
    """What a batch worker does: serve() before starting kernels; the kernel
    (a child process) converts through the worker's LibreOffice."""
    office.shutdown()
    path = office.serve()
    try:
        assert os.environ[office.ENV_SOCKET] == path
        office.convert(docx, tmp_path / "here.pdf", timeout=180)
        server = office.status()["pid"]
        for i in range(2):
            out = subprocess.run([sys.executable, "-c", _CHILD.format(setup="", sleep=0), str(docx),
                                  f"child{i}.pdf"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
            assert out.returncode == 0, out.stderr
            assert out.stdout.split()[0] == "None"            # the child started no LibreOffice of its own
            assert _text(tmp_path / f"child{i}.pdf") == one_shot_text
        assert office.status()["pid"] == server and office.status()["starts"] == 1
        # a failure over there is the same clear error here
        child = subprocess.run([sys.executable, "-c", "from nianbao.render import office; import sys\n"
                                "try:\n office.convert(sys.argv[1], sys.argv[2], timeout=0.01)\n"
                                "except Exception as e:\n print(type(e).__name__, e.problems[0].code)",
                                str(docx), str(tmp_path / "slow.pdf")], capture_output=True, text=True, timeout=300)
        assert child.stdout.split() == ["JobError", "pdf-timeout"], child.stdout + child.stderr
        assert office.status()["pid"] is None                 # the worker killed its hung LibreOffice
    finally:
        office.stop_serving()
    assert office.ENV_SOCKET not in os.environ
    # the parent's service gone: a child with a stale socket converts by itself
    out = subprocess.run([sys.executable, "-c", _CHILD.format(setup="", sleep=0), str(docx), str(tmp_path / "alone.pdf")],
                         capture_output=True, text=True, timeout=300, env=dict(os.environ, **{office.ENV_SOCKET: path}))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] != "None" and _text(tmp_path / "alone.pdf") == one_shot_text


def test_one_server_for_a_whole_batch(docx, one_shot_text, tmp_path):
    """The batch's parent serves; a worker's serve() and prestart() keep the
    parent's LibreOffice, and its kernels convert there: one for all."""
    office.shutdown()
    path = office.serve()
    try:
        office.prestart()
        worker = subprocess.run([sys.executable, "-c", textwrap.dedent("""
            import subprocess, sys
            from nianbao.render import office
            print(office.serve()); office.prestart()
            kernel = subprocess.run([sys.executable, "-c", "import sys; from nianbao.render import office; "
                                     "office.convert(sys.argv[1], sys.argv[2], timeout=180); print(office.status()['pid'])",
                                     sys.argv[1], sys.argv[2]], capture_output=True, text=True)
            print(kernel.stdout.strip(), office.status()["pid"], kernel.returncode)
            """), str(docx), str(tmp_path / "k.pdf")], capture_output=True, text=True, timeout=300)
        lines = worker.stdout.split("\n")
        assert lines[0] == path, worker.stdout + worker.stderr
        assert lines[1].split() == ["None", "None", "0"]     # neither worker nor kernel started one
        assert _text(tmp_path / "k.pdf") == one_shot_text
        assert office.status()["starts"] == 1 and office.status()["pid"]
        assert "Traceback" not in worker.stderr
    finally:
        office.stop_serving()


def test_serving_for_one_job_leaves_the_environment_as_it_was(docx, tmp_path):
    assert office.ENV_SOCKET not in os.environ
    with office.serving() as path:
        assert os.environ[office.ENV_SOCKET] == path
        with office.serving() as inner:               # nested (a worker already serving): the same
            assert inner == path
        assert os.environ[office.ENV_SOCKET] == path
        office.convert(docx, tmp_path / "a.pdf", timeout=180)
    assert office.ENV_SOCKET not in os.environ
    assert office.status()["pid"]                     # LibreOffice stays warm for the next job


def _drop_file(info: dict) -> dict:
    return {k: v for k, v in info.items() if k != "file"}


def test_docx_to_pdf_is_the_same_whichever_converter_runs(docx, tmp_path):
    """One preparation, one check: docx_to_pdf through the warm LibreOffice
    (as in a batch worker's kernel) gives the one-shot's PDF and result."""
    cold = pdf.docx_to_pdf(docx, tmp_path / "cold.pdf", timeout=180, warm=False)
    office.shutdown()
    assert not office.in_use()
    with office.serving():
        assert office.in_use()
        warm = pdf.docx_to_pdf(docx, tmp_path / "warm.pdf", timeout=180)
        assert office.status()["pid"] and office.status()["starts"] == 1
    assert warm.text_checked and _drop_file(warm.to_dict()) == _drop_file(cold.to_dict())
    assert _text(warm.path) == _text(cold.path)
    if shutil.which("pdftoppm"):
        assert _pixels(warm.path, tmp_path) == _pixels(cold.path, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cold.pdf", "warm.pdf"]


def test_warm_libreoffice_restarts_with_the_offices_fonts(docx, tmp_path, monkeypatch):
    """NIANBAO_FONTS changes: the warm LibreOffice is restarted with a
    fontconfig that has the folder, as the one-shot conversion would."""
    import zipfile

    folder = folder_only_font(tmp_path)
    own = tmp_path / "report.docx"
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(own, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/styles.xml":
                data = data.replace(b"Times New Roman", b"cmr10")
            dst.writestr(info, data)
    monkeypatch.delenv("NIANBAO_FONTS", raising=False)
    office.shutdown()
    with office.serving():
        without = pdf.docx_to_pdf(own, tmp_path / "without.pdf", timeout=180)
        first = office.status()["pid"]
        monkeypatch.setenv("NIANBAO_FONTS", str(folder))
        with_fonts = pdf.docx_to_pdf(own, tmp_path / "with.pdf", timeout=180)
        assert office.status()["pid"] not in (None, first)          # restarted for the folder
    assert "cmr10" in without.substitutes
    assert "cmr10" not in with_fonts.substitutes and with_fonts.fonts_dir == folder.resolve()
    assert any(f.name.lower() == "cmr10" and f.embedded for f in with_fonts.fonts), with_fonts.fonts
    cold = pdf.docx_to_pdf(own, tmp_path / "cold.pdf", timeout=180, warm=False)
    assert _drop_file(cold.to_dict()) == _drop_file(with_fonts.to_dict())


def test_a_single_run_boots_libreoffice_early_and_its_kernel_converts_there(tmp_path):
    """``run_job`` with a PDF serves this process's warm LibreOffice to the
    notebook's kernel (started while the kernel boots): the kernel's one
    conversion is done there, not by a LibreOffice of its own, and the
    environment is left as it was."""
    from nianbao.job import run_job

    office.shutdown()
    result = run_job(DEMO_2024, prior=DEMO_2023, output_dir=tmp_path / "F", formats=["docx", "pdf"],
                     progress=False)
    assert result.status == "ok", result.message
    state = office.status()
    assert state["pid"] is not None and state["starts"] == 1, state
    assert state["conversions"] == 1, state
    assert office.ENV_SOCKET not in os.environ
    assert (tmp_path / "F" / "report.pdf").read_bytes()[:5] == b"%PDF-"
    office.shutdown()


def test_libreoffice_is_replaced_after_recycle_after_conversions(docx, one_shot_text, tmp_path, monkeypatch):
    """Its memory grows with every document: after RECYCLE_AFTER conversions a
    fresh LibreOffice takes over (the old one's process is gone), and the
    PDFs stay the same."""
    office.shutdown()
    monkeypatch.setattr(office, "RECYCLE_AFTER", 2)
    pids = []
    for i in range(3):
        office.convert(docx, tmp_path / f"r{i}.pdf", timeout=180)
        pids.append(office.status()["pid"])
        assert _text(tmp_path / f"r{i}.pdf") == one_shot_text
    assert pids[0] == pids[1] != pids[2], pids
    assert _gone(pids[0], within=10)
    assert office.status()["conversions"] == 1
    office.shutdown()


def test_a_bridge_killed_before_ready_leaves_no_libreoffice(tmp_path):
    """The bridge SIGKILLed while LibreOffice starts (it had not yet said
    LibreOffice's pid): stopping finds LibreOffice by its private pipe name
    and ends it; nothing of that launch survives."""
    from nianbao.render.office import WarmOffice, _processes_with

    warm = WarmOffice()
    warm.launch()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            pid != warm.bridge.pid for pid in _processes_with(warm.pipe)):
        time.sleep(0.05)                                 # until LibreOffice itself has started
    started = [pid for pid in _processes_with(warm.pipe) if pid != warm.bridge.pid]
    assert started, "LibreOffice did not start"
    os.kill(warm.bridge.pid, signal.SIGKILL)
    warm.bridge.wait()
    pipe = warm.pipe
    warm.stop()
    deadline = time.monotonic() + 10
    while _processes_with(pipe) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_with(pipe), [p for p in _processes_with(pipe)]


def test_a_bridge_whose_reader_is_gone_ends_its_libreoffice(tmp_path):
    """The starter dies while the bridge warms LibreOffice up (``nianbao run``
    SIGKILLed during its charts): the bridge's "ready" line meets a closed
    pipe (EPIPE) before its parent watch notices. It must end LibreOffice
    (its own session) and remove the profile, not exit with a traceback and
    leave soffice running forever."""
    from nianbao.render.office import BRIDGE, _processes_with

    folder = Path(tempfile.mkdtemp(prefix="nianbao-lo-warm-"))
    pipe = f"nianbao-epipe-{os.getpid()}"
    bridge = subprocess.Popen([office.uno_python(), str(BRIDGE), find_soffice(), str(folder / "profile"), pipe, "60",
                               ""], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    bridge.stdout.close()                     # its reader is gone; its parent (we) still lives
    try:
        bridge.wait(120)
        deadline = time.monotonic() + 10
        while _processes_with(pipe) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _processes_with(pipe), "LibreOffice outlived its bridge"
        assert b"Traceback" not in bridge.stderr.read()
        assert not folder.exists()
    finally:
        for pid in _processes_with(pipe):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


def test_libreoffice_is_warmed_with_the_word_template_and_a_bad_warmup_is_harmless(docx, one_shot_text, tmp_path,
                                                                                  monkeypatch):
    from nianbao.render.docx_template import TEMPLATE

    assert office.WARMUP_DOCX == TEMPLATE and TEMPLATE.is_file()
    office.shutdown()
    office.convert(docx, tmp_path / "a.pdf", timeout=180)       # warmed with the template first
    folder = office._office.folder
    assert _text(tmp_path / "a.pdf") == one_shot_text
    assert not (folder / "warmup.pdf").exists()                  # the throw-away PDF is gone
    # a warm-up file LibreOffice cannot read: it still starts and converts
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    monkeypatch.setattr(office, "WARMUP_DOCX", bad)
    office.shutdown()
    office.convert(docx, tmp_path / "b.pdf", timeout=180)
    assert _text(tmp_path / "b.pdf") == one_shot_text
    office.shutdown()
