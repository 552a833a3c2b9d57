"""Plain text (copied or extracted from a report) → normalised lines.

Decoding is tolerant (UTF-8, then GB18030 as many Chinese sites serve it),
but binary data is refused rather than read as text.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..errors import InputError, Problem
from .document import Document, Line
from .normalize import to_simplified, traditional_share

FOOTER = re.compile(r"^\s*(?:[-－—–]\s*\d{1,3}\s*[-－—–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?)\s*$")


def is_footer(text: str) -> bool:
    """A page number such as "-3-" or "第 3 页" left inside the text by PDF extraction."""
    return bool(FOOTER.match(unicodedata.normalize("NFKC", text)))


def decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """Bytes → text; refuse binary data with a clear message."""
    notes: list[str] = []
    if not data.strip():
        raise InputError(Problem("import-empty", "文件是空的，没有可导入的内容", file=source,
                                 fix="检查是否选错了文件，或重新复制报告全文"))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):   # Notepad's "Unicode" (UTF-16 with a BOM)
        try:
            data = data.decode("utf-16").encode("utf-8")
            notes.append("文件是 UTF-16 编码（记事本“Unicode”），已转换读取")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise InputError(Problem("import-binary", "文件不是文本文件（含有二进制内容）", file=source,
                                 expected="报告的文本（.txt）、网页（.html）、Word（.docx）、PDF 或报告 JSON",
                                 fix="如果是 Word 或 PDF 文件，请保留原来的扩展名 .docx / .pdf"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
            notes.append("文件不是 UTF-8 编码，已按 GB18030（GBK）读取")
        except UnicodeDecodeError:
            raise InputError(Problem("import-encoding", "无法识别文件的文字编码", file=source,
                                     fix="用 UTF-8 编码另存该文件"))
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn")
              and ch not in "\t\n\r\f")
    if bad > max(3, len(text) // 100):
        raise InputError(Problem("import-binary", "文件内容不像文本（大量控制字符或乱码）", file=source,
                                 expected="报告的文本（.txt）、网页（.html）、Word（.docx）、PDF 或报告 JSON",
                                 fix="确认文件类型与扩展名一致"))
    return text, notes


def simplify(doc: Document) -> None:
    """Convert traditional characters when the source is clearly traditional."""
    from .document import Grid
    sample = "".join(i.text if isinstance(i, Line) else i.text() for i in doc.items)
    if traditional_share(sample) < 10:
        return
    doc.notes.append("原文含繁体字，已转换为简体后识别")
    for it in doc.items:
        if isinstance(it, Line):
            it.text = to_simplified(it.text)
        elif isinstance(it, Grid):
            for row in it.rows:
                for c in row:
                    c.text = to_simplified(c.text)


def text_document(text: str, kind: str = "txt", where_prefix: str = "") -> Document:
    """One Line per source line; the line number is kept for messages."""
    doc = Document(kind=kind)
    for n, raw in enumerate(text.splitlines(), 1):
        doc.items.append(Line(raw.replace("\u3000", " ").rstrip("\r"), f"{where_prefix}第 {n} 行"))
    return doc


def read_text(path: Path) -> Document:
    text, notes = decode(path.read_bytes(), str(path))
    doc = text_document(text)
    doc.notes.extend(notes)
    return doc
