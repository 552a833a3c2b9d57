"""PDF from the .docx with headless LibreOffice.

One source of truth (the Word file). Each conversion gets its own LibreOffice
profile (concurrent conversions otherwise fail silently on the profile lock),
a timeout that kills the whole process group, and the fontconfig map so the
official font names resolve to installed CJK fonts.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import JobError, Problem
from .fonts import fontconfig_file

SOFFICE_NAMES = ("soffice", "libreoffice")


def find_soffice() -> str | None:
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
                 "C:/Program Files/LibreOffice/program/soffice.exe"):
        if Path(path).is_file():
            return path
    return None


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()


def docx_to_pdf(docx_path: str | os.PathLike, pdf_path: str | os.PathLike,
                timeout: float = 120) -> Path:
    """Convert ``docx_path`` to ``pdf_path`` (replaced atomically)."""
    docx_path, pdf_path = Path(docx_path).resolve(), Path(pdf_path)
    soffice = find_soffice()
    if soffice is None:
        raise JobError(Problem(
            "no-libreoffice", "找不到 LibreOffice（soffice），无法生成 PDF",
            fix="Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui；"
                "或只生成 Word 和 HTML（--formats docx,html）"))
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fontconfig_file())
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as profile, \
            tempfile.TemporaryDirectory(prefix=".pdf-", dir=pdf_path.parent) as outdir:
        cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
               "--norestore", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
               "--outdir", outdir, str(docx_path)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=(os.name == "posix"))
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise JobError(Problem(
                "pdf-timeout", f"LibreOffice 转换 PDF 超过 {timeout:g} 秒仍未完成，已终止",
                file=str(docx_path), fix="再试一次；如仍超时，请用 Word 打开 .docx 另存为 PDF"))
        produced = Path(outdir) / (docx_path.stem + ".pdf")
        if proc.returncode != 0 or not produced.is_file():
            detail = (err or out).decode("utf-8", "replace").strip()[-500:]
            raise JobError(Problem(
                "pdf-failed", f"LibreOffice 未能生成 PDF（退出码 {proc.returncode}）：{detail}",
                file=str(docx_path), fix="用 Word 或 LibreOffice 打开该 .docx 检查是否损坏"))
        os.chmod(produced, 0o644)
        os.replace(produced, pdf_path)
    return pdf_path
