"""Report JSON (shared/domain/report-json.md): read and write, lossless.

The three tables use the fixed keys; ``meta``, ``indicators``, ``narrative``
and ``acceptances`` are extra top-level keys that other readers ignore. A
"not applicable" mark is written as its string ("/").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import InputError, Problem
from .format import FORMAT, OTHER_COMBINED, formats
from .format.gov2019 import SIGNED
from .format.fields import NARRATIVE_PARTS
from .model import IndicatorValue, NarrativeText, Report, empty_report
from .values import NotApplicable, Value, parse_cell


def to_dict(report: Report, extras: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"format": report.format.key, "agency": report.agency, "year": report.year}
    for cell in report.format.cells:
        node = out
        parts = cell.key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = _json_value(report.values.get(cell.key))
    if report.other_combined is not None:
        out[OTHER_COMBINED] = {c.key: _json_value(report.other_combined.get(c.key))
                               for c in report.format.request_columns}
    if extras:
        out["meta"] = {k: v for k, v in report.meta.items() if k not in ("agency", "year")}
        out["indicators"] = [
            {"key": i.key, "label": i.label, "unit": i.unit, "value": i.value, "prior": i.prior,
             "custom": i.custom} for i in report.indicators]
        out["narrative"] = {k: {"title": t.title, "text": t.text} for k, t in report.narrative.items()}
        if report.acceptances:
            out["acceptances"] = dict(report.acceptances)
    return out


def dumps(report: Report, extras: bool = True) -> str:
    return json.dumps(to_dict(report, extras), ensure_ascii=False, indent=2) + "\n"


def _json_value(v: Value) -> Any:
    if isinstance(v, NotApplicable):
        return str(v)
    return v


def from_dict(data: Any, source: str | None = None) -> Report:
    """Build a Report from report JSON; every problem names its JSON path."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InputError(Problem("json-not-object", "报告 JSON 的最外层应是一个对象 {…}", file=source))
    fmt_key = data.get("format", FORMAT.key)
    fmt = formats().get(fmt_key) if isinstance(fmt_key, str) else None
    if fmt is None:
        problems.append(Problem("json-format", f"不支持的格式“{fmt_key}”", file=source,
                                expected=" 或 ".join(f"\"format\": \"{k}\"" for k in formats())))
        fmt = FORMAT
    report = empty_report(fmt)
    report.source = source
    meta = dict(data.get("meta") or {})
    meta["agency"] = data.get("agency") or meta.get("agency") or ""
    year = data.get("year", meta.get("year"))
    if year is not None and not (isinstance(year, int) and not isinstance(year, bool)):
        problems.append(Problem("json-year", f"year 应为整数年份，实际为 {year!r}", file=source,
                                cell="year", expected="如 2024"))
        year = None
    meta["year"] = year
    report.meta = meta
    for cell in report.format.cells:
        node: Any = data
        for p in cell.key.split("."):
            node = node.get(p) if isinstance(node, dict) else None
        if cell.unit == SIGNED:       # 2019 format 本年增/减: may be negative (rule A5)
            report.values[cell.key] = _read_signed(node, cell.key, source, problems)
            continue
        report.values[cell.key] = _read_json_value(node, cell.key, cell.unit != "件", source, problems)
    if isinstance(data.get(OTHER_COMBINED), dict):
        report.other_combined = {
            c.key: _read_json_value(data[OTHER_COMBINED].get(c.key), f"{OTHER_COMBINED}.{c.key}",
                                    False, source, problems)
            for c in report.format.request_columns}
    for item in data.get("indicators") or []:
        report.indicators.append(IndicatorValue(
            item.get("key", ""), item.get("label", ""), item.get("unit", ""),
            item.get("value"), item.get("prior"), bool(item.get("custom"))))
    narrative = data.get("narrative") or {}
    for part in NARRATIVE_PARTS:
        t = narrative.get(part.key) or {}
        if isinstance(t, str):
            t = {"text": t}
        report.narrative[part.key] = NarrativeText(t.get("title") or "", t.get("text") or "")
    report.acceptances = dict(data.get("acceptances") or {})
    if problems:
        raise InputError(problems)
    return report


def _read_signed(raw: Any, path: str, source: str | None, problems: list[Problem]) -> Value:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return _read_json_value(raw, path, False, source, problems)


def _read_json_value(raw: Any, path: str, money: bool, source: str | None,
                     problems: list[Problem]) -> Value:
    if isinstance(raw, float) and not money and raw == int(raw):
        raw = int(raw)
    parsed = parse_cell(raw, money=money)
    if parsed.error:
        problems.append(Problem("json-value", parsed.error, file=source, cell=path,
                                expected=parsed.expected, fix="改正 JSON 中这个值"))
    return parsed.value


#: The json module's messages (English), as staff read them.
_JSON_WHY = {
    "Expecting property name enclosed in double quotes": "这里应是用英文双引号括起的名称（多了逗号，或用了单引号、中文引号？）",
    "Expecting ',' delimiter": "这里缺少英文逗号",
    "Expecting ':' delimiter": "这里缺少英文冒号",
    "Expecting value": "这里缺少值（或多了逗号）",
    "Extra data": "数据结束后还有多余的内容",
    "Unterminated string starting at": "引号没有配对",
    "Invalid control character at": "文字中有换行等控制字符",
    "Invalid \\escape": "反斜杠 \\ 的用法不对",
}


def _json_why(msg: str) -> str:
    for english, chinese in _JSON_WHY.items():
        if msg.startswith(english):
            return chinese
    return "格式不对"


def load(path: str | Path) -> Report:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(Problem("json-encoding", "文件不是 UTF-8 编码的文本", file=str(path),
                                 fix="用 UTF-8 编码另存该 JSON 文件"))
    except json.JSONDecodeError as e:
        raise InputError(Problem("json-syntax", f"JSON 语法错误（第 {e.lineno} 行第 {e.colno} 列）：{_json_why(e.msg)}",
                                 file=str(path), fix="检查该位置附近的括号、逗号和引号"))
    return from_dict(data, str(path))
