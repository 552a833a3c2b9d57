"""F. Narrative against the tables (F1–F9; F4 is the same check as B4)."""
from __future__ import annotations

import re
from typing import Iterable

from ...figures import fmt_number
from ...format import FORMAT
from ...format.fields import NARRATIVE_PARTS
from ..context import Context, group_name, narrative_key, section_title
from ..narrative import Mention
from ..registry import rule
from ..rule import ERROR, INFO, WARNING, Hit
from .active import b4_narrative
from .common import EPS, compare_all, refs, topic_keys
from .requests import fee_charged

_NEW, _CO, _TP = ("requests.new_received.total", "requests.carried_over.total",
                  "requests.total_processed.total")
_SECTION_ONE = tuple(p.key for p in NARRATIVE_PARTS if p.section == "一")
_OVERSIGHT = next(p.label for p in NARRATIVE_PARTS if p.key == "oversight")
#: 予以公开 … 其他处理: the result groups of table 三 without their numbers, for the F3 formula.
_RESULT_GROUP_WORDS = tuple(group_name(g.key).split("）", 1)[1] for g in FORMAT.request_groups
                            if g.key != "total_processed")


def _f1_hit(ctx: Context, m: Mention) -> Hit | None:
    new, co, tp = ctx.num(_NEW), ctx.num(_CO), ctx.num(_TP)
    if m.topic == "req.new":
        expected, keys = (new + co, (_NEW, _CO)) if m.incl_carried else (new, (_NEW,))
        other = {new, new + co} - {expected}
        words = "一（本年新收）+ 二（上年结转）" if m.incl_carried else "一、本年新收申请数（总计）"
    elif m.incl_carried:                   # req.handled: 处理…申请 X 件（含上年结转…）
        expected, keys, other = new + co, (_NEW, _CO), {new, tp}
        words = "一（本年新收）+ 二（上年结转）"
    else:                                  # req.handled: 办理…申请 X 件
        expected, keys, other = new, (_NEW,), {new + co, tp}
        words = "一、本年新收申请数（总计）"
    if abs(m.value - expected) < EPS:
        return None
    nkey = narrative_key(m.part)
    if any(abs(m.value - o) < EPS for o in other):
        return Hit(f"文字材料说“{m.snippet}”（{fmt_number(m.value)} 件），与{words} = {fmt_number(expected)} 不同，"
                   f"但等于{'含' if not m.incl_carried else '不含'}上年结转或办结的件数；请在文字中写清口径"
                   f"（如“含上年结转X件”），或改为 {fmt_number(expected)} 件。",
                   (nkey, _NEW, _CO, _TP), expected=expected, actual=m.value, difference=m.value - expected,
                   left=f"文字材料 = {fmt_number(m.value)}", right=f"{words} = {fmt_number(expected)}",
                   subject=f"{m.part}:{m.topic}:{m.ordinal}", severity=WARNING)
    return Hit(f"文字材料说“{m.snippet}”（{fmt_number(m.value)} 件），但表格中{words} = {fmt_number(expected)}"
               f"（{refs(keys)}），相差 {fmt_number(m.value - expected)}（文字 − 表格），也不等于其他口径"
               f"（含上年结转 {fmt_number(new + co)}、办结 {fmt_number(tp)}）。请改正文字材料或表格。",
               (nkey, *keys), expected=expected, actual=m.value, difference=m.value - expected,
               left=f"文字材料 = {fmt_number(m.value)}", right=f"{words} = {fmt_number(expected)}",
               subject=f"{m.part}:{m.topic}:{m.ordinal}",
               severity=ERROR if m.topic == "req.new" else WARNING)


def _delta_hit(ctx: Context, d: Mention) -> Hit | None:
    base = d.of
    if ctx.prior is None:
        ctx.note(f"“{d.snippet}”是与上年的比较，未提供上年报告（--prior），未核对")
        return None
    now, before = ctx.num(_NEW), ctx.num(_NEW, ctx.prior)
    said = d.sign * d.value
    if abs((now - before) - said) < EPS:
        return None
    word = "增加" if now >= before else "减少"
    return Hit(f"文字材料说“{base.snippet}，{d.snippet}”，但本年新收 {fmt_number(now)} 件、上年新收 "
               f"{fmt_number(before)} 件，实际{word} {fmt_number(abs(now - before))} 件。请改正比上年的变化。",
               (narrative_key(d.part), _NEW), expected=now - before, actual=said,
               difference=said - (now - before), left=f"文字材料：变化 {fmt_number(said)}",
               right=f"本年 − 上年 = {fmt_number(now - before)}", subject=f"{d.part}:delta:{d.ordinal}")


@rule("F1", WARNING, "文字中的收到申请数与表三一致",
      "文字“收到/受理…申请X件” = 一[总计]（写明含上年结转时 = 一 + 二）；“比上年增加Y件” = 一(本年) − 一(上年)", also=((ERROR, "收到申请数与表格的各种口径都不同"),))
def f1_received(ctx: Context) -> Iterable[Hit]:
    for m in ctx.figures.mentions:
        hit = None
        if m.topic in ("req.new", "req.handled"):
            hit = _f1_hit(ctx, m)
        elif m.topic == "delta" and m.of is not None and m.of.topic == "req.new":
            hit = _delta_hit(ctx, m)
        if hit:
            yield hit


@rule("F2", WARNING, "文字中的办结数、结转数与表三一致",
      "文字“办结/答复X件” = 三（七）[总计]；“结转下年度X件” = 四[总计]；“上年结转X件” = 二[总计]")
def f2_answered(ctx: Context) -> Iterable[Hit]:
    yield from compare_all(ctx, ("req.answered", "req.carried_forward", "req.carried_over"))


def _pct_hit(ctx: Context, m: Mention) -> Hit | None:
    keys, name = topic_keys(ctx, m.topic)
    part = ctx.total(keys)
    decimals = len(str(m.value).split(".")[1]) if isinstance(m.value, float) else 0
    tolerance = 0.5 * 10 ** -decimals + 0.01
    denominators = {"三（七）总计": ctx.num(_TP), "一（本年新收）": ctx.num(_NEW),
                    "一 + 二": ctx.num(_NEW) + ctx.num(_CO)}
    shares = {k: 100 * part / v for k, v in denominators.items() if v}
    if not shares or any(abs(s - m.value) <= tolerance for s in shares.values()):
        return None
    shown = "；".join(f"占{k} {s:.2f}%" for k, s in shares.items())
    return Hit(f"文字材料说“{m.snippet}”（{fmt_number(m.value)}%），但按表格{name} = {fmt_number(part)}，{shown}。"
               f"请核对百分比。", (narrative_key(m.part), *keys, _TP), expected=round(shares.get("三（七）总计", 0), 2),
               actual=m.value, subject=f"{m.part}:{m.topic}:{m.ordinal}")


@rule("F3", WARNING, "文字中的办理结果分类数与表三一致",
      f"文字中{'、'.join(_RESULT_GROUP_WORDS)}的件数 = 表三对应各行总计之和；百分比在四舍五入误差内")
def f3_groups(ctx: Context) -> Iterable[Hit]:
    yield from compare_all(ctx, ("req.group.",))
    for m in ctx.figures.of("req.pct."):
        hit = _pct_hit(ctx, m)
        if hit:
            yield hit


@rule("F4", WARNING, "文字中的表二数字与表二一致（同 B4）", "同 B4", same_as="B4")
def f4_same_as_b4(ctx: Context) -> Iterable[Hit]:
    yield from b4_narrative(ctx)


@rule("F5", INFO, "信息处理费与行政事业性收费", "第六部分写明收取的信息处理费（元）≤ 表二 行政事业性收费（万元）× 10000")
def f5_fee_vs_admin_fees(ctx: Context) -> Iterable[Hit]:
    found = fee_charged(ctx)
    key = "active.fees_wan_yuan"
    if not found or found[0] <= 0:
        return
    charged, where = found
    fees_yuan = ctx.num(key) * 10_000
    if fees_yuan + EPS < charged:
        yield Hit(f"{where}写明收取信息处理费 {fmt_number(charged)} 元，而表二行政事业性收费为 "
                  f"{fmt_number(ctx.num(key))} 万元（{refs([key])}），少于信息处理费。信息处理费属于行政事业性收费，"
                  f"如本机关将其计入，表二金额应不少于 {fmt_number(charged / 10000)} 万元；请确认。",
                  (key, narrative_key("other_matters")), expected=f"≥ {fmt_number(charged / 10000)}",
                  actual=ctx.num(key))


_TABLE3_KEYS = (_NEW, _CO)
_APPEAL_TOTALS = {"review": ("appeals.review.total",),
                  "litigation": ("appeals.litigation_direct.total", "appeals.litigation_after_review.total")}
_APPEAL_TOTALS["appeals"] = _APPEAL_TOTALS["review"] + _APPEAL_TOTALS["litigation"]
_ZERO_WHAT = {"requests": "没有政府信息公开申请", "review": "没有行政复议", "litigation": "没有行政诉讼",
              "appeals": "没有行政复议、行政诉讼"}


@rule("F6", WARNING, "文字说“没有”而表格有数",
      "文字说未收到申请时 一 + 二 = 0；说未发生复议诉讼时 表四总计 = 0")
def f6_zero_claims(ctx: Context) -> Iterable[Hit]:
    for i, z in enumerate(ctx.figures.zero_claims):
        keys = _TABLE3_KEYS if z.topic == "requests" else _APPEAL_TOTALS[z.topic]
        n = ctx.total(keys)
        if n > 0:
            yield Hit(f"文字材料说“{z.snippet[:60]}”（{_ZERO_WHAT[z.topic]}），但表格中 {refs(keys)} 合计为 "
                      f"{fmt_number(n)}。请改正文字材料或表格。", (narrative_key(z.part), *keys),
                      expected=0, actual=n, subject=f"{z.part}:zero:{z.topic}:{i}")


_ASSESSMENT = (("工作考核", re.compile(r"考核")), ("社会评议", re.compile(r"评议|社会评价|群众评价")),
               ("责任追究", re.compile(r"责任追究|追责|问责")))


def _is_government(ctx: Context) -> bool | None:
    kind = ctx.report.meta.get("agency_kind")
    if kind:
        return kind == "人民政府"
    agency = ctx.report.agency
    return agency.endswith("人民政府") if agency else None


@rule("F7", WARNING, "人民政府报告须写考核、评议、追责结果", "各级人民政府报告第一部分写明工作考核、社会评议和责任追究结果情况",
      source_tag="OFFICIAL")
def f7_government_results(ctx: Context) -> Iterable[Hit]:
    gov = _is_government(ctx)
    if gov is None:
        from ..rule import NotRun
        raise NotRun("未填写机关类型（部门/人民政府）")
    if not gov:
        return
    text = ctx.text(*_SECTION_ONE)
    missing = [name for name, rx in _ASSESSMENT if not rx.search(text)]
    if missing:
        yield Hit(f"本报告是人民政府的年度报告，第一部分“{section_title('一')}”（一般在“{_OVERSIGHT}”中）须写明工作考核、"
                  f"社会评议和责任追究结果情况，现缺少：{'、'.join(missing)}。", (narrative_key("oversight"),),
                  expected="工作考核、社会评议、责任追究", actual="缺少" + "、".join(missing))


_RECTIFY = re.compile(r"整改|改进|改正|完善|加强|提升")
_PREVIOUS = re.compile(r"上年|上一年|去年|以往|此前|前期|上一年度")
MIN_PROBLEMS_CHARS = 40


@rule("F8", INFO, "第五部分具体写明问题和改进", "第五部分不为空、有实质内容；有上年报告时写明上年问题的整改情况",
      source_tag="PRACTICE")
def f8_problems(ctx: Context) -> Iterable[Hit]:
    text = ctx.text("problems").strip()
    key = narrative_key("problems")
    if len(text) < MIN_PROBLEMS_CHARS:
        yield Hit(f"第五部分“{section_title('五')}”{'为空' if not text else f'只有 {len(text)} 个字'}，"
                  f"请具体写明存在的问题和改进措施。", (key,), expected=f"≥ {MIN_PROBLEMS_CHARS} 字", actual=len(text),
                  subject="problems:length")
    elif ctx.prior is not None and not (_PREVIOUS.search(text) and _RECTIFY.search(text)):
        yield Hit("第五部分没有提到上年报告所列问题的整改情况，建议补写。", (key,),
                  expected="写明上年问题整改情况", actual="未提及", subject="problems:rectify")


@rule("F9", INFO, "第六部分不为空", "第六部分有内容；无事项时明确写“无其他需要报告的事项”，并写明是否收取信息处理费",
      source_tag="PRACTICE")
def f9_other_matters(ctx: Context) -> Iterable[Hit]:
    text = ctx.text("other_matters").strip()
    key = narrative_key("other_matters")
    if not text:
        yield Hit(f"第六部分“{section_title('六')}”为空；没有事项时也请明确写“本年度未收取信息处理费，无其他需要报告的事项”。",
                  (key,), expected="有内容", actual="空白", subject="other:empty")
    elif "信息处理费" not in text:
        yield Hit("第六部分没有写信息处理费的收取情况；请写明本年是否收取（如“本年度未收取信息处理费”）。",
                  (key,), expected="写明信息处理费情况", actual="未提及", subject="other:fee")
