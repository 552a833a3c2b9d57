"""Key figures: named sums of table cells, shared by the narrative
placeholders (``{新收申请总数}``), the year-over-year comparison, the charts,
``results.json`` and the sign-off mail.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .format import FORMAT, RESULT_ROWS
from .model import Report

_ORG_COLS = tuple(c.key for c in FORMAT.request_columns if c.parent)


@dataclass(frozen=True)
class Figure:
    name: str                    # Chinese name, used as placeholder
    unit: str
    keys: tuple[str, ...]        # table cells added up

    def value(self, report: Report) -> int | float:
        total = sum(report.num(k) for k in self.keys)
        return round(total, 4) if isinstance(total, float) else total


def _group(group: str) -> tuple[str, ...]:
    return tuple(f"requests.{r.key}.total" for r in FORMAT.rows_in_group(group))


FIGURES: tuple[Figure, ...] = (
    Figure("新收申请总数", "件", ("requests.new_received.total",)),
    Figure("上年结转申请数", "件", ("requests.carried_over.total",)),
    Figure("办理结果总数", "件", ("requests.total_processed.total",)),
    Figure("结转下年度申请数", "件", ("requests.carried_forward.total",)),
    Figure("予以公开数", "件", _group("disclosed")),
    Figure("部分公开数", "件", _group("partially_disclosed")),
    Figure("不予公开数", "件", _group("withheld")),
    Figure("无法提供数", "件", _group("unavailable")),
    Figure("不予处理数", "件", _group("rejected")),
    Figure("其他处理数", "件", _group("other")),
    Figure("自然人申请数", "件", ("requests.new_received.natural_person",)),
    Figure("法人或其他组织申请数", "件", tuple(f"requests.new_received.{c}" for c in _ORG_COLS)),
    Figure("行政复议总数", "件", ("appeals.review.total",)),
    Figure("行政诉讼总数", "件", ("appeals.litigation_direct.total", "appeals.litigation_after_review.total")),
    Figure("复议诉讼纠错数", "件", tuple(f"appeals.{g.key}.corrected" for g in FORMAT.appeal_groups)),
    Figure("规章制发件数", "件", ("active.regulations.issued",)),
    Figure("规章现行有效件数", "件", ("active.regulations.in_force",)),
    Figure("行政规范性文件制发件数", "件", ("active.normative_documents.issued",)),
    Figure("行政规范性文件废止件数", "件", ("active.normative_documents.repealed",)),
    Figure("行政规范性文件现行有效件数", "件", ("active.normative_documents.in_force",)),
    Figure("行政许可决定数", "件", ("active.licensing_decisions",)),
    Figure("行政处罚决定数", "件", ("active.penalty_decisions",)),
    Figure("行政强制决定数", "件", ("active.coercion_decisions",)),
    Figure("行政事业性收费金额", "万元", ("active.fees_wan_yuan",)),
)
assert all(k in {c.key for c in FORMAT.cells} for f in FIGURES for k in f.keys)
assert set(RESULT_ROWS)  # the result groups above cover the C2 rows

FIGURES_BY_NAME = {f.name: f for f in FIGURES}

#: The figures shown in summaries (results.json, mail, terminal).
KEY_FIGURES = ("新收申请总数", "上年结转申请数", "办理结果总数", "结转下年度申请数",
               "予以公开数", "行政复议总数", "行政诉讼总数", "行政规范性文件制发件数")


def fmt_number(v: int | float | None) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


def figure_values(report: Report) -> dict[str, int | float | None]:
    """Every named figure, plus the work indicators by their label."""
    out: dict[str, int | float | None] = {f.name: f.value(report) for f in FIGURES}
    for ind in report.indicators:
        if ind.label:
            out.setdefault(ind.label, ind.value)
    return out


def compare_phrase(now: int | float | None, before: int | float | None, unit: str) -> str:
    """"比上年增加1件" / "比上年减少2件" / "与上年持平"."""
    if now is None or before is None:
        return ""
    diff = now - before
    if diff == 0:
        return "与上年持平"
    word = "增加" if diff > 0 else "减少"
    return f"比上年{word}{fmt_number(abs(round(diff, 4)) if isinstance(diff, float) else abs(diff))}{unit}"


def key_figures(report: Report, prior: Report | None = None) -> list[dict]:
    rows = []
    for name in KEY_FIGURES:
        f = FIGURES_BY_NAME[name]
        now = f.value(report)
        before = f.value(prior) if prior else None
        rows.append({"name": name, "unit": f.unit, "value": now, "prior": before,
                     "change": None if before is None else now - before,
                     "phrase": compare_phrase(now, before, f.unit)})
    return rows


PLACEHOLDER = re.compile(r"\{\s*([^{}\s]{1,30}?)\s*(比上年)?\s*\}")
#: Full-width braces, as a Chinese input method types them.
_WIDE_BRACES = str.maketrans({"｛": "{", "｝": "}"})


@dataclass(frozen=True)
class FilledSpan:
    """Where a placeholder's replacement sits in the filled text, and what it states."""
    start: int
    end: int
    name: str                    # the figure, e.g. 新收申请总数
    comparison: bool             # {名称比上年}: a change from last year, computed from the tables


@dataclass(frozen=True)
class PlaceholderProblem:
    placeholder: str
    message: str


def fill_placeholders(text: str, report: Report, prior: Report | None = None,
                      spans: list[FilledSpan] | None = None) -> tuple[str, list[PlaceholderProblem]]:
    """Replace ``{名称}`` by its figure and ``{名称比上年}`` by a comparison.

    Unknown names and comparisons without last year's figures are left in the
    text unchanged and reported, so the checker (G5) and the job can say so.
    ``spans``, if given, receives where each replacement sits in the filled text
    (so the checker knows "比上年增加5条" there is the portal posts' change).
    """
    now = figure_values(report)
    before = figure_values(prior) if prior else {}
    units = {f.name: f.unit for f in FIGURES} | {i.label: i.unit for i in report.indicators}
    priors_typed = {i.label: i.prior for i in report.indicators}
    problems: list[PlaceholderProblem] = []

    def sub(m: re.Match) -> str:
        name, compare = m.group(1), m.group(2)
        if name not in now:
            problems.append(PlaceholderProblem(
                m.group(0), f"有不认识的占位符“{m.group(0)}”：请改为“文字材料”表下方列出的占位符名称，或删去花括号"))
            return m.group(0)
        if not compare:
            return fmt_number(now[name]) if now[name] is not None else m.group(0)
        previous = before.get(name) if prior else None
        if previous is None:
            previous = priors_typed.get(name)
        if now[name] is None:
            problems.append(PlaceholderProblem(
                m.group(0), f"“{m.group(0)}”的本年数值没有填写：请在工作表中填写“{name}”"))
            return m.group(0)
        if previous is None:
            if name in priors_typed:          # a work indicator: its 上年 column can be typed
                advice = f"请在“工作指标”表“{name}”一行填写上年数值，或提供上年工作簿（--prior）"
            else:                              # a table figure: only last year's workbook has it
                advice = "请提供上年工作簿（--prior 上年工作簿）；不作比较时请删去这个占位符"
            problems.append(PlaceholderProblem(m.group(0), f"“{m.group(0)}”需要上年数据：{advice}"))
            return m.group(0)
        return compare_phrase(now[name], previous, units.get(name, ""))

    source = text.translate(_WIDE_BRACES)
    pieces: list[str] = []
    at = out_len = 0
    for m in PLACEHOLDER.finditer(source):
        pieces.append(source[at: m.start()])
        out_len += m.start() - at
        replacement = sub(m)
        if spans is not None and replacement != m.group(0):
            spans.append(FilledSpan(out_len, out_len + len(replacement), m.group(1), bool(m.group(2))))
        pieces.append(replacement)
        out_len += len(replacement)
        at = m.end()
    pieces.append(source[at:])
    filled = "".join(pieces)
    # Stray braces: what is left once the placeholders already reported are taken out.
    masked = PLACEHOLDER.sub(lambda m: "\0" * len(m.group(0)), filled)
    for m in re.finditer(r"[{}]", masked):
        around = filled[max(0, m.start() - 8): m.end() + 8]
        problems.append(PlaceholderProblem(around, f"有多余或不成对的花括号“{m.group(0)}”（“…{around}…”）"))
    return filled, problems
