"""The signed package is never lost, mixed or half-written: real runs of the
real ``nianbao`` command, killed with SIGKILL at several moments, two runs
into one folder at once, and the folder layout of ``nianbao.publish``."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from conftest import DEMO_2023, DEMO_2024, ZIBO_2023, has_soffice

NIANBAO = str(Path(sys.executable).parent / "nianbao")
FORMATS = "docx,html,pdf" if has_soffice() else "docx,html"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill tests use POSIX signals")


def _start(out: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([NIANBAO, "run", str(DEMO_2024), "--prior", str(DEMO_2023), "-o", str(out),
                             "--formats", FORMATS, "-q", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _run(out: Path, *extra: str, env: dict | None = None) -> tuple[int, str]:
    proc = _start(out, *extra, env=env)
    stdout, stderr = proc.communicate(timeout=600)
    return proc.returncode, stdout + stderr


def _verify(out: Path) -> tuple[int, str]:
    p = subprocess.run([NIANBAO, "verify", str(out)], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def _manifest_paths(out: Path) -> list[str]:
    return [f["path"] for f in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]]


def _package_files(out: Path) -> list[str]:
    """The regular files of F's current package, minus the sign-off's own records."""
    root = (out / "current").resolve()
    own = {"manifest.json", "signoff.eml", "mail-sent.json"}
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not p.is_symlink() and p.relative_to(root).as_posix() not in own)


def _staging(out: Path) -> list[Path]:
    return list((out / ".nianbao" / "staging").glob("*"))


def _wait_for(predicate, proc: subprocess.Popen, limit: float = 120) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            if predicate():
                return True
        except (OSError, psutil.Error):
            pass
        time.sleep(0.05)
    return False


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(p)
        except psutil.NoSuchProcess:
            pass
    return left


def _tree(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _has_child(proc: subprocess.Popen, word: str) -> bool:
    return any(word in " ".join(c.cmdline()) for c in _tree(proc))


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A good, signed package in F."""
    out = tmp_path_factory.mktemp("pub") / "F"
    code, text = _run(out)
    assert code == 0, text
    return out


def _soffice_or_docx(out: Path, proc: subprocess.Popen) -> bool:
    """The Word file is written and, with LibreOffice, its PDF is being made
    (a run's warm LibreOffice is up from the start: its process alone is not
    the moment)."""
    docx = any((s / "report.docx").exists() and not (s / "report.pdf").exists() for s in _staging(out))
    return docx and (not has_soffice() or _has_child(proc, "soffice"))


MOMENTS = {
    "start": lambda out, proc: time.sleep(0.3) or True,
    "kernel": lambda out, proc: _has_child(proc, "ipykernel"),
    "rendering": _soffice_or_docx,
    "publishing": lambda out, proc: any((s / "manifest.json").exists() for s in _staging(out)),
}


def test_sigkill_at_any_moment_never_loses_the_signed_package(signed):
    """SIGKILL at start, with the kernel running, while LibreOffice renders,
    while publishing: the earlier package still verifies, no process of the
    killed run survives, and the next run signs exactly its own package."""
    out = signed
    caught = []
    for moment, reached in MOMENTS.items():
        before = (out / "manifest.json").resolve()
        proc = _start(out)
        hit = _wait_for(lambda: reached(out, proc), proc)
        children = _tree(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not hit:
            continue                     # the run finished first: nothing was killed
        caught.append(moment)
        gone, alive = psutil.wait_procs(children, timeout=8)
        assert not _alive(alive), (moment, [p.pid for p in _alive(alive)])
        code, text = _verify(out)
        assert code == 0, (moment, text)
        if moment != "publishing":       # killed after the switch, the new package is current: also whole
            assert (out / "manifest.json").resolve() == before, moment
    assert {"start", "kernel", "rendering"} <= set(caught), caught
    # each killed run's leftovers are cleared by the next run into F; what the last kill
    # left (none if it struck after staging became runs/<id>) is cleared, with a line, now
    stale = _staging(out)
    code, text = _run(out)
    assert code == 0, text
    assert ("已清除被中断的作业留下的临时文件夹" in text) == bool(stale), (stale, text)
    assert not _staging(out)
    assert _manifest_paths(out) == _package_files(out)
    assert _verify(out)[0] == 0
    kept = list((out / ".nianbao" / "runs").iterdir())
    assert 1 <= len(kept) <= 3, "old runs are pruned"


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_ends_the_kernel_and_removes_staging(tmp_path, sig, code):
    out = tmp_path / "F"
    proc = _start(out)
    assert _wait_for(lambda: _has_child(proc, "ipykernel"), proc), "the kernel started"
    children = _tree(proc)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode == code
    gone, alive = psutil.wait_procs(children, timeout=8)
    assert not _alive(alive)
    assert not _staging(out), "a terminated run removes its staging folder"
    assert not (out / "current").exists()


@pytest.mark.parametrize("sig,code,said", [(signal.SIGINT, 130, "已中断"), (signal.SIGTERM, 143, "已终止")])
def test_a_second_signal_does_not_break_the_clean_up(tmp_path, sig, code, said):
    """Ctrl-C pressed twice (the whole process group, as a terminal does),
    or SIGTERM sent twice, while the notebook runs: one message, no
    traceback (the second one came inside the clean-ups at exit), the kernel
    ended, staging removed."""
    out = tmp_path / "F"
    proc = subprocess.Popen([NIANBAO, "run", str(DEMO_2024), "--prior", str(DEMO_2023), "-o", str(out),
                             "--formats", FORMATS, "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert _wait_for(lambda: _has_child(proc, "ipykernel"), proc), "the kernel started"
    children = _tree(proc)
    time.sleep(0.8)                                   # into the notebook
    os.killpg(proc.pid, sig)
    time.sleep(0.1)
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == code, output
    assert "Traceback" not in output and "Exception ignored" not in output, output
    assert output.count(said) == 1, output
    gone, alive = psutil.wait_procs(children, timeout=8)
    assert not _alive(alive)
    assert not _staging(out)


@pytest.mark.skipif(not has_soffice(), reason="LibreOffice (soffice) not installed")
def test_sigterm_while_the_pdf_is_made_leaves_no_staging(tmp_path):
    """SIGTERM right after the Word file is written, while LibreOffice makes
    the PDF: the run's LibreOffice is ended before staging is removed, so it
    does not write the PDF into a staging folder made again."""
    out = tmp_path / "F"
    proc = _start(out, env=dict(os.environ, NIANBAO_LOCK_WAIT="0"))
    assert _wait_for(lambda: any((s / "report.docx").exists() for s in _staging(out)), proc), \
        "the Word file was written"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    time.sleep(1)                                    # anything still writing would show now
    assert not _staging(out), [str(p) for s in _staging(out) for p in Path(s).rglob("*")]


def test_two_runs_into_one_folder(tmp_path):
    out = tmp_path / "F"
    env = dict(os.environ, NIANBAO_LOCK_WAIT="0")
    first = _start(out, "--formats", "docx", env=env)
    assert _wait_for(lambda: _staging(out), first), "the first run holds the folder"
    second = _start(out, "--formats", "docx", env=env)
    out2, err2 = second.communicate(timeout=600)
    out1, err1 = first.communicate(timeout=600)
    assert first.returncode == 0, out1 + err1
    assert second.returncode == 2, out2 + err2
    assert "另一个 nianbao 作业正在向这个输出文件夹写入" in out2 + err2 and "这不是工作簿的问题" in out2 + err2
    assert _verify(out)[0] == 0
    assert _manifest_paths(out) == _package_files(out)
    assert len(list((out / ".nianbao" / "runs").iterdir())) == 1, "one run's package, whole"


def test_a_run_waits_for_the_lock(tmp_path):
    from nianbao.publish import folder_lock

    out = tmp_path / "F"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom nianbao.publish import folder_lock\n"
                               "with folder_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(2)",
                               str(out)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    t0 = time.monotonic()
    with folder_lock(out, wait=30):
        waited = time.monotonic() - t0
    holder.wait()
    assert 0.5 < waited < 30


def test_users_own_files_in_the_folder_survive_and_are_not_signed(tmp_path):
    out = tmp_path / "F"
    out.mkdir()
    (out / "report.docx").write_bytes(b"my own draft")
    (out / "notes.txt").write_text("我的备注", encoding="utf-8")
    code, text = _run(out, "--formats", "docx")
    assert code == 0, text
    assert (out / "report.docx").read_bytes() == b"my own draft"
    assert "report.docx 不是 nianbao 生成的" in text
    assert "  current/report.docx" in text.splitlines(), "the list of outputs points at ours, not the user's"
    paths = _manifest_paths(out)
    assert "notes.txt" not in paths and "report.docx" in paths      # the package's own report.docx
    assert (out / "current" / "report.docx").read_bytes()[:2] == b"PK"
    assert _verify(out)[0] == 0


def test_stale_staging_and_sockets_are_never_hashed(tmp_path, monkeypatch):
    """A killed run's staging folder (with a kernel's IPC socket in it) is
    removed by the next run; sockets and hidden folders are never listed."""
    import socket

    from nianbao.publish import STATE, clear_stale, tidy
    from nianbao.signoff.manifest import list_outputs

    stale = tmp_path / STATE / "staging" / "20260101T000000-dead00"
    stale.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)                       # socket paths must be short
    with socket.socket(socket.AF_UNIX) as s1, socket.socket(socket.AF_UNIX) as s2:
        s1.bind(str(stale.relative_to(tmp_path) / "kernel-ipc-1"))
        (tmp_path / "report.html").write_text("x", encoding="utf-8")
        s2.bind("kernel-ipc-2")
        (tmp_path / ".charts-pre").mkdir()
        (tmp_path / ".charts-pre" / "a.png").write_bytes(b"png")
        assert list_outputs(tmp_path) == ["report.html"]
        assert clear_stale(tmp_path) == [stale.name] and not stale.exists()
        tidy(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_without_symlinks_the_pointer_file_names_the_package(tmp_path):
    """The documented fallback (Windows without symlink rights): readers find
    the current package through .nianbao/current.txt."""
    from nianbao.publish import STATE, package_dir

    run = tmp_path / STATE / "runs" / "20260101T000000-abc123"
    run.mkdir(parents=True)
    assert package_dir(tmp_path) == tmp_path
    (tmp_path / STATE / "current.txt").write_text(run.name + "\n", encoding="utf-8")
    assert package_dir(tmp_path) == run


def test_a_flat_package_of_an_older_nianbao_is_taken_over(signed, tmp_path):
    """A folder written by nianbao before this layout (regular files at the
    top, a results.json made by nianbao): its outputs become links into the
    new package, the user's own file stays, the manifest lists the package."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree((signed / "current").resolve(), old)
    (old / "mynotes.txt").write_text("我的备注", encoding="utf-8")
    code, text = _run(old, "--formats", "docx")
    assert code == 0, text
    assert (old / "report.docx").is_symlink() and not (old / "report.pdf").exists()
    assert (old / "mynotes.txt").read_text(encoding="utf-8") == "我的备注"
    assert _manifest_paths(old) == _package_files(old) and "mynotes.txt" not in _manifest_paths(old)
    assert _verify(old)[0] == 0


def test_a_killed_batch_leaves_no_worker_running(tmp_path):
    """SIGKILL of ``nianbao batch``: its pool workers (and the jobs' kernels)
    end within seconds instead of running on, orphaned, and publishing later."""
    proc = subprocess.Popen([NIANBAO, "batch", str(DEMO_2024), str(ZIBO_2023), "-o", str(tmp_path / "out"),
                             "--formats", "html", "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[psutil.Process] = []
    try:
        assert _wait_for(lambda: _has_child(proc, "ipykernel"), proc), "a job's kernel started"
        children = _tree(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        gone, alive = psutil.wait_procs(children, timeout=8)
        assert not _alive(alive), [" ".join(p.cmdline()) for p in _alive(alive)]
    finally:
        for p in _alive(children):
            p.kill()


def _signed_then_wrong(tmp_path: Path, formats: str):
    """A signed package in F, its manifest, and a function that re-runs F
    with a workbook whose figures have errors (exit 1; NIANBAO_KEEP_RUNS=1)."""
    from conftest import WRONG_CELL, edited_copy

    out = tmp_path / "F"
    code, text = _run(out)
    assert code == 0, text
    wrong = edited_copy(DEMO_2024, tmp_path / "wrong.xlsx", **{WRONG_CELL.replace(".", "__"): 999})

    def run_wrong():
        p = subprocess.run([NIANBAO, "run", str(wrong), "--prior", str(DEMO_2023), "-o", str(out), "--formats",
                            formats, "-q"], capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, NIANBAO_KEEP_RUNS="1"))
        assert p.returncode == 1, p.stdout + p.stderr

    return out, (out / "manifest.json").resolve(), run_wrong


def test_a_run_with_errors_never_costs_the_signed_package(tmp_path):
    """A re-run whose figures have errors becomes current (staff need its
    checks.xlsx) but is not signed: `verify F` checks the last signed package,
    says so, and pruning never removes that package."""
    out, signed_manifest, run_wrong = _signed_then_wrong(tmp_path, "html")
    run_wrong()
    run_wrong()
    assert (out / "checks.xlsx").is_file() and not (out / "manifest.json").exists()
    code, text = _verify(out)
    assert code == 0, text
    assert "没有签发" in text and signed_manifest.parent.name in text
    assert signed_manifest.is_file()


def test_mail_never_signs_a_run_that_was_not_signed(tmp_path):
    """`nianbao mail` on a run with errors, or on an HTML-only one, refuses
    before writing anything (exit 2): a manifest would make that run look
    signed, `verify` would then check it and the pruning of old runs would
    remove the package that was really signed (found by a fresh-user review)."""
    out, signed_manifest, run_wrong = _signed_then_wrong(tmp_path, "docx")
    run_wrong()
    mail = subprocess.run([NIANBAO, "mail", str(out), "--to", "leader@example.gov.cn"], capture_output=True,
                          text=True, env=dict(os.environ, NIANBAO_KEEP_RUNS="1"), timeout=120)
    assert mail.returncode == 2, mail.stdout + mail.stderr
    said = mail.stdout + mail.stderr
    assert "不能送签" in said and signed_manifest.parent.name in said and "Traceback" not in said
    assert not (out / "current" / "manifest.json").exists() and not (out / "current" / "signoff.eml").exists()
    run_wrong()
    run_wrong()
    assert signed_manifest.is_file(), "the signed package was pruned"
    code, text = _verify(out)
    assert code == 0 and signed_manifest.parent.name in text, text

    html_only = tmp_path / "G"
    p = subprocess.run([NIANBAO, "run", str(DEMO_2024), "--prior", str(DEMO_2023), "-o", str(html_only),
                        "--formats", "html", "-q"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    mail = subprocess.run([NIANBAO, "mail", str(html_only), "--to", "leader@example.gov.cn"], capture_output=True,
                          text=True, timeout=120)
    assert mail.returncode == 2 and "没有 PDF 或 Word" in mail.stdout + mail.stderr
    assert not (html_only / "current" / "manifest.json").exists()
