"""Cross-year rules (B2, E1–E5): E1–E4 need last year's report and say so when it is missing;
E5 (the format in force for the year) needs only this year's."""
from __future__ import annotations

import re
from typing import Iterable

from ...figures import fmt_number
from ...format import FORMAT, gov2019
from ...format.fields import NARRATIVE_PARTS
from ..context import Context, column_name, narrative_key
from ..registry import rule
from ..rule import ERROR, WARNING, Hit, NotRun
from .active import DOC_COLS, DOC_ROWS, doc_keys
from .common import refs

#: Share of this year's character 4-grams found in last year's text above which it looks copied (E3).
COPY_THRESHOLD = 0.8
_MIN_COPY_CHARS = 60


@rule("B2", WARNING, "现行有效件数逐年衔接",
      f"{DOC_COLS['in_force']}(本年) = {DOC_COLS['in_force']}(上年) + {DOC_COLS['issued']} − {DOC_COLS['repealed']}",
      needs_prior=True)
def b2_continuity(ctx: Context) -> Iterable[Hit]:
    if ctx.report.year and ctx.report.year < 2022:
        raise NotRun("2022 年以前的上年报告使用 2019 年格式，其“对外公开总数量”不是现行有效件数")
    for row, name in DOC_ROWS.items():
        issued, repealed, in_force = doc_keys(row)
        before = ctx.num(in_force, ctx.prior)
        expected = before + ctx.num(issued) - ctx.num(repealed)
        if ctx.num(in_force) != expected:
            yield Hit(f"{name}：现行有效 {fmt_number(ctx.num(in_force))} 件（{refs([in_force])}），但上年现行有效 "
                      f"{fmt_number(before)} + 本年制发 {fmt_number(ctx.num(issued))} − 本年废止 "
                      f"{fmt_number(ctx.num(repealed))} = {fmt_number(expected)}，相差 "
                      f"{fmt_number(ctx.num(in_force) - expected)}（本年 − 推算）。如因有效期届满、修订或机构改革造成差异，"
                      f"请在“校验说明”中说明；否则请核对。",
                      (in_force, issued, repealed), expected=expected, actual=ctx.num(in_force),
                      difference=ctx.num(in_force) - expected,
                      left=f"本年现行有效 = {fmt_number(ctx.num(in_force))}",
                      right=f"上年现行有效 + 制发 − 废止 = {fmt_number(expected)}", subject=row)


_CO = FORMAT.request_row("carried_over").label
_CF = FORMAT.request_row("carried_forward").label


@rule("E1", WARNING, "上年结转等于上年报告的结转下年度",
      "二、上年结转(本年)[c] = 四、结转下年度继续办理(上年)[c]（总计列且机关未变时为错误）", needs_prior=True,
      also=((ERROR, "总计列且机关未变"),))
def e1_carry_over(ctx: Context) -> Iterable[Hit]:
    same_agency = (ctx.report.agency or "") == (ctx.prior.agency or "")
    for col in FORMAT.request_columns:
        now_key = f"requests.carried_over.{col.key}"
        before_key = f"requests.carried_forward.{col.key}"
        now, before = ctx.num(now_key), ctx.num(before_key, ctx.prior)
        if now == before:
            continue
        severity = ERROR if col.key == "total" and same_agency else None
        yield Hit(f"依申请公开表“{column_name(col.key)}”列：{_CO} = {fmt_number(now)}（{refs([now_key])}），"
                  f"但上年报告的 {_CF} = {fmt_number(before)}（上年工作簿 {refs([before_key])}），"
                  f"相差 {fmt_number(now - before)}（本年 − 上年）。本年的上年结转应等于上年的结转下年度，请核对。",
                  (now_key,), expected=before, actual=now, difference=now - before,
                  left=f"本年上年结转 = {fmt_number(now)}", right=f"上年结转下年度 = {fmt_number(before)}",
                  severity=severity)


@rule("E2", WARNING, "表二逐年衔接（同 B2）", "同 B2：现行有效件数(本年) = 上年 + 制发 − 废止",
      needs_prior=True, same_as="B2")
def e2_same_as_b2(ctx: Context) -> Iterable[Hit]:
    yield from b2_continuity(ctx)


def _grams(text: str, n: int = 4) -> set[str]:
    t = re.sub(r"\s+", "", text)
    t = re.sub(r"\d+", "#", t)            # changed figures do not make a copy original
    return {t[i:i + n] for i in range(len(t) - n + 1)}


@rule("E3", WARNING, "照搬上年报告", f"第一、五部分与上年报告的文字重合率 ≤ {int(COPY_THRESHOLD * 100)}%",
      needs_prior=True, source_tag="PRACTICE")
def e3_copied(ctx: Context) -> Iterable[Hit]:
    prior_ctx = Context(ctx.prior)
    sections = {n: tuple(p.key for p in NARRATIVE_PARTS if p.section == n) for n in ("一", "五")}
    for number, parts in sections.items():
        now, before = ctx.text(*parts), prior_ctx.text(*parts)
        if len(now.strip()) < _MIN_COPY_CHARS or len(before.strip()) < _MIN_COPY_CHARS:
            continue
        a, b = _grams(now), _grams(before)
        share = len(a & b) / len(a) if a else 0.0
        if share > COPY_THRESHOLD:
            yield Hit(f"第{number}部分的文字有 {share:.0%} 与上年报告相同（阈值 {COPY_THRESHOLD:.0%}），"
                      f"疑似照搬上年报告。请按本年实际情况重写。",
                      tuple(narrative_key(p) for p in parts), expected=f"≤ {COPY_THRESHOLD:.0%}",
                      actual=f"{share:.0%}", subject=f"section{number}")


_YEAR_AS_CURRENT = re.compile(r"(?<![比较与同至到和、\d])(\d{4})年(?:度)?(?:，|,|全年|共|全)")
_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_SENTENCES = re.compile(r"[^。；;！!？?\n]+")


@rule("E4", WARNING, "过时的年份", "文字中把上一年当作本年，或照抄了上年报告中带日期的句子",
      needs_prior=True, source_tag="PRACTICE")
def e4_stale_years(ctx: Context) -> Iterable[Hit]:
    year = ctx.report.year
    if not year:
        raise NotRun("报告年度未填写")
    prior_text = "\n".join(Context(ctx.prior).texts.values())
    prior_sentences = {s.strip() for s in _SENTENCES.findall(prior_text) if _DATE.search(s) or re.search(r"\d{4}年", s)}
    for part, text in ctx.texts.items():
        for m in _YEAR_AS_CURRENT.finditer(text):
            y = int(m.group(1))
            if y < year and y >= year - 3:
                start = max(0, m.start() - 10)
                yield Hit(f"文字材料中“…{text[start:m.end() + 12]}…”把 {y} 年当作本年来叙述，本报告是 {year} 年度报告；"
                          f"请改为 {year} 年或删去照抄的内容。", (narrative_key(part),),
                          expected=f"{year}年", actual=f"{y}年", subject=f"{part}:year:{y}")
                break
        for s in _SENTENCES.findall(text):
            s = s.strip()
            years = [int(y) for y in re.findall(r"(\d{4})年", s)]
            if s in prior_sentences and years and max(years) < year:
                yield Hit(f"文字材料中的句子“{s[:60]}”与上年报告完全相同且只含往年年份，疑似照抄；请改为本年情况。",
                          (narrative_key(part),), expected="本年内容", actual=s[:60],
                          subject=f"{part}:copied:{s[:30]}")


#: Where an importer records the 2019-format (试行) table-二 labels it saw in a published
#: document (本年新制作数量, 对外公开总数量, 政府集中采购 …); an empty list means it looked and saw none.
FORMAT_2019_LABELS = gov2019.META_LABELS_2019
#: The first year whose reports must use the 2021 format (issued 2021-09-26, used from the 2021 reports on).
FORMAT_2021_FROM = 2021


@rule("E5", ERROR, "2021 年及以后使用 2021 年格式",
      f"{FORMAT_2021_FROM} 年及以后的报告须使用{FORMAT.issued_by}印发的表格，不能沿用 2019 年试行格式",
      source_tag="INFERRED")
def e5_current_format(ctx: Context) -> Iterable[Hit]:
    year, meta = ctx.report.year, ctx.report.meta
    if not year:
        raise NotRun("报告年度未填写")
    if year < FORMAT_2021_FROM:
        return
    first_row = tuple(c.key for c in FORMAT.cells_of("active")[:3])
    if ctx.report.format.key != FORMAT.key:
        yield Hit(f"本报告按“{ctx.report.format.title}”（{ctx.report.format.issued_by}）读取，{year} 年度报告须使用"
                  f"{FORMAT.issued_by}印发的格式。", first_row, expected=FORMAT.issued_by,
                  actual=ctx.report.format.issued_by, subject="format")
        return
    if "headings" in meta and FORMAT_2019_LABELS not in meta:
        raise NotRun("导入程序没有记录原文表二的栏目名称，无法判断该文档是否沿用了 2019 年试行格式"
                     "（本年新制作数量、对外公开总数量、政府集中采购等）")
    legacy = meta.get(FORMAT_2019_LABELS) or []
    if legacy:
        yield Hit(f"原文表二使用了 2019 年试行格式的栏目：{'、'.join(legacy)}。{year} 年度报告须使用"
                  f"{FORMAT.issued_by}印发的表格（{'、'.join(DOC_COLS.values())}……），请按新格式重新填报。",
                  first_row, expected=FORMAT.issued_by, actual="、".join(legacy), subject="format")
