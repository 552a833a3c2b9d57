"""The import's own invariant: the workbook it writes reads back.

An import that exits 0 must leave a workbook the standard reader accepts
(``nianbao export``, ``check`` and ``run`` read it the same way). The
workbook is written beside the target under a temporary name, read back
with ``workbook.reader.read_workbook``, and only then renamed into place;
if the read fails, nothing is left behind (an earlier file of that name is
untouched) and the import fails with the reader's reasons (exit code 2).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import InputError, Problem
from ..fsutil import atomic_path
from ..model import Report


def write_imported(report: Report, path: str | Path) -> Path:
    """Write ``report`` as the standard workbook at ``path`` and prove it reads
    back; raises InputError (exit 2) naming what is missing, writing nothing."""
    from ..workbook.reader import read_workbook
    from ..workbook.writer import write_workbook

    path = Path(path)
    with atomic_path(path) as tmp:
        write_workbook(report, tmp)
        try:
            read_workbook(tmp)
        except InputError as e:
            head = Problem("import-unreadable", "导入的内容写成工作簿后无法读回，未写出工作簿", file=str(path),
                           expected="导入结果包含标准工作簿必需的内容（如机关全称、报告年度）",
                           fix="按下面列出的原因在原文中补齐（例如标题中的机关名称和年度），"
                               "或用 nianbao new --agency 机关全称 --year 年度 新建工作簿后手工填写")
            raise InputError([head] + [replace(p, file=str(path)) for p in e.problems]) from None
    return path
