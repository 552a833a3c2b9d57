"""G. Document-level rules (G1–G5; G6, the roll-up check, is in ``children``)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Iterable

from ...format import FORMAT
from ...format.fields import NARRATIVE_PARTS
from ..context import Context, narrative_key
from ..registry import rule
from ..rule import ERROR, WARNING, Hit, NotRun

_KEYWORDS = {"一": re.compile(r"总体情况"), "二": re.compile(r"主动公开"), "三": re.compile(r"申请"),
             "四": re.compile(r"复议|诉讼"), "五": re.compile(r"问题"), "六": re.compile(r"其他")}
_NUMBERS = "一二三四五六"
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "："})


def _norm(heading: str) -> str:
    h = unicodedata.normalize("NFKC", heading).translate(_HALF_TO_FULL)
    h = re.sub(r"\s+", "", h)
    return h.replace(".", "、").replace("．", "、")


def section_of(heading: str) -> str | None:
    """Section number 一…六 of a heading, accepting the variants of §1.3."""
    h = _norm(heading)
    for s in FORMAT.sections:
        if h == _norm(s.heading) or h in {_norm(v) for v in s.variants}:
            return s.number
    m = re.match(r"^([一二三四五六])、", h)
    if m and _KEYWORDS[m.group(1)].search(h):
        return m.group(1)
    return None


@rule("G1", ERROR, "六个部分齐全且顺序正确",
      f"{FORMAT.sections[0].heading} … {FORMAT.sections[-1].heading} 六个标题都在，且按一至六排列"
      "（工作簿：第一、五、六部分的文字不为空）",
      source_tag="OFFICIAL")
def g1_headings(ctx: Context) -> Iterable[Hit]:
    headings = ctx.report.meta.get("headings")
    if not headings:                  # a workbook (or report JSON): the narrative stands in for the headings
        yield from _g1_narrative(ctx)
        return
    found = [n for n in (section_of(h) for h in headings) if n]
    first = []
    for n in found:
        if n not in first:
            first.append(n)
    for s in FORMAT.sections:
        if s.number not in first:
            yield Hit(f"文档缺少第{s.number}部分“{s.heading}”；年度报告六个部分缺一不可，请补上。",
                      ("meta.headings",), expected=s.heading, actual="缺少", subject=f"missing:{s.number}")
    order = [n for n in first]
    if order != sorted(order, key=_NUMBERS.index):
        yield Hit(f"文档各部分的顺序是 {'、'.join(order)}，应按 一 至 六 排列；请调整顺序。",
                  ("meta.headings",), expected="、".join(sorted(order, key=_NUMBERS.index)),
                  actual="、".join(order), subject="order")


def _g1_narrative(ctx: Context) -> Iterable[Hit]:
    """Workbook reports print every heading, so a section is missing when its text is empty.

    The narrative sections are 一 (the opening paragraph and （一）–（五）: missing only
    when all of them are empty), 五 and 六; the table sections 二–四 are A1's (a blank table).
    """
    for s in FORMAT.sections:
        parts = [p for p in NARRATIVE_PARTS if p.section == s.number]
        if not parts or any(ctx.report.text(p.key).strip() for p in parts):
            continue
        what = ("总体情况开篇段落和（一）至（五）都没有填写" if len(parts) > 1 else "没有填写")
        yield Hit(f"第{s.number}部分“{s.heading}”是空的（文字材料中{what}）；年度报告六个部分缺一不可，"
                  f"请在“文字材料”表中填写。",
                  tuple(narrative_key(p.key) for p in parts), expected=f"{s.heading}有内容", actual="空白",
                  subject=f"missing:{s.number}")


_TITLE_SUFFIX = "政府信息公开工作年度报告"


@rule("G2", WARNING, "标题规范", "标题含机关全称、年度和“政府信息公开工作年度报告”", source_tag="PRACTICE",
      applies="仅适用于有单独标题的报告（导入的报告；工作簿的标题由模板按机关全称和年度生成）")
def g2_title(ctx: Context) -> Iterable[Hit]:
    title = ctx.report.meta.get("title")
    if not title:
        raise NotRun("没有单独的标题（由模板按机关全称和年度自动生成）")
    t = re.sub(r"\s+", "", title)
    problems = []
    if _TITLE_SUFFIX not in t:
        problems.append(f"应含“{_TITLE_SUFFIX}”（不要写成“工作报告”或“政务信息公开年度报告”）")
    if ctx.report.year and f"{ctx.report.year}年" not in t:
        problems.append(f"应含年度“{ctx.report.year}年”")
    agency = re.sub(r"\s+", "", ctx.report.agency or "")
    if agency and agency not in t:
        problems.append(f"应含机关全称“{agency}”")
    if problems:
        yield Hit(f"标题“{title}”" + "；".join(problems) + "。", ("meta.title",), expected=
                  f"{agency}{ctx.report.year or ''}年{_TITLE_SUFFIX}", actual=title, subject="title")


_PERIOD = re.compile(r"统计[^。]{0,16}?(\d{4})年(\d{1,2})月(\d{1,2})日[^。\d]{0,8}?(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")


@rule("G3", WARNING, "统计期限为本年全年", "如写明统计期限，应为“Y年1月1日至Y年12月31日”，Y 为报告年度",
      source_tag="PRACTICE")
def g3_period(ctx: Context) -> Iterable[Hit]:
    year = ctx.report.year
    if not year:
        raise NotRun("报告年度未填写")
    sources = dict(ctx.texts)
    for k in ("preamble", "intro", "title"):
        if isinstance(ctx.report.meta.get(k), str):
            sources[f"meta.{k}"] = ctx.report.meta[k]
    for part, text in sources.items():
        for m in _PERIOD.finditer(re.sub(r"\s+", "", text)):
            y1, m1, d1, y2, m2, d2 = m.groups()
            y2 = y2 or y1
            if (int(y1), int(m1), int(d1), int(y2), int(m2), int(d2)) != (year, 1, 1, year, 12, 31):
                key = part if part.startswith("meta.") else narrative_key(part)
                yield Hit(f"统计期限写为 {y1}年{m1}月{d1}日至{y2}年{m2}月{d2}日，{year} 年度报告应为 "
                          f"{year}年1月1日至{year}年12月31日；请改正。", (key,),
                          expected=f"{year}年1月1日至{year}年12月31日",
                          actual=f"{y1}年{m1}月{d1}日至{y2}年{m2}月{d2}日", subject=f"{key}:period")


#: Statutory deadlines (条例 第四十九条) as (month, day) of the following year; override per locality.
DEADLINES = {"部门": (1, 31), "人民政府": (3, 31)}


def _date(v: object) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        m = re.match(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", v)
        if m:
            try:
                return dt.date(*map(int, m.groups()))
            except ValueError:
                return None
    return None


@rule("G4", ERROR, "按时公布", "部门：次年1月31日前公布；人民政府（本级报告）：次年3月31日前公布",
      source_tag="OFFICIAL", also=((WARNING, "日期无效或早于报告年度结束"),))
def g4_deadline(ctx: Context) -> Iterable[Hit]:
    meta = ctx.report.meta
    date = _date(meta.get("publish_date"))
    if meta.get("publish_date") in (None, ""):
        raise NotRun("基本信息未填写计划发布日期")
    if date is None:
        yield Hit(f"计划发布日期“{meta.get('publish_date')}”不是有效日期，请写成 2025-01-20 的形式。",
                  ("meta.publish_date",), expected="YYYY-MM-DD", actual=meta.get("publish_date"),
                  subject="publish_date", severity=WARNING)
        return
    year, kind = ctx.report.year, meta.get("agency_kind")
    if not year or kind not in DEADLINES:
        raise NotRun("报告年度或机关类型（部门/人民政府）未填写")
    legal = dt.date(year + 1, *DEADLINES[kind])
    local = meta.get("deadline_override")
    local = dt.date(year + 1, *local) if local else None
    # A local rule can only make the deadline earlier, never later than the 条例's.
    override = bool(local and local < legal)
    deadline = local if override else legal
    if date > deadline:
        basis = ("本地规定的公布时限（基本信息“本地公布时限”）" if override else
                 "法定期限（《政府信息公开条例》第四十九条：" +
                 ("县级以上人民政府部门应在每年1月31日前" if kind == "部门" else "本级政府年度报告应在每年3月31日前")
                 + "公布）")
        yield Hit(f"计划发布日期 {date.isoformat()} 晚于{basis} {deadline.isoformat()}。请提前发布。",
                  ("meta.publish_date",), expected=f"≤ {deadline.isoformat()}",
                  actual=date.isoformat(), subject="publish_date")
    elif date.year < year + 1:
        yield Hit(f"计划发布日期 {date.isoformat()} 早于报告年度结束（{year}年12月31日），请核对年份。",
                  ("meta.publish_date",), expected=f"{year + 1}年", actual=date.isoformat(),
                  subject="publish_date", severity=WARNING)


_LEFTOVER = re.compile(r"[XＸ]{2,}|[xｘ]{2,}(?![a-z])|[×＊*]{2,}|某某|〔\s*〕|【\s*】|（\s*）年|"
                       r"请(?:在此)?(?:填写|输入)|此处填写|待填|待补充|TODO|\{[^{}]{0,30}\}")


@rule("G5", WARNING, "没有残留的占位符", "文字中没有 XX、××、某某、空的〔 〕、“请填写”等模板提示或未替换的 {占位符}",
      source_tag="PRACTICE", also=((ERROR, "未替换的 {占位符} 或多余的花括号（会原样印进报告）"),))
def g5_placeholders(ctx: Context) -> Iterable[Hit]:
    for part, problem in ctx.placeholder_problems:
        # An unresolved nianbao placeholder would be printed as "{…}" in the
        # published report for certain, so it blocks rendering (an error);
        # template leftovers below (XX, ××) stay warnings as in §2.
        yield Hit(f"文字材料中{problem.message}。不改正的话，生成的报告会原样印出这些字符。",
                  (narrative_key(part),), expected="已替换的数字", actual=problem.placeholder,
                  subject=f"{part}:{problem.placeholder}", severity=ERROR)
    reported = {p.placeholder for _, p in ctx.placeholder_problems}
    for part, text in ctx.texts.items():
        seen = set(reported)              # one finding per distinct leftover in each part
        for m in _LEFTOVER.finditer(text):
            if m.group(0) in seen:
                continue
            seen.add(m.group(0))
            start = max(0, m.start() - 10)
            yield Hit(f"文字材料中“…{text[start:m.end() + 10]}…”含有未替换的模板内容“{m.group(0)}”，请改为实际内容。",
                      (narrative_key(part),), expected="实际内容", actual=m.group(0),
                      subject=f"{part}:{m.group(0)}")
    for key in ("title", "agency"):
        v = ctx.report.meta.get(key)
        if isinstance(v, str) and _LEFTOVER.search(v):
            yield Hit(f"基本信息“{v}”含有未替换的模板内容，请改为实际内容。", (f"meta.{key}",),
                      expected="实际内容", actual=v, subject=f"meta.{key}")
