"""Guards run before any parser sees a source: its size, what its bytes
really are (a renamed workbook is not a PDF), and quiet third-party loggers.

Parsers (pypdf, python-docx, lxml) are given only files that look like what
their extension says; anything else is refused with a Chinese message that
names what the file really is when that is recognisable.
"""
from __future__ import annotations

import contextlib
import logging
import warnings
import zipfile
from pathlib import Path
from typing import Iterator

from ..errors import InputError, Problem

MB = 1024 * 1024

#: Largest source accepted per kind, in bytes. An annual report is a few tens
#: of KB of text; a Word file with pictures a few MB; a PDF with scanned seals
#: or embedded fonts rarely more than 10 MB.
SIZE_LIMITS = {"txt": 5 * MB, "html": 5 * MB, "json": 5 * MB, "docx": 20 * MB, "pdf": 50 * MB}

#: Largest amount of text read out of a Word or PDF file (characters), and
#: largest uncompressed part of a .docx package (bytes): the same order as
#: the text limit, so a small file that expands enormously is refused too.
TEXT_LIMIT = 5_000_000
DOCX_PART_LIMIT = 100 * MB

KIND_NAMES = {"txt": "文本", "html": "网页", "docx": "Word（.docx）", "pdf": "PDF", "json": "报告 JSON"}

#: Loggers of the libraries that read sources; their English log lines must
#: not reach staff.
QUIET_LOGGERS = ("pypdf", "PyPDF2", "docx", "lxml", "opencc", "charset_normalizer", "chardet", "PIL")


def _join(*parts: str) -> str:
    """Concatenate Chinese and Latin text with a space where they meet ("是 Excel 工作簿")."""
    out = ""
    for p in parts:
        if out and p and (out[-1].isascii() != p[0].isascii()) and out[-1] not in "（“：，、" \
                and p[0] not in "（）”：，、。":
            out += " "
        out += p
    return out


def human_size(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def check_size(path: Path, kind: str) -> None:
    size = path.stat().st_size
    limit = SIZE_LIMITS.get(kind)
    if limit is not None and size > limit:
        raise InputError(Problem(
            "import-too-large",
            _join(f"文件太大（{human_size(size)}），超过", KIND_NAMES.get(kind, kind), f"文件的上限 {human_size(limit)}"),
            file=str(path),
            expected=_join("一份年度报告：全文通常只有几十 KB 文字，", KIND_NAMES.get(kind, kind),
                           f"文件不超过 {human_size(limit)}"),
            fix="确认选对了文件（不是合集、数据库导出或整个网站的备份）；只保留这一份年度报告再导入"))


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return "压缩包（已损坏）"
    if "word/document.xml" in names:
        return "Word 文档（.docx）"
    if "xl/workbook.xml" in names:
        return "Excel 工作簿（.xlsx）"
    if "ppt/presentation.xml" in names:
        return "PowerPoint 演示文稿（.pptx）"
    if "mimetype" in names or "content.xml" in names:
        return "OpenDocument / WPS 文档"
    return "压缩包（.zip）"


_MAGIC = (
    (b"%PDF", "PDF 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文件（.doc / .xls）或加密的 Office 文件"),
    (b"{\\rtf", "RTF 文档"),
    (b"\x89PNG\r\n\x1a\n", "图片（PNG）"),
    (b"\xff\xd8\xff", "图片（JPEG）"),
    (b"GIF87a", "图片（GIF）"),
    (b"GIF89a", "图片（GIF）"),
    (b"II*\x00", "图片（TIFF）"),
    (b"MM\x00*", "图片（TIFF）"),
    (b"Rar!\x1a\x07", "压缩包（.rar）"),
    (b"7z\xbc\xaf\x27\x1c", "压缩包（.7z）"),
    (b"\x1f\x8b", "压缩包（.gz）"),
    (b"OFD", "OFD 版式文件"),
)


def what_is(path: Path) -> str | None:
    """What a file's bytes say it is ("Excel 工作簿（.xlsx）", "图片（PNG）" …), or None."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path)
    if b"%PDF-" in head:
        return "PDF 文件"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "图片（WebP）"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


_EXPECTED = {"pdf": "PDF 文件", "docx": "Word 文档（.docx）"}
_FIX = {
    "Excel 工作簿（.xlsx）": "标准工作簿不用导入：把扩展名改回 .xlsx，直接用 nianbao check 校验",
    "Word 文档（.docx）": "把扩展名改回 .docx 再导入",
    "PDF 文件": "把扩展名改回 .pdf 再导入",
    "旧版 Office 文件（.doc / .xls）或加密的 Office 文件": "在 Word 或 WPS 中打开，去掉密码后另存为 .docx 再导入",
    "OpenDocument / WPS 文档": "在 WPS 或 LibreOffice 中另存为 .docx 再导入",
    "RTF 文档": "在 Word 或 WPS 中另存为 .docx 再导入",
}


def check_content(path: Path, kind: str) -> None:
    """Refuse a file whose bytes are not what its extension says."""
    real = what_is(path)
    code = f"import-{kind}" if kind in ("pdf", "docx", "html") else "import-binary"
    expected = _EXPECTED.get(kind)
    if expected is not None and real == expected:
        return
    if expected is None and real is None:      # text, web page or JSON: checked by their readers
        return
    if real is None:
        raise InputError(Problem(
            code, _join(f"文件的扩展名是 {path.suffix}，但内容不是", KIND_NAMES[kind], "文件（无法识别的内容，可能已损坏）"),
            file=str(path), expected=_join(KIND_NAMES[kind], "文件"),
            fix="确认文件完整、扩展名与文件类型一致；必要时重新下载或在原软件中另存"))
    if real.startswith("压缩包") and kind == "docx":
        real_msg = "普通压缩包（.zip），里面没有 Word 正文"
    else:
        real_msg = real
    raise InputError(Problem(
        code, _join(f"文件的扩展名是 {path.suffix}，但这个文件其实是", real_msg),
        file=str(path), expected=_join(KIND_NAMES[kind], "文件"),
        fix=_FIX.get(real, "改用年度报告的文本、网页、Word（.docx）或 PDF 文件")))


class _DropLibraryRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == n or record.name.startswith(n + ".") for n in QUIET_LOGGERS)


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Silence the readers' loggers and warnings while a source is read.

    pypdf reports damaged files through ``logging`` ("invalid pdf header",
    "EOF marker not found") on per-module loggers created on first use; those
    English lines are not for staff. Records from those libraries are dropped
    at every handler they could reach (the root logger's and Python's last
    resort handler); problems that matter reach staff as Chinese messages.
    """
    drop = _DropLibraryRecords()
    handlers = list(logging.getLogger().handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for h in handlers:
        h.addFilter(drop)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for h in handlers:
            h.removeFilter(drop)
