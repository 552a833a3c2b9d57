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


def read_pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    source = str(path)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(Problem("import-pdf", "PDF 文件有打开密码，无法读取", file=source,
                                     fix="去掉密码后另存为 PDF 再导入"))
        pages = [(n, p.extract_text() or "") for n, p in enumerate(reader.pages, 1)]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise InputError(Problem("import-pdf", f"无法读取 PDF 文件（{type(e).__name__}）", file=source,
                                 fix="确认文件完整；必要时用其他软件另存为 PDF"))
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
