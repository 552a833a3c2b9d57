"""The import's own invariant: what it writes reads back.

An import that exits 0 must leave a file the standard readers accept
(``nianbao export``, ``check`` and ``run`` read it the same way). The output
is written beside the target under a temporary name, read back with
``workbook.reader.read_workbook`` (or ``reportjson.load`` for ``.json``),
and only then renamed into place; if the read fails, nothing is left behind
(an earlier file of that name is untouched) and the import fails with the
reader's reasons (exit code 2).

A report in the 2019 format (``"format": "gov-2019"``) is never written into
the standard workbook, whose table 二 has the 2021 columns: the columns do
not correspond (对外公开总数量 is not 现行有效件数), so the workbook output is
refused and the report JSON, which keeps the 2019 columns, is offered.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import InputError, Problem
from ..format import FORMAT
from ..fsutil import atomic_path
from ..model import Report

#: Output kinds the import writes, by suffix.
SUFFIXES = (".xlsx", ".json")


def output_suffix(path: str | Path) -> str:
    """".json" for a report-JSON output, else ".xlsx" (the standard workbook)."""
    return ".json" if Path(path).suffix.lower() == ".json" else ".xlsx"


def write_imported(report: Report, path: str | Path) -> Path:
    """Write ``report`` at ``path`` (standard workbook, or report JSON when the
    name ends in .json) and prove it reads back; raises InputError (exit 2)
    naming what is missing, writing nothing."""
    path = Path(path)
    if output_suffix(path) == ".xlsx" and report.format.key != FORMAT.key:
        raise InputError(Problem(
            "import-format-2019",
            f"这份报告的表二是 {report.format.issued_by} 的 2019 年试行格式，栏目与现行格式（{FORMAT.issued_by}）"
            f"不同（如“对外公开总数量”不是“现行有效件数”），不能按位置写进标准工作簿，未写出工作簿",
            file=str(path), expected="现行格式的报告，或以 .json 结尾的输出文件名",
            fix=f"导出为报告 JSON（保留 2019 年格式的栏目）：nianbao import 来源文件 -o {path.stem}.json；"
                f"再用 nianbao check {path.stem}.json 校验"))
    with atomic_path(path) as tmp:
        try:
            if output_suffix(path) == ".json":
                from ..fsutil import atomic_write_text
                from ..reportjson import dumps, load
                atomic_write_text(tmp, dumps(report))
                load(tmp)
            else:
                from ..workbook.reader import read_workbook
                from ..workbook.writer import write_workbook
                write_workbook(report, tmp)
                read_workbook(tmp)
        except InputError as e:
            kind = "报告 JSON" if output_suffix(path) == ".json" else "工作簿"
            head = Problem("import-unreadable", f"导入的内容写成{kind}后无法读回，未写出{kind}", file=str(path),
                           expected=f"导入结果包含标准{kind}必需的内容（如机关全称、报告年度）",
                           fix="按下面列出的原因在原文中补齐（例如标题中的机关名称和年度），"
                               "或用 nianbao new --agency 机关全称 --year 年度 新建工作簿后手工填写")
            raise InputError([head] + [replace(p, file=str(path)) for p in e.problems]) from None
    return path
