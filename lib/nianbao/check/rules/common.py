"""Helpers shared by rule modules: equations with blank-aware severity, and
comparing narrative figures with the tables.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

from ...figures import fmt_number
from ...format import FORMAT, OTHER_COMBINED
from ...values import NotApplicable
from ..context import Context, group_name, key_name, narrative_key
from ..finding import cell_ref
from ..narrative import Mention
from ..rule import WARNING, Hit

EPS = 1e-6
#: ``balance``'s lower severity, for the rule catalogue (``Rule.also``).
BLANK_ALSO = ((WARNING, "较小一侧有空白单元格，且报告来自已发布的文档（不是工作簿）"),)


def refs(keys: Iterable[str]) -> str:
    return "、".join(cell_ref(k) for k in keys)


def terms(ctx: Context, keys: Sequence[str], namer: Callable[[str], str] = key_name,
          report=None) -> str:
    """"自然人 2 + 科研机构 1（其余为 0）": the non-zero terms of a sum, named."""
    shown = [f"{namer(k)} {_shown(ctx, k, report)}" for k in keys
             if ctx.num(k, report) or ctx.is_blank(k, report)]
    if not shown:
        return "全部为 0"
    rest = "（其余为 0）" if len(shown) < len(keys) else ""
    return " + ".join(shown) + rest


def _shown(ctx: Context, key: str, report=None) -> str:
    v = ctx.value(key, report)
    if v is None:
        return "空白"
    if isinstance(v, (str, NotApplicable)):
        return f"“{v}”"
    return fmt_number(v)


def blanks_in_words(ctx: Context, keys: Sequence[str]) -> str:
    """"依申请公开!D7 填了“/”，依申请公开!E7 为空白": what each blank-like cell holds."""
    empty = [k for k in keys if ctx.value(k) is None]
    marks: dict[str, list[str]] = {}
    for k in keys:
        v = ctx.value(k)
        if isinstance(v, NotApplicable):
            marks.setdefault(str(v), []).append(k)
    parts = [f"{refs(ks)} 填了“{mark}”" for mark, ks in marks.items()]
    if empty:
        parts.append(f"{refs(empty)} 为空白")
    return "，".join(parts)


def _side(ctx: Context, keys: Sequence[str], words: str, value, namer: Callable[[str], str]) -> str:
    """One side of an equation in words: "总计 70" for a single cell, else the named terms and their sum."""
    if len(keys) == 1:
        return f"{words} {_shown(ctx, keys[0])}"
    return f"{words} = {terms(ctx, keys, namer)} = {fmt_number(value)}"


def _from_workbook(ctx: Context) -> bool:
    return str(ctx.report.source or "").lower().endswith((".xlsx", ".xlsm"))


def balance(ctx: Context, left: Sequence[str], right: Sequence[str], *, what: str,
            left_words: str, right_words: str, namer: Callable[[str], str] = key_name,
            fix_hint: str = "", subject: str | None = None) -> Hit | None:
    """A Hit when sum(left) != sum(right).

    A blank cell on the smaller side could make the two sides agree once it is
    filled in, so the hit is then only a warning (A4/C8 matter, e.g. the blank
    总计 in Shanghai's 结转 row); a blank on the larger side cannot help, so
    the rule's own severity stands.
    """
    lv, rv = ctx.total(left), ctx.total(right)
    if abs(lv - rv) < EPS:
        return None
    diff = lv - rv                      # 差额 = 左 − 右, everywhere (findings, messages, template)
    short = left if lv < rv else right
    blank_short = [k for k in short if ctx.is_blank(k)]
    blank_any = [k for k in (*left, *right) if ctx.is_blank(k)]
    msg = (f"{what}不成立：{_side(ctx, left, left_words, lv, namer)}；"
           f"{_side(ctx, right, right_words, rv, namer)}；相差 {fmt_number(diff)}（左边 − 右边）。")
    severity = None
    if blank_short:
        # In someone else's published report (or its JSON) a blank is what was
        # printed: only a warning. In the staff's own workbook the table is
        # about to be printed as it is, so the rule's severity stands.
        if not _from_workbook(ctx):
            severity = WARNING
        msg += (f"其中 {blanks_in_words(ctx, blank_short)}（按 0 计算）；如果这些单元格应填数，"
                f"它们合计应为 {fmt_number(abs(diff))}。请在这些单元格填数（确为 0 请填 0）后再核对。")
    else:
        if blank_any:
            msg += f"（{blanks_in_words(ctx, blank_any)}，按 0 计算。）"
        msg += fix_hint or f"请核对 {refs((*left, *right))} 中填错的数。"
    return Hit(msg, (*left, *right), expected=lv, actual=rv, difference=diff,
               left=f"{left_words} = {fmt_number(lv)}", right=f"{right_words} = {fmt_number(rv)}",
               subject=subject, severity=severity)


# --- narrative figures vs tables ----------------------------------------------
_GROUP_ROWS = {g.key: tuple(r.key for r in FORMAT.rows_in_group(g.key)) for g in FORMAT.request_groups}

def _appeal_topics() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Table-四 groups each narrative appeal topic (check/narrative.py) adds up, and its name,
    from the format: a group (行政复议, 未经复议直接起诉, 复议后起诉) by its key;
    "litigation" = the groups under the spanning heading (行政诉讼); "both" = all groups."""
    groups = {g.key: (g.key,) for g in FORMAT.appeal_groups}
    names = {g.key: g.label for g in FORMAT.appeal_groups}
    suits = [g for g in FORMAT.appeal_groups if g.parent]
    groups["litigation"] = tuple(g.key for g in suits)
    names["litigation"] = suits[0].parent
    groups["both"] = tuple(g.key for g in FORMAT.appeal_groups)
    names["both"] = f"{FORMAT.appeal_groups[0].label}和{suits[0].parent}"
    return groups, names


_APPEAL_GROUPS, APPEAL_NAMES = _appeal_topics()
_OUTCOME_NAMES = {o.key: o.label for o in FORMAT.appeal_outcomes}


def topic_keys(ctx: Context, topic: str) -> tuple[tuple[str, ...], str] | None:
    """The table cells a narrative topic corresponds to, and their name in words."""
    p = topic.split(".")
    if topic == "req.new":
        return ("requests.new_received.total",), FORMAT.cell("requests.new_received.total").label
    if topic == "req.answered":
        return ("requests.total_processed.total",), "三（七）办理结果总计"
    if topic == "req.carried_over":
        return ("requests.carried_over.total",), FORMAT.cell("requests.carried_over.total").label
    if topic == "req.carried_forward":
        return ("requests.carried_forward.total",), FORMAT.cell("requests.carried_forward.total").label
    if p[0] == "req" and p[1] in ("group", "pct"):
        keys: tuple[str, ...] = ()
        for group in p[2].split("+"):     # "disclosed+partially_disclosed": 予以公开及部分公开
            if group == "other" and ctx.uses_other_combined:
                keys += (f"{OTHER_COMBINED}.total",)
            else:
                keys += tuple(f"requests.{r}.total" for r in _GROUP_ROWS[group])
        return keys, f"{' + '.join(group_name(g) for g in p[2].split('+'))}（总计列合计）"
    if p[0] == "appeal" and p[1] == "outcome":
        groups = _APPEAL_GROUPS[p[3]]
        return (tuple(f"appeals.{g}.{p[2]}" for g in groups),
                f"{APPEAL_NAMES.get(p[3], '复议诉讼')}·{_OUTCOME_NAMES[p[2]]}")
    if p[0] == "appeal":
        groups = _APPEAL_GROUPS[p[1]]
        return tuple(f"appeals.{g}.total" for g in groups), f"{APPEAL_NAMES[p[1]]}{_OUTCOME_NAMES['total']}"
    if p[0] == "active":
        key = ".".join(p)
        return (key,), key_name(key)
    return None


def mention_value(m: Mention, topic_unit: str = "件") -> int | float:
    """The mention in the table's unit (万元 for fees)."""
    if m.topic == "active.fees_wan_yuan" and m.unit == "元":
        return m.value / 10_000
    return m.value


def compare_mention(ctx: Context, m: Mention, *, severity: str | None = None,
                    accept: Sequence[int | float] = ()) -> Hit | None:
    """A Hit when a cited figure differs from its table cells (approximations never get here)."""
    found = topic_keys(ctx, m.topic)
    if not found:
        return None
    keys, name = found
    table = ctx.total(keys)
    said = mention_value(m)
    if abs(table - said) < EPS or any(abs(a - said) < EPS for a in accept):
        return None
    blank = [k for k in keys if ctx.is_blank(k)]
    msg = (f"文字材料说“{m.snippet}”（{fmt_number(said)}），但表格中{name} = {fmt_number(table)}"
           f"（{refs(keys)}），相差 {fmt_number(said - table)}（文字 − 表格）。")
    if blank:
        msg += f"其中 {blanks_in_words(ctx, blank)}（按 0 计算）。"
    msg += "请改正文字材料或表格，使两者一致。"
    return Hit(msg, (narrative_key(m.part), *keys), expected=table, actual=said,
               difference=said - table, left=f"文字材料 = {fmt_number(said)}",
               right=f"{name} = {fmt_number(table)}",
               subject=f"{m.part}:{m.topic}:{m.ordinal}",
               severity=WARNING if blank and severity is None else severity)


def compare_all(ctx: Context, prefixes: Sequence[str]) -> Iterable[Hit]:
    for m in ctx.figures.mentions:
        if m.topic.startswith(tuple(prefixes)):
            hit = compare_mention(ctx, m)
            if hit:
                yield hit
