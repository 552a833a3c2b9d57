"""PDF → lines of its text layer, read with pypdf.

pypdf is a declared dependency of nianbao and pure Python; its plain text
extraction gives the same line shapes the text importer already handles
(labels wrapping around their numbers, footers between rows). pdfplumber's
table finder was not used: it is not a declared dependency, and published
reports draw their tables in too many ways for ruling-line detection to be
more reliable than placement by label. Scanned PDFs (no text layer) are refused.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem
from .document import Document, Line
from .sniff import TEXT_LIMIT


def read_pdf(path: Path) -> Document:
    from pypdf import PdfReader

    source = str(path)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(Problem("import-pdf", "PDF 文件有打开密码，无法读取", file=source,
                                     fix="去掉密码后另存为 PDF 再导入"))
        pages = []
        total = 0
        for n, p in enumerate(reader.pages, 1):
            text = p.extract_text() or ""
            total += len(text)
            if total > TEXT_LIMIT:
                raise InputError(Problem(
                    "import-too-large", f"PDF 的文字太多（到第 {n} 页已超过 {TEXT_LIMIT // 10000} 万字），"
                    "不像一份年度报告", file=source,
                    expected="一份年度报告：全文通常只有几十 KB 文字",
                    fix="确认选对了文件；只保留这一份年度报告再导入"))
            pages.append((n, text))
    except InputError:
        raise
    except Exception:   # pypdf raises many kinds (and English texts) for damaged files
        raise InputError(Problem("import-pdf", "无法读取 PDF 文件：文件已损坏、不完整或结构不规范", file=source,
                                 fix="确认文件完整（重新下载）；必要时用其他软件另存为 PDF"))
    doc = Document(kind="pdf")
    chars = 0
    for n, text in pages:
        for i, line in enumerate(text.splitlines(), 1):
            doc.items.append(Line(line, f"第 {n} 页第 {i} 行"))
            chars += len(line.strip())
    if chars < 20:
        raise InputError(Problem("import-pdf-no-text", "PDF 没有文字层（可能是扫描件），无法读出文字", file=source,
                                 fix="请改用报告的网页版、Word 版，或经文字识别（OCR）后的文本"))
    return doc
