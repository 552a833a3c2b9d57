"""Typed, user-facing error records (after frictionless): a stable code, the
place (file, sheet, cell), what was expected and how to fix it, in Chinese.

Any ``NianbaoError`` reaching the CLI is printed without a traceback and ends
the command with its exit code (2 for bad input).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, addressed so a clerk can fix it."""

    code: str                    # stable, e.g. "cell-not-integer"
    message: str                 # what is wrong, in Chinese
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None      # A1 reference
    expected: str | None = None  # what was expected
    fix: str | None = None       # how to fix it

    @property
    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(f"文件“{self.file}”")
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.cell:
            parts.append(f"单元格 {self.cell}")
        return "，".join(parts)

    def render(self) -> str:
        lines = [f"{self.where}：{self.message}" if self.where else self.message]
        if self.expected:
            lines.append(f"  应为：{self.expected}")
        if self.fix:
            lines.append(f"  处理：{self.fix}")
        lines.append(f"  （错误代码 {self.code}）")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return asdict(self)


class NianbaoError(Exception):
    """Base of every error the CLI turns into a clear message."""

    exit_code = 2

    def __init__(self, problems: "Problem | list[Problem]"):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class InputError(NianbaoError):
    """The input file cannot be used as it is (exit code 2)."""


class JobError(NianbaoError):
    """A step of the annual job failed for a reason other than bad input."""

    exit_code = 3


def input_error(code: str, message: str, **where: str | None) -> InputError:
    return InputError(Problem(code, message, **where))


def describe_read_error(e: Exception) -> str:
    """Why a file could not be read, in Chinese (never the library's English)."""
    import json
    import re
    import tomllib

    if isinstance(e, UnicodeDecodeError):
        return "不是 UTF-8 编码的文本"
    if isinstance(e, json.JSONDecodeError):
        return f"不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列附近）"
    if isinstance(e, tomllib.TOMLDecodeError):
        m = re.search(r"line (\d+), column (\d+)", str(e))
        return f"格式错误（第 {m.group(1)} 行第 {m.group(2)} 列附近）" if m else "格式错误"
    if isinstance(e, OSError):
        from .outputs import describe_os_error

        return describe_os_error(e)
    return "内容无法识别"
