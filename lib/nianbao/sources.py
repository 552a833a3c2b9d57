"""Open any input a command accepts — the standard workbook, report JSON, or a
published report (text, HTML, Word, PDF) — as a Report."""
from __future__ import annotations

from pathlib import Path

from .errors import InputError, Problem
from .model import Report

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xltx"}
DOCUMENT_SUFFIXES = {".txt", ".html", ".htm", ".docx", ".pdf"}


def load_report(path: str | Path, *, documents: bool = True, accept_uncertain: bool = False) -> Report:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        from .reportjson import load

        return load(path)
    if suffix in DOCUMENT_SUFFIXES and documents:
        from .importer import import_report

        return import_report(path, accept_uncertain=accept_uncertain).report
    if suffix in WORKBOOK_SUFFIXES or suffix == "" or not documents:
        from .workbook.reader import read_workbook

        return read_workbook(path)
    raise InputError(Problem("source-kind", f"不支持的文件类型“{suffix}”", file=str(path),
                             expected="标准工作簿 .xlsx、报告 JSON，或已发布报告（.txt .html .docx .pdf）",
                             fix="检查文件扩展名是否正确"))


def refuse_overwrite(output: str | Path, *inputs: str | Path | None) -> None:
    """Never write over a file the user gave us as input."""
    out = Path(output).resolve()
    for i in inputs:
        if i is not None and Path(i).exists() and Path(i).resolve() == out:
            raise InputError(Problem("output-is-input", "输出文件与输入文件相同，nianbao 不会覆盖用户提供的文件",
                                     file=str(output), fix="用 -o 指定另一个输出文件名"))
