"""The PDF says exactly what the Word file says: text-layer comparison and
the fonts a PDF embeds.

A conversion that drops a character (LibreOffice once lost a "。" hung past a
justified line end) must fail, not ship. The comparison counts characters
after normalising whitespace, line breaks and compatibility forms (NFKC, so
a ligature "ﬁ" equals "fi"; U+2011 non-breaking hyphen equals "-", word joiners vanish), so table
reading order in the PDF does not matter but every lost or added character
does. Page numbers ("— 1 —") are in the footer, not the body, and are
removed from each PDF page before comparing.
"""
from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import JobError, Problem

#: Characters that differ only in line-breaking behaviour.
_SAME = str.maketrans({"\u2011": "-", "\u2010": "-", "\u00ad": "", "\u200b": "", "\u2060": "",
                      "\ufeff": ""})

#: A footer page number as printed: "— 1 —" (GB/T 9704 7.5).
_PAGE_NO = re.compile(r"—\s*\d+\s*—\s*$")


class PdfTextMismatch(JobError):
    """The PDF's text layer lost or added characters (exit code 3)."""


def normalise(text: str) -> str:
    """Text for comparison: NFKC, hyphen variants unified, no whitespace."""
    text = unicodedata.normalize("NFKC", text.translate(_SAME))
    return "".join(text.split())


def docx_text(path: str | os.PathLike) -> str:
    """The body text of a .docx in document order (paragraphs, table cells),
    without headers/footers; merged table cells counted once."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(path))
    parts: list[str] = []
    for el in doc.element.body.iter(qn("w:p")):
        if el.getparent() is not None and el.getparent().tag == qn("w:tc"):
            tcpr = el.getparent().find(qn("w:tcPr"))
            vm = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
            if vm is not None and vm.get(qn("w:val"), "continue") == "continue":
                continue        # the covered part of a vertically merged cell
        parts.append("".join(t.text or "" for t in el.iter(qn("w:t"))))
    return "\n".join(parts)


def pdf_pages_text(path: str | os.PathLike) -> list[str]:
    """The text layer of each page (``pdftotext -raw``: content order, and no
    dehyphenation of a "0533-" at a line end; ``pypdf`` if poppler is absent)."""
    tool = shutil.which("pdftotext")
    if tool:
        out = subprocess.run([tool, "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                             timeout=120, check=True).stdout.decode("utf-8", "replace")
        pages = out.split("\f")
        return pages[:-1] if pages and not pages[-1].strip() else pages
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


def _body(page: str) -> str:
    return _PAGE_NO.sub("", page.rstrip())


def _context(text: str, i: int, width: int = 12) -> str:
    return text[max(0, i - width):i] + "▲" + text[i:i + width]


def text_differences(word: str, pdf: str) -> tuple[Counter, Counter, list[str]]:
    """(lost, added, places): characters in Word but not in the PDF, in the
    PDF but not in Word, and up to five places in the Word text (▲ marks
    where) found by aligning the two."""
    a, b = normalise(word), normalise(pdf)
    lost, added = Counter(a) - Counter(b), Counter(b) - Counter(a)
    places: list[str] = []
    if lost or added:
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                continue
            chars = set(a[i1:i2]) | set(b[j1:j2])
            if chars & (set(lost) | set(added)) and i2 - i1 <= 3 and j2 - j1 <= 3:
                places.append(f"“{_context(a, i1)}”（Word：“{a[i1:i2]}”，PDF：“{b[j1:j2]}”）")
            if len(places) >= 5:
                break
    return lost, added, places


def check_pdf_text(docx_path: str | os.PathLike, pdf_path: str | os.PathLike) -> None:
    """Raise ``PdfTextMismatch`` unless the PDF's text equals the Word text."""
    pages = pdf_pages_text(pdf_path)
    lost, added, places = text_differences(docx_text(docx_path),
                                           "\n".join(_body(p) for p in pages))
    if not lost and not added:
        return

    def show(c: Counter) -> str:
        return "、".join(f"“{ch}”×{n}" for ch, n in c.most_common(10)) or "无"
    raise PdfTextMismatch(Problem(
        "pdf-text-mismatch",
        f"PDF 与 Word 文字不一致：PDF 缺少 {show(lost)}；多出 {show(added)}"
        + (f"；位置：{'；'.join(places)}" if places else ""),
        file=str(pdf_path),
        expected="PDF 的文字层与 Word 文档逐字相同（忽略空白和换行）",
        fix="PDF 未发布。请用 Word 打开同名 .docx 另存为 PDF，或把此消息报告给维护者"))


@dataclass(frozen=True)
class PdfFont:
    """One font in a PDF: ``name`` without the subset prefix ("ABCDEF+")."""
    name: str
    embedded: bool


def pdf_fonts(path: str | os.PathLike) -> list[PdfFont]:
    """The fonts a PDF uses (``pdffonts``; ``pypdf`` if poppler is absent),
    each name once, in first-use order."""
    found: dict[str, bool] = {}
    tool = shutil.which("pdffonts")
    if tool:
        out = subprocess.run([tool, str(path)], capture_output=True, timeout=60,
                             check=True).stdout.decode("utf-8", "replace").splitlines()
        for line in out[2:]:
            cols = line.split()
            if len(cols) < 5:
                continue
            # name, type (one or two words), encoding, emb, sub, uni, object, gen
            emb = cols[-5] == "yes"
            name = cols[0].split("+", 1)[-1]
            found[name] = found.get(name, False) or emb
    else:
        from pypdf import PdfReader

        for page in PdfReader(str(path)).pages:
            fonts = page.get("/Resources", {}).get("/Font", {})
            for f in fonts.get_object().values():
                f = f.get_object()
                name = str(f.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
                desc = f.get("/FontDescriptor") or next(
                    (d.get_object().get("/FontDescriptor") for d in f.get("/DescendantFonts", [])), None)
                desc = desc.get_object() if desc is not None else {}
                emb = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[name] = found.get(name, False) or emb
    return [PdfFont(n, e) for n, e in found.items()]
