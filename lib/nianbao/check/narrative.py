"""Figures cited in the narrative, read once per report.

One pass over each narrative part finds every "number + measure word" and
decides what it counts from the words around it in the same clause
(收到…申请 → new applications, 行政复议 → reviews, 比上年增加 → a change …).
Anything not clearly about a table figure is ignored: 人大代表建议1件 or
发布340条信息 are not applications. Approximate figures (约, 余, 左右) are
never compared.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..format import COUNT, FORMAT
from .numerals import find_numbers

# --- precompiled vocabulary ------------------------------------------------
_CLAUSE_DELIM = re.compile(r"[，,。；;：:！!？?、（）()\n]")
#: Clause ends that also close an enumeration ("行政复议、行政诉讼" stays together).
_MAJOR_DELIM = re.compile(r"[，,。；;：:！!？?（）()\n]")
_PARAGRAPH = re.compile(r"[^\n]+")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_APPROX_BEFORE = re.compile(r"(约|近|超过|逾|不足|将近|大约|不到|上)$")
_APPROX_AFTER = re.compile(r"^(左右|以上|以下|多|余)")
_INCL_CARRIED = re.compile(r"^\s*[（(，,]?\s*(含|包括|包含)(了)?(上一?年度?|去年)(度)?结转")
_INCL_CARRIED_BEFORE = re.compile(r"(含|包括|包含)(上一?年度?|去年)结转")

_DELTA = re.compile(r"(?:(?:比|较|与)(?:上|去)一?年(?:度)?(?:同期)?(?:相比)?|同比)[^，,。；;]{0,3}?"
                    r"(增加|减少|增长|下降|上升|多|少)了?$")
_FEE_INFO = re.compile(r"信息处理费")
_DIRECT_SUIT = re.compile(r"未经复议直接起诉|直接(提起)?(行政)?诉讼|直接起诉")
_SUIT_AFTER_REVIEW = re.compile(r"复议后(提起)?(行政)?(起诉|诉讼)")
_REVIEW = re.compile(r"复议")
_SUIT = re.compile(r"诉讼|起诉|应诉")
_OUTCOME = (("upheld", re.compile(r"维持")), ("corrected", re.compile(r"纠正|纠错|撤销|确认违法")),
            ("other", re.compile(r"其他结果|驳回|撤回|终止")), ("pending", re.compile(r"尚未审结|未审结|审理中|未结")))
_CARRIED_OVER = re.compile(r"上一?年度?结转|去年结转|上年度?转入|上年遗留")
_CARRIED_FORWARD = re.compile(r"(结转|顺延|转入|转|延续|留)(到|至|入)?(下一?年度?|次年|明年)|结转下")
#: "结转下年度" names table 三's row 四 on its own, without "申请".
_CARRIED_FORWARD_ROW = re.compile(r"结转(到|至)?下一?年度?")
#: The whole clause before the figure is table 三's row 四 on its own: "结转下年度继续办理8件"
#: (not "工单结转下年度2件", whose subject is something else).
_CARRIED_FORWARD_ALONE = re.compile(r"(?:其中|另有|仍有|共有?|尚有)?结转(?:到|至)?下一?年度?(?:继续)?(?:办理|处理|答复)?的?"
                                    r"(?:申请)?(?:共计?|合计)?")
#: Words that name the connective between a figure and its comparison ("数量比上年增加").
_DELTA_PREFIX = re.compile(r"(?:申请)?(?:数量|件数|总数|总量|数|量)?(?:共|总共)?")
_GROUPS = (("withheld", re.compile(r"不予以?公开")), ("partially_disclosed", re.compile(r"部分公开")),
           ("disclosed", re.compile(r"(?<!不)予以公开|同意公开|全部公开|准予公开")),
           ("unavailable", re.compile(r"无法提供|信息不存在|不掌握")),
           ("rejected", re.compile(r"不予处理")), ("other", re.compile(r"其他处理")))
_ANSWERED = re.compile(r"办结|答复|回复|办理完毕|处理完毕|完成办理|办理结果(?:总计|合计|总数|共)")
#: On their own these name table 三's figures even without "申请": 本年新收73件, 办结72件.
_PERIOD = r"(?:其中|另|共|合计)?(?:本年度?|今年|全年|当年|年内|\d{4}\s*年度?)?(?:共|累计|依法|按时|已|全部)*"
#: Clauses that name table 三's figures on their own, without "申请": 本年新收73件, 办结72件,
#: 办理结果总计72件 (but not "工单办结1200件" or "新收来信30件": another subject).
_NEW_ONLY = re.compile(_PERIOD + r"新收(?:各类)?(?:的)?(?:申请)?(?:共计?|合计)?")
_ANSWERED_ONLY = re.compile(_PERIOD + r"(?:办结|办理结果(?:总计|合计|总数|共))(?:了)?(?:申请)?(?:共计?|合计)?")
#: Outcome groups named precisely enough to stand without "申请" (予以公开 is also said of
#: proactive disclosure, so it needs the application context).
_GROUPS_ALONE = frozenset({"partially_disclosed", "withheld", "unavailable", "rejected"})
_BOTH_GROUPS = re.compile(r"(?:及|和|与|、|以及)")
_OF_WHICH = re.compile(r"其中")
_RECEIVED = re.compile(r"收到|受理|新收|接收|接到|收悉|登记")
_HANDLED = re.compile(r"办理|处理")
_APPLICATION = re.compile(r"申请|办理结果")
_NOT_APPLICATION = re.compile(r"复议|诉讼|建议|提案|许可|低保|救助|补贴|信访")
_COUNT_UNITS = frozenset({"件", "个", "份", "宗", "项", "起"})
#: A share that follows a group's count in the same sentence: "予以公开29件，占42%" (占比、约占 …).
_SHARE_OF_PREVIOUS = re.compile(r"(?:约|共)?占(?:比|总数的?|办结总数的?|办理结果总数的?)?(?:为|达|达到)?")

_REGULATIONS = re.compile(r"规章(?!制度)")
_NORMATIVE = re.compile(r"(?<!政策)规范性文件")
_REPEALED = re.compile(r"废止|宣布失效")
_IN_FORCE = re.compile(r"现行有效|有效的?$|现行")
_ISSUED = re.compile(r"制发|印发|出台|制定|新增|发布|公开|起草|颁布|制作")
#: Table 二's one-value rows by their official label: 行政许可/行政处罚/行政强制 decisions and
#: 行政事业性收费 (the only amount in 万元).
_VALUE_ROWS = [(b, r) for b in FORMAT.active_blocks if [c.key for c in b.columns] == ["value"] for r in b.rows]
_DECISIONS = tuple((r.key, re.compile(re.escape(r.label))) for b, r in _VALUE_ROWS if b.unit == COUNT)
_ADMIN_FEES = re.compile("|".join(re.escape(r.label) for b, r in _VALUE_ROWS if b.unit != COUNT))
_INFO_ITEMS = re.compile(r"信息|公示|事项清单|目录")

#: Statements that nothing happened: 未收到…申请, 未发生…行政复议.
_APPEAL_WORD = re.compile(r"行政复议|复议|诉讼")
_CLAUSE_END = re.compile(r"[，,]")
_NO_APPLICATIONS = re.compile(
    r"(?:未|没有)(?:收到|接到|受理|发生|出现|产生)[^。；;，,]{0,12}?(?:政府信息公开|依申请公开|信息公开)?申请"
    r"|(?:政府信息公开|依申请公开)申请[^。；;]{0,4}?(?:为零|(?<!\d)为0(?!\d)|(?<![\d.])0件)")
_NO_APPEALS = re.compile(
    r"(?:未|没有|无)(?:发生|出现|产生|收到|被|因)[^。；;]{0,30}?(?:行政复议|行政诉讼)"
    r"|(?:行政复议|行政诉讼)[^。；;]{0,10}?(?:为零|为0)")


@dataclass
class Mention:
    """A figure in the narrative and what it is taken to count."""

    part: str                     # narrative part key (overview, requests …)
    topic: str                    # e.g. req.new, appeal.review, active.regulations.issued, delta
    value: int | float
    unit: str
    start: int                    # offset in the part's text
    end: int
    snippet: str                  # the clause around the figure, for messages
    incl_carried: bool = False    # "（含上年结转…）" follows: X = 一 + 二
    sign: int = 0                 # for deltas: +1 增加, -1 减少
    of: "Mention | None" = None   # for deltas: the figure the change refers to
    ordinal: int = 0              # n-th mention of this topic in this part (fingerprint)


@dataclass
class ZeroClaim:
    part: str
    topic: str                    # "requests" | "review" | "litigation" | "appeals" (both)
    snippet: str


@dataclass
class NarrativeFigures:
    mentions: list[Mention] = field(default_factory=list)
    zero_claims: list[ZeroClaim] = field(default_factory=list)

    def of(self, prefix: str) -> list[Mention]:
        return [m for m in self.mentions if m.topic.startswith(prefix)]


@dataclass
class _State:
    """What the sentence so far was about, for clauses like "答复3050件"."""

    application: bool = False
    paragraph_application: bool = False   # an earlier sentence of the paragraph was about applications
    appeal: str | None = None     # review | litigation | litigation_direct | litigation_after_review
    doc_row: str | None = None    # regulations | normative_documents
    primary: Mention | None = None


def extract(texts: dict[str, str], filled: dict[str, list] | None = None) -> NarrativeFigures:
    """The figures each narrative part cites. ``filled``: per part, where placeholder
    replacements sit (``figures.FilledSpan``); a comparison phrase produced by
    ``{名称比上年}`` is computed from the tables and is never taken for a cited change."""
    out = NarrativeFigures()
    for part, text in texts.items():
        if not text:
            continue
        counts: dict[str, int] = {}
        computed = [(f.start, f.end) for f in (filled or {}).get(part, []) if f.comparison]
        for pm in _PARAGRAPH.finditer(text):
            about_applications = False
            for sm in _SENTENCE.finditer(pm.group(0)):
                about_applications = _sentence(part, sm.group(0), pm.start() + sm.start(), out, counts,
                                               about_applications, computed)
                _zero_claims(part, sm.group(0), out)
    return out


def _zero_claims(part: str, sentence: str, out: NarrativeFigures) -> None:
    m = _NO_APPLICATIONS.search(sentence)
    if m and not _APPEAL_WORD.search(sentence, m.end(), m.end() + 4):
        out.zero_claims.append(ZeroClaim(part, "requests", sentence.strip()))
    m = _NO_APPEALS.search(sentence)
    if m:
        clause = sentence[m.start():]
        clause = clause[: (_CLAUSE_END.search(clause) or re.match(r".*", clause)).end()]
        review, suit = "复议" in clause, bool(_SUIT.search(clause))
        topic = "appeals" if review and suit else "review" if review else "litigation"
        out.zero_claims.append(ZeroClaim(part, topic, sentence.strip()))


def _sentence(part: str, s: str, offset: int, out: NarrativeFigures, counts: dict[str, int],
              paragraph_application: bool = False, computed: list[tuple[int, int]] = ()) -> bool:
    """Read one sentence; returns whether the paragraph is now about applications."""
    tokens = find_numbers(s)
    state = _State(application=bool(_APPLICATION.search(s[: tokens[0].start] if tokens else "")
                                    and not _NOT_APPLICATION.search(s[: tokens[0].start] if tokens else "")),
                   paragraph_application=paragraph_application and not _NOT_APPLICATION.search(s))
    prev_end = 0
    for i, tok in enumerate(tokens):
        clause_start = max((m.end() for m in _CLAUSE_DELIM.finditer(s, 0, tok.start)), default=0)
        major_start = max((m.end() for m in _MAJOR_DELIM.finditer(s, 0, tok.start)), default=0)
        before = s[max(clause_start, prev_end): tok.start]
        wide = s[max(major_start, prev_end): tok.start]
        nxt = tokens[i + 1].start if i + 1 < len(tokens) else len(s)
        d = _CLAUSE_DELIM.search(s, tok.end, nxt)
        after = s[tok.end: d.start() if d else nxt]
        prev_end = tok.end
        sent_before = s[: tok.start]
        if _APPLICATION.search(before + after) and not _NOT_APPLICATION.search(before + after):
            state.application = True
        if _APPROX_BEFORE.search(before) or _APPROX_AFTER.search(after):
            continue
        m = _classify(tok, before, after, sent_before, s[tok.end:nxt], state, wide)
        if m is None:
            continue
        topic, extra = m
        if topic.startswith("req.") and not topic.startswith("req.pct."):
            state.application = True        # "办结69件，其中予以公开30件": the clauses after are about applications
        snippet = s[clause_start: d.start() if d else len(s)].strip() or s.strip()
        mention = Mention(part, topic, tok.value, tok.unit, offset + tok.start, offset + tok.end,
                          snippet, **extra)
        if topic == "delta":
            if state.primary is None or state.primary.unit not in _COUNT_UNITS:
                continue
            if any(a <= offset + tok.start < b for a, b in computed):
                continue                  # "{名称比上年}": computed from the tables, right by construction
            mention.of = state.primary
        else:
            if (topic == "req.new" and state.primary is not None and state.primary.topic == "req.new"
                    and _OF_WHICH.search(wide) and state.primary.value > tok.value):
                state.primary.incl_carried = True      # "申请74件，其中本年新收70件": 74 = 一 + 二
            state.primary = mention
        mention.ordinal = counts.get(topic, 0)
        counts[topic] = mention.ordinal + 1
        out.mentions.append(mention)
    return state.application or state.paragraph_application


def _classify(tok, before: str, after: str, sent_before: str, rest: str, state: _State,
              wide: str = "") -> tuple[str, dict] | None:
    """What one figure counts, from the words around it (``rest``: up to the next figure)."""
    window = before + after
    wide = wide or before
    unit = tok.unit
    dm = _DELTA.search(before)
    if dm:
        prefix = before[: dm.start()].strip(" ，,")
        if unit in _COUNT_UNITS and _DELTA_PREFIX.fullmatch(prefix):
            return "delta", {"sign": -1 if dm.group(1) in ("减少", "下降", "少") else 1}
        return None                       # a change of something else, or a rate: not a table figure
    if _FEE_INFO.search(window) and unit in ("元", "万元"):
        return "fee.info_yuan", {}
    if _ADMIN_FEES.search(window) and unit in ("元", "万元"):
        return "active.fees_wan_yuan", {}
    appeal = _appeal_kind(wide + after)
    for key, rx in _OUTCOME:
        if rx.search(before) and (appeal or state.appeal) and unit in _COUNT_UNITS:
            which = appeal or state.appeal
            return f"appeal.outcome.{key}.{which}", {}
    if appeal and unit in _COUNT_UNITS:
        state.appeal = appeal
        return f"appeal.{appeal}", {}
    excluded = bool(_NOT_APPLICATION.search(window))
    if _CARRIED_OVER.search(window) and unit in _COUNT_UNITS:
        return "req.carried_over", {}
    applications = state.application or state.paragraph_application or bool(_APPLICATION.search(window))
    if unit in _COUNT_UNITS and not excluded and (
            (_CARRIED_FORWARD.search(window) and applications) or _CARRIED_FORWARD_ALONE.fullmatch(before.strip())
            or (_APPLICATION.search(after) and _CARRIED_FORWARD_ROW.search(rest))):
        return "req.carried_forward", {}
    if (unit == "%" and _SHARE_OF_PREVIOUS.fullmatch(before.strip()) and state.primary is not None
            and state.primary.topic.startswith("req.group.")):
        return "req.pct." + state.primary.topic[len("req.group."):], {}   # "予以公开29件，占42%"
    if (unit in _COUNT_UNITS or unit == "%") and not excluded:
        found = [key for key, rx in _GROUPS if rx.search(wide) or (not before.strip() and rx.search(after))]
        if "withheld" in found and "disclosed" in found and not re.search(r"(?<!不)予以公开", wide):
            found.remove("disclosed")
        if found and (applications or set(found) <= _GROUPS_ALONE):
            key = "+".join(sorted(found, key=_GROUP_ORDER.index)) if len(found) > 1 and _BOTH_GROUPS.search(wide) \
                else found[-1] if len(found) > 1 else found[0]
            if len(found) > 1 and not _BOTH_GROUPS.search(wide):
                key = _nearest_group(wide, found)
            return (f"req.pct.{key}" if unit == "%" else f"req.group.{key}"), {}
    if unit in _COUNT_UNITS and not excluded and (_APPLICATION.search(window) or _NEW_ONLY.fullmatch(before.strip())):
        incl = bool(_INCL_CARRIED.search(rest) or _INCL_CARRIED_BEFORE.search(before))
        if _RECEIVED.search(wide + after):
            return "req.new", {"incl_carried": incl}
        if _ANSWERED.search(window):
            return "req.answered", {}
        if _HANDLED.search(window):
            return "req.handled", {"incl_carried": incl}
    if unit in _COUNT_UNITS and not excluded and not _NOT_APPLICATION.search(sent_before) and (
            (applications and _ANSWERED.search(before)) or _ANSWERED_ONLY.fullmatch(before.strip())):
        return "req.answered", {}
    return _active(unit, before, after, sent_before, state)


_GROUP_ORDER = [key for key, _ in _GROUPS]
_GROUP_ORDER = [g.key for g in FORMAT.request_groups if g.key in _GROUP_ORDER]


def _nearest_group(text: str, found: list[str]) -> str:
    """The group named last before the figure ("不予公开…其中部分公开3件" → 部分公开)."""
    rx = dict(_GROUPS)
    return max(found, key=lambda k: max(m.end() for m in rx[k].finditer(text)))


def _appeal_kind(window: str) -> str | None:
    if _DIRECT_SUIT.search(window):
        return "litigation_direct"
    if _SUIT_AFTER_REVIEW.search(window):
        return "litigation_after_review"
    review, suit = bool(_REVIEW.search(window)), bool(_SUIT.search(window))
    if review and suit:
        return "both"
    return "review" if review else "litigation" if suit else None


def _active(unit: str, before: str, after: str, sent_before: str, state: _State
            ) -> tuple[str, dict] | None:
    if unit not in ("件", "个", "项", "份", "部"):
        return None
    window = before + after
    row = ("regulations" if _REGULATIONS.search(window) else
           "normative_documents" if _NORMATIVE.search(window) else None)
    if row:
        state.doc_row = row
    elif state.doc_row and (_REPEALED.search(before) or _IN_FORCE.search(before)):
        row = state.doc_row
    if row:
        if _REPEALED.search(before):
            return f"active.{row}.repealed", {}
        if _IN_FORCE.search(before):
            return f"active.{row}.in_force", {}
        if _ISSUED.search(window) or _ISSUED.search(sent_before):
            return f"active.{row}.issued", {}
        return None
    if _INFO_ITEMS.search(window):
        return None
    for key, rx in _DECISIONS:
        if rx.search(window):
            return f"active.{key}", {}
    return None
