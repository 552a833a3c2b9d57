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


def check_prior(report: Report, prior: Report | None, prior_path: str | Path | None = None) -> list[str]:
    """Last year's report must be last year's: a wrong year makes every
    cross-year rule and comparison wrong, so it is bad input (exit 2). A
    different agency name is allowed (机构改革 renames agencies) but said."""
    if prior is None:
        return []
    if report.year and prior.year and prior.year != report.year - 1:
        raise InputError(Problem(
            "prior-year", f"上年工作簿的年度是 {prior.year} 年，本年度是 {report.year} 年，两者不衔接",
            file=str(prior_path) if prior_path else None, expected=f"{report.year - 1} 年的工作簿",
            fix=f"用 --prior 指定 {report.year - 1} 年的工作簿（或报告）"))
    if report.agency and prior.agency and report.agency != prior.agency:
        return [f"注意：上年工作簿的机关是“{prior.agency}”，本年是“{report.agency}”。"
                "如机构改革后更名属实可忽略；否则请检查 --prior 是否选错了文件。"]
    return []
