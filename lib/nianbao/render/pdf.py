"""PDF from the .docx with headless LibreOffice.

One source of truth (the Word file). Each conversion gets its own LibreOffice
profile (concurrent conversions otherwise fail silently on the profile lock),
a timeout that kills the whole process group, and the fontconfig map so the
official font names resolve to installed CJK fonts (an office's licensed
fonts first: ``fonts=DIR`` or ``$NIANBAO_FONTS``). Every conversion is checked:
the PDF's text must equal the Word text (``fidelity.check_pdf_text``), and
the result says which fonts the PDF embeds and which were substitutes.

Both converters (this one-shot ``soffice --convert-to`` and the warm
LibreOffice of ``office.py``) export with the same filter options
(``PDF_EXPORT_OPTIONS``), so they make the same PDF.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..procs import child_kwargs
from ..errors import JobError, Problem
from .fidelity import PdfFont, check_pdf_text, pdf_fonts
from .fonts import conversion_fontconfig, fonts_dir, resolve_families
from .pdfimages import StandIns, StandInsLost, plain_pictures, enabled as stand_ins_enabled
from .pdfimages import restore as restore_images

SOFFICE_NAMES = ("soffice", "libreoffice")
PDF_FILTER = "writer_pdf_Export"
#: The PDF export filter's options (its FilterData), for both converters: the
#: one-shot's ``--convert-to`` argument (``convert_to_argument``) and the warm
#: bridge's ``storeToURL`` (``office.py`` passes them to ``uno_bridge.py``).
#: UseLosslessCompression: the chart PNGs stay lossless (Flate) in the PDF;
#: by default LibreOffice re-encodes some of them as JPEG (3 of the demo's 5
#: charts: blurred line art) and the export is slower (storeToURL 0.28 s vs
#: 0.25 s for the demo report).
PDF_EXPORT_OPTIONS: dict[str, bool | int | str] = {"UseLosslessCompression": True}


def convert_to_argument(options: dict | None = None) -> str:
    """``soffice --convert-to`` argument for a PDF with ``options`` (default
    ``PDF_EXPORT_OPTIONS``), in LibreOffice 7.4+'s JSON form:
    ``pdf:writer_pdf_Export:{"UseLosslessCompression":{"type":"boolean","value":"true"}}``."""
    options = PDF_EXPORT_OPTIONS if options is None else options

    def typed(value):
        if isinstance(value, bool):
            return {"type": "boolean", "value": "true" if value else "false"}
        if isinstance(value, int):
            return {"type": "long", "value": str(value)}
        return {"type": "string", "value": str(value)}
    if not options:
        return f"pdf:{PDF_FILTER}"
    return f"pdf:{PDF_FILTER}:" + json.dumps({k: typed(v) for k, v in options.items()}, separators=(",", ":"))


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


@dataclass(frozen=True)
class PdfConversion:
    """What one conversion produced and with which fonts.

    ``fonts``: fonts the PDF embeds (subset prefix removed). ``requested``:
    font names the Word file asks for → the family fontconfig supplied.
    ``substitutes``: the subset of ``requested`` where that family is not
    the one asked for (e.g. 仿宋_GB2312 → Noto Serif CJK SC). ``fonts_dir``:
    the office's licensed-fonts folder used, if any. Usable as a path
    (``os.fspath(conv)`` is the PDF).
    """
    path: Path
    fonts: tuple[PdfFont, ...] = ()
    requested: dict[str, str] = field(default_factory=dict)
    fonts_dir: Path | None = None
    text_checked: bool = False

    @property
    def substitutes(self) -> dict[str, str]:
        return {k: v for k, v in self.requested.items() if v and v != k}

    def __fspath__(self) -> str:
        return str(self.path)

    def to_dict(self) -> dict:
        """For results.json: fonts embedded, substitutes, the fonts folder."""
        return {"file": self.path.name,
                "fonts_embedded": [f.name for f in self.fonts if f.embedded],
                "fonts_not_embedded": [f.name for f in self.fonts if not f.embedded],
                "substitutes": self.substitutes,
                "fonts_dir": str(self.fonts_dir) if self.fonts_dir else None,
                "text_checked": self.text_checked}

    def summary(self) -> str:
        """The fonts paragraph for the run's summary (see ``fonts_summary``)."""
        return fonts_summary(self.to_dict())


def fonts_summary(info: dict) -> str:
    """Which fonts the PDF embeds and which stood in for the official ones,
    in Chinese, from ``PdfConversion.to_dict()`` (as kept in results.json)."""
    lines = ["PDF 嵌入字体：" + ("、".join(info.get("fonts_embedded") or []) or "无")]
    subs = info.get("substitutes") or {}
    if subs:
        lines.append("替代字体（文档要求的字体未安装）：" + "；".join(f"{k} → {v}" for k, v in subs.items())
                     + "。如有授权字体，请用 nianbao run --fonts 字体文件夹")
    if info.get("fonts_not_embedded"):
        lines.append("未嵌入的字体：" + "、".join(info["fonts_not_embedded"]))
    if info.get("fonts_dir"):
        lines.append(f"使用了本单位字体文件夹：{info['fonts_dir']}")
    return "\n".join(lines)


def requested_fonts(docx_path: str | os.PathLike) -> list[str]:
    """Font names the Word file asks for where it uses them: the document
    defaults, the styles its paragraphs, runs and tables use (with the styles
    they are based on) and direct run fonts in the body and footers; sorted."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def fonts_of(el) -> set[str]:
        return {v for rf in el.iter(w + "rFonts")
                for k, v in rf.attrib.items() if k in (w + "ascii", w + "hAnsi", w + "eastAsia")}
    with zipfile.ZipFile(docx_path) as z:
        names = set(z.namelist())
        styles = etree.fromstring(z.read("word/styles.xml"))
        bodies = [etree.fromstring(z.read(n)) for n in sorted(names)
                  if n == "word/document.xml" or re.fullmatch(r"word/footer\d*\.xml", n)]
    by_id = {st.get(w + "styleId"): st for st in styles.iter(w + "style")}
    used = {el.get(w + "val") for body in bodies
            for tag in ("pStyle", "rStyle", "tblStyle") for el in body.iter(w + tag)}
    used |= {sid for sid, st in by_id.items()
             if st.get(w + "default") == "1" and st.get(w + "type") == "paragraph"}
    found: set[str] = set()
    for defaults in styles.iter(w + "docDefaults"):
        found |= fonts_of(defaults)
    seen: set[str] = set()
    todo = [u for u in used if u]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in by_id:
            continue
        seen.add(sid)
        found |= fonts_of(by_id[sid])
        based = by_id[sid].find(w + "basedOn")
        if based is not None:
            todo.append(based.get(w + "val"))
    for body in bodies:
        found |= fonts_of(body)
    return sorted(found)


_CHAR_GRID = re.compile(rb'<w:docGrid\b[^>]*w:type="linesAndChars"[^>]*/>')


def _lines_grid(m: re.Match) -> bytes:
    pitch = re.search(rb'w:linePitch="(\d+)"', m.group(0))
    return b'<w:docGrid w:type="lines"' + (b' w:linePitch="' + pitch.group(1) + b'"' if pitch else b"") + b"/>"


def libreoffice_copy(docx_path: Path, workdir: str | os.PathLike,
                     stand_ins: StandIns | None = None) -> Path:
    """A copy of the .docx for LibreOffice, adapted where it reads Word's
    typography differently (checked with 7.4); the text is unchanged.

    - ``w:overflowPunct``: writerfilter maps it to ``ParaIsHangingPunctuation
      = (val == 0)``, the wrong way round, so the template's "no hanging
      punctuation" made LibreOffice hang "，" "。" past the type area and drop
      them from the PDF. The copy says ``1``: punctuation squeezed into the
      line, as in Word.
    - ``w:docGrid`` linesAndChars: LibreOffice gives a 16 pt character a
      15.79 pt cell two cells (14 a line). The copy has a ``lines`` grid; the
      body's condensed spacing then gives 28 a line.

    ``stand_ins``: if given, each plainly shown picture that can go into
    the PDF as it is gets a stand-in, recorded there (``pdfimages``); after
    the conversion ``pdfimages.restore`` puts the pictures back.
    """
    out = Path(workdir) / docx_path.name
    with zipfile.ZipFile(docx_path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        plain = plain_pictures(src) if stand_ins is not None else set()
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in ("word/styles.xml", "word/document.xml"):
                data = data.replace(b'<w:overflowPunct w:val="0"/>', b'<w:overflowPunct w:val="1"/>')
                data = _CHAR_GRID.sub(_lines_grid, data)
            elif info.filename in plain:
                data = stand_ins.stand_in(data) or data
            dst.writestr(info, data)
    return out


def docx_to_pdf(docx_path: str | os.PathLike, pdf_path: str | os.PathLike,
                timeout: float = 120, fonts: str | os.PathLike | None = None,
                check_text: bool = True, warm: bool | None = None) -> PdfConversion:
    """Convert ``docx_path`` to ``pdf_path`` (replaced atomically).

    ``fonts``: a folder of licensed fonts (default ``$NIANBAO_FONTS``).
    ``warm``: convert with the warm LibreOffice (``office.convert``) instead
    of a new one; None (default) means "when one is served to this process"
    (a batch worker and its kernels, see ``office.in_use``). Both converters
    get the same preparation (``libreoffice_copy`` and
    ``fonts.conversion_fontconfig``), so they make the same PDF, and the
    result is checked and described the same way.

    Raises ``JobError`` (exit 3) if LibreOffice is missing, fails or times
    out, ``InputError`` (exit 2) if the fonts folder does not exist, and
    ``fidelity.PdfTextMismatch`` (exit 3) if the PDF's text differs from the
    Word text; no PDF is left at ``pdf_path`` then.
    """
    from . import office

    docx_path, pdf_path = Path(docx_path).resolve(), Path(pdf_path)
    extra = fonts_dir(fonts)
    if warm is None:
        warm = office.in_use()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    # the checks are separate programs (pdftotext, pdffonts, fc-match): run side by
    # side, and the font lookup, which needs no PDF, while LibreOffice converts
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=pdf_path.parent) as outdir, \
            ThreadPoolExecutor(max_workers=3, thread_name_prefix="nianbao-pdf-check") as checks:
        produced = Path(outdir) / (docx_path.stem + ".pdf")
        if warm:
            requested = checks.submit(_requested, docx_path, outdir, extra)
            office.convert(docx_path, produced, timeout=timeout, fonts_dir=extra)
        else:
            conf = soffice_convert(docx_path, produced, timeout=timeout, extra=extra)
            requested = checks.submit(resolve_families, requested_fonts(docx_path), conf)
        text = checks.submit(check_pdf_text, docx_path, produced) if check_text else None
        used = checks.submit(pdf_fonts, produced)
        if text is not None:
            text.result()           # raises PdfTextMismatch first, as the gravest
        conversion = PdfConversion(pdf_path, tuple(used.result()), requested.result(), extra, check_text)
        os.chmod(produced, 0o644)
        os.replace(produced, pdf_path)
    return conversion


def _requested(docx_path: Path, workdir: str, extra: Path | None) -> dict[str, str]:
    """``requested_fonts`` resolved with the conversion's fontconfig map."""
    return resolve_families(requested_fonts(docx_path), conversion_fontconfig(workdir, extra))


def one_shot_pdf(docx_path: str | os.PathLike, pdf_path: str | os.PathLike,
                 timeout: float = 120, fonts: str | os.PathLike | None = None,
                 check_text: bool = True) -> PdfConversion:
    """``docx_to_pdf`` with a new LibreOffice for this one file (``warm=False``)."""
    return docx_to_pdf(docx_path, pdf_path, timeout, fonts, check_text, warm=False)


def no_soffice() -> JobError:
    """The error when LibreOffice is not installed."""
    return JobError(Problem(
        "no-libreoffice", "找不到 LibreOffice（soffice），无法生成 PDF",
        fix="Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui；"
            "或只生成 Word 和 HTML（--formats docx,html）"))


def soffice_convert(docx_path: Path, produced: Path, *, timeout: float,
                    extra: Path | None) -> Path:
    """The one-shot converter: ``soffice --convert-to`` (``convert_to_argument``) of
    ``libreoffice_copy(docx_path)`` into ``produced`` (a new file), with a
    private profile and ``conversion_fontconfig(…, extra)``; the pictures go
    in through stand-ins (``pdfimages``), and if that fails the file is
    converted again without them. Returns that
    fontconfig file (it lives in ``produced``'s folder). Raises ``JobError``
    ("no-libreoffice", "pdf-timeout", "pdf-failed")."""
    soffice = find_soffice()
    if soffice is None:
        raise no_soffice()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as profile, \
            tempfile.TemporaryDirectory(prefix=".lo-", dir=produced.parent) as workdir:
        conf = conversion_fontconfig(produced.parent, extra)
        env["FONTCONFIG_FILE"] = str(conf)
        for stand_ins in ([StandIns()] if stand_ins_enabled() else []) + [None]:
            source = libreoffice_copy(docx_path, workdir, stand_ins)
            result = _soffice_run(soffice, profile, workdir, source, env, docx_path, timeout)
            try:
                if stand_ins:
                    restore_images(result, stand_ins)
                break
            except StandInsLost:     # convert again, LibreOffice compressing the pictures itself
                result.unlink(missing_ok=True)
        os.replace(result, produced)
    return conf


def _soffice_run(soffice: str, profile: str, workdir: str, source: Path, env: dict, docx_path: Path,
                 timeout: float) -> Path:
    """One ``soffice --convert-to`` of ``source``; the PDF it made in ``workdir``."""
    cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
           "--norestore", "--nolockcheck", "--convert-to", convert_to_argument(),
           "--outdir", workdir, str(source)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=(os.name == "posix"), **child_kwargs())
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise JobError(Problem(
            "pdf-timeout", f"LibreOffice 转换 PDF 超过 {timeout:g} 秒仍未完成，已终止",
            file=str(docx_path), fix="再试一次；如仍超时，请用 Word 打开 .docx 另存为 PDF"))
    result = Path(workdir) / (source.stem + ".pdf")
    if proc.returncode != 0 or not result.is_file():
        detail = (err or out).decode("utf-8", "replace").strip()[-500:]
        raise JobError(Problem(
            "pdf-failed", f"LibreOffice 未能生成 PDF（退出码 {proc.returncode}）：{detail}",
            file=str(docx_path), fix="用 Word 或 LibreOffice 打开该 .docx 检查是否损坏"))
    return result
