"""Refuse files that are not a plain .xlsx before anything parses them:
old .xls, password-protected workbooks, macro workbooks, Word files renamed
to .xlsx, empty or random files, and zip bombs.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import InputError, Problem

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿 (*.xlsx)”后再试"


def _fail(code: str, path: Path, message: str, fix: str, expected: str | None = "标准模板生成的 .xlsx 工作簿") -> InputError:
    return InputError(Problem(code, message, file=str(path), expected=expected, fix=fix))


def open_xlsx(path: str | Path) -> zipfile.ZipFile:
    """Open ``path`` as an .xlsx zip after safety checks, or raise InputError."""
    path = Path(path)
    if not path.exists():
        raise _fail("file-missing", path, "找不到这个文件", "检查文件名和路径是否正确", None)
    if path.is_dir():
        raise _fail("file-is-folder", path, "这是一个文件夹，不是工作簿", "给出 .xlsx 文件的路径")
    size = path.stat().st_size
    if size == 0:
        raise _fail("file-empty", path, "文件是空的（0 字节）", "重新保存或重新下载该工作簿")
    if size > MAX_FILE_BYTES:
        raise _fail("file-too-large", path, f"文件太大（{size // 1024 // 1024} MB），年报工作簿通常小于 1 MB",
                    "确认选对了文件；删除工作簿中插入的大图片或多余工作表")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE:
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _fail("file-encrypted", path, "工作簿设置了打开密码，无法读取",
                        "在 Excel 中打开，选择“文件→信息→保护工作簿→用密码进行加密”，清空密码后保存")
        raise _fail("file-xls", path, "这是旧版 Excel 97-2003 (.xls) 文件", _RESAVE)
    if path.name.startswith("~$"):
        raise _fail("file-lock", path, "这是 Excel 或 WPS 打开工作簿时产生的临时锁定文件，不是工作簿",
                    f"请改用同一文件夹中不带“~$”的那个工作簿（{path.name[2:]}）")
    if not head.startswith(b"PK"):
        raise _fail("file-not-xlsx", path, "这不是 Excel 工作簿（文件内容无法识别）",
                    "请使用 nianbao 标准模板（templates/report.xlsx）填报")
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise _fail("file-corrupt", path, "文件已损坏，无法作为 .xlsx 打开", _RESAVE)
    names = {i.filename for i in infos}
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO and unpacked > 10 * 1024 * 1024:
        zf.close()
        raise _fail("file-zip-bomb", path, f"文件解压后过大（{unpacked // 1024 // 1024} MB），疑似异常文件",
                    "确认选对了文件；如是正常工作簿，删除其中的大图片后另存")
    if "word/document.xml" in names:
        zf.close()
        raise _fail("file-is-docx", path, "这是 Word 文档，不是 Excel 工作簿",
                    "年报数据请填在标准工作簿里；要从已发布的报告导入，请用 nianbao import")
    if "xl/vbaProject.bin" in names:
        zf.close()
        raise _fail("file-has-macros", path, "工作簿含有宏（.xlsm），出于安全考虑不读取",
                    "在 Excel 中“另存为”Excel 工作簿 (*.xlsx)（不含宏）后再试")
    if "xl/workbook.xml" not in names:
        opendocument = "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype")[:100]
        zf.close()
        if opendocument:
            raise _fail("file-ods", path, "这是 OpenDocument 表格（.ods，WPS 或 LibreOffice 的格式），不是 Excel 工作簿",
                        "在 WPS 或 LibreOffice 中打开，另存为“Excel 工作簿 (*.xlsx)”后再试")
        raise _fail("file-not-xlsx", path, "这是一个压缩包，但不是 Excel 工作簿", _RESAVE)
    return zf
