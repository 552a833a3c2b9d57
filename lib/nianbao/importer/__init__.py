"""Import a published annual report (text, web page, Word, PDF or report
JSON) into a Report, placing every figure by its label.

    result = import_report("报告.pdf")            # raises UncertainImport if unsure
    result = import_report(path, accept_uncertain=True)
    print(result.render_summary())

Nothing in a source is executed or fetched: scripts, styles, frames, links
and images are ignored; only text and table structure are read.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem
from ..model import Report
from .result import ImportResult, UncertainImport
from .sniff import SIZE_LIMITS, check_content, check_size, quiet_libraries

SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "txt", ".html": "html", ".htm": "html",
            ".docx": "docx", ".pdf": "pdf", ".json": "json"}


def import_report(path: str | Path, *, accept_uncertain: bool = False,
                  prior: "Report | None" = None) -> ImportResult:
    """Read ``path`` into an ImportResult.

    ``prior`` (last year's report, optional) lets run-together 规章 /
    行政规范性文件 figures be decided by the 现行有效件数 continuity too.

    Bad input raises InputError (exit code 2) with a Chinese message naming
    the file and place; an import that is not certain raises UncertainImport
    (also exit code 2) unless ``accept_uncertain``.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(Problem("import-missing", "找不到要导入的文件", file=source))
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(Problem("import-type", f"不支持的文件类型“{path.suffix or '（无扩展名）'}”",
                                 file=source, expected="扩展名为 .txt .html .htm .docx .pdf .json 的文件"))
    check_size(path, kind)          # before any parsing: a huge file is refused at once
    check_content(path, kind)       # a renamed workbook is not handed to pypdf
    with quiet_libraries():
        if kind == "json":
            from .. import reportjson
            result = ImportResult(reportjson.load(path), source, "json")
        else:
            if kind == "txt":
                from .lines import read_text as reader
            elif kind == "html":
                from .html import read_html as reader
            elif kind == "docx":
                from .docx import read_docx as reader
            else:
                from .pdf import read_pdf as reader
            from .assemble import assemble
            result = assemble(reader(path), source, prior)
    if result.uncertain and not accept_uncertain:
        raise UncertainImport(result)
    return result


__all__ = ["import_report", "ImportResult", "UncertainImport", "SUFFIXES", "SIZE_LIMITS"]
