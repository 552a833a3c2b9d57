"""Inputs as offices have them: workbooks named one by one, or folders of them.

``collect_workbooks(["收到的报告/", "补交/财政局.xlsx"])`` walks folders
recursively and keeps the ``.xlsx`` files, skipping what a shared folder
collects besides: Office lock files (``~$财政局.xlsx``, left while Excel or
WPS has the file open), hidden files, other kinds of file, and nianbao's own
outputs (a job folder, recognised by its ``results.json``). Every skipped file gets one Chinese
line saying why, so nothing disappears silently.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from .errors import InputError, Problem

WORKBOOK_SUFFIXES = (".xlsx",)
LOCK_PREFIX = "~$"


def _skip_reason(path: Path) -> str | None:
    """Why ``path`` (a file met inside a folder, or named) is not a workbook to use."""
    name = path.name
    if name.startswith(LOCK_PREFIX):
        return "Office 临时锁定文件（工作簿正在 Excel/WPS 中打开时产生），已跳过"
    if name.startswith("."):
        return "隐藏文件，已跳过"
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return f"不是 .xlsx 工作簿（{path.suffix or '无扩展名'}），已跳过"
    return None


def _made_by_a_job(f: Path) -> bool:
    """In a job's output folder: a file the job made (a link into its
    package, or the annotated copy), not a workbook someone put there."""
    from .outputnames import NAMES

    return f.is_symlink() or f.name in NAMES.values() or f.suffix.lower() not in WORKBOOK_SUFFIXES


def collect_workbooks(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[str]]:
    """Expand files and folders into workbook paths.

    Returns ``(workbooks, skipped)``: the ``.xlsx`` files in the order given
    (each folder's contents sorted, recursively; a file reached twice
    is kept once) and one Chinese line per file left out. A named ``.xlsx``
    file is kept even if it later proves unreadable — the job or reader then
    says what is wrong with it. Raises ``InputError`` (exit 2) when a named
    path does not exist.
    """
    workbooks: list[Path] = []
    skipped: list[str] = []
    seen: set[Path] = set()

    def keep(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            workbooks.append(p)

    missing = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for folder, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))   # .git, a job's staging
                here = Path(folder)
                package = "results.json" in names      # a nianbao job's output folder
                if package:
                    skipped.append(f"  {here}：这是 nianbao 作业的输出文件夹，其中 nianbao 生成的文件已跳过")
                    dirs[:] = []
                for name in sorted(names):
                    f = here / name
                    if package and _made_by_a_job(f):
                        continue
                    why = _skip_reason(f)
                    if why:
                        skipped.append(f"  {f}：{why}")
                    else:
                        keep(f)
        elif p.is_file():
            why = _skip_reason(p)
            if why and not (p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(LOCK_PREFIX)):
                skipped.append(f"  {p}：{why}")
            else:
                keep(p)
        else:
            missing.append(p)
    if missing:
        raise InputError([Problem("input-missing", "找不到这个文件或文件夹", file=str(m),
                                  fix="检查路径是否写对（文件夹可以直接给出，会查找其中全部 .xlsx 工作簿）")
                          for m in missing])
    return workbooks, skipped
