"""Web-page text captures: the whole report on one or a few long lines.

What a clerk gets by selecting a portal page and copying it, or what an
archive stores: a header block ("标题: … 发布时间: … 原文链接: …"), the
headings inline ("…本报告。 一、总体情况2024年，…") and the table cells run
together with their labels ("规章000行政规范性文件5218…"). This module only
puts line breaks back where the structure shows them:

- ``unglue`` (whole document): before header fields, around the six section
  headings and after a title that opens a long line;
- ``unglue_table`` (a table's region): between labels and runs of figures,
  and between figures and the item number of the next label
  ("…00000002.其他法律…" → "0000000" / "2.其他法律…"); narrative before the
  table stays one line.

Splitting the runs of figures into cells is not done here: that needs the
table's identities (``decode``). Lines that are not run together are left
exactly as they were, so ordinary sources read as before.
"""
from __future__ import annotations

import re
import unicodedata

from ..format import FORMAT, Format
from .document import Document, Line

#: A line this long (characters) may hold several parts of a report.
LONG_LINE = 100

_HEADER_FIELD = re.compile(r"(?<!^)(?=(?:标题|发布时间|发布日期|发文日期|成文日期|原文链接|原文地址|信息来源|来源|"
                           r"发布机构|索引号|文号|浏览次数|访问次数|点击数|作者|分类)\s*[:：])")
_TITLE_FIELD = re.compile(r"^\s*标题\s*[:：]\s*")
_TITLE_END = re.compile(r"^([^，。、:：,]{0,40}\d{4}\s*年[^，。、:：,]{0,30}?年度报告)\s*(?=\S)")
_CJK = "\u4e00-\u9fff"
_ITEM = rf"\d[.、．]\s*[{_CJK}“\"]"          # an item number opening a label: "2.其他…"
_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FW = re.compile("[０-９]")
_SPLITS = (
    re.compile(rf"(?<=\d)\s*(?={_ITEM})"),                                  # figures | 2.label
    re.compile(rf"(?<=[{_CJK}）)”\"’」])\s*(?=\d)(?!{_ITEM})"),             # label | figures
    re.compile(rf"(?<=\d)\s*(?=[{_CJK}（(“])(?!万元|元|件|个|条|项|次)"),      # figures | label
)
_RUN_TOGETHER = re.compile(rf"[{_CJK}）)”\"]\s*(?!{_ITEM})\d[\d ]*\s*[{_CJK}（(“]")
_GLUED = re.compile(rf"[{_CJK}）)”\"](?!{_ITEM})\d")             # a label with its figures glued on


_PATTERNS: dict[str, re.Pattern] = {}


def _heading_pattern(fmt: Format) -> re.Pattern:
    """Any section heading or listed variant, spaces allowed between characters,
    full- or half-width punctuation (built once per format)."""
    if fmt.key not in _PATTERNS:
        _PATTERNS[fmt.key] = _build_heading_pattern(fmt)
    return _PATTERNS[fmt.key]


def _build_heading_pattern(fmt: Format) -> re.Pattern:
    alts = []
    for s in fmt.sections:
        for h in sorted((s.heading,) + s.variants, key=len, reverse=True):
            chars = []
            for ch in h:
                n = unicodedata.normalize("NFKC", ch)
                chars.append(f"[{re.escape(ch)}{re.escape(n)}]" if n != ch else re.escape(ch))
            alts.append(r"\s*".join(chars))
    alts.sort(key=len, reverse=True)
    return re.compile("|".join(alts))


def _split_long(text: str, fmt: Format) -> list[str]:
    parts = [p for p in _HEADER_FIELD.split(text)]
    out: list[str] = []
    for part in parts:
        part = _TITLE_FIELD.sub("", part)
        pieces: list[str] = []
        last = 0
        for m in _heading_pattern(fmt).finditer(part):
            pieces.append(part[last:m.start()])
            pieces.append(m.group(0))
            last = m.end()
        pieces.append(part[last:])
        after_first = False
        for p in pieces:
            p = p.strip()
            if not p:
                continue
            m = _TITLE_END.match(p)
            if m:                         # a title opening a long line: the text follows it
                out.extend([m.group(1), p[m.end():].strip()])
            elif after_first:             # section 一's sub-parts （一）…（五） inline
                out.extend(x.strip() for x in _sub_parts(p) if x.strip())
            elif (sig := _SIGNATURE.match(p)):   # "…。 示例局 2025年1月20日": the signature on its own lines
                out.extend(x.strip() for x in sig.groups())
            else:
                out.append(p)
            h = _heading_pattern(fmt).fullmatch(p)
            after_first = bool(h) and _section_of(p, fmt) == fmt.sections[0].number
    return out


_SUB = "一二三四五"
_SIGNATURE = re.compile(r"^(.*[。！；;])\s*([^\s。，,]{2,30})\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)$")


def _sub_parts(text: str) -> list[str]:
    """Section 一's text cut before its sub-headings （一） … （五）, each once and in order."""
    parts, start, pos = [], 0, 0
    for n in _SUB:
        m = re.compile(rf"[（(]{n}[）)]").search(text, pos)
        if m is None:
            break
        parts.append(text[start:m.start()])
        start = pos = m.start()
        pos = m.end()
    parts.append(text[start:])
    return parts


def _section_of(heading: str, fmt: Format) -> str:
    from .sections import match_heading
    m = match_heading(heading, fmt)
    return m[0].number if m else ""


def is_capture(doc: Document) -> bool:
    """A source with at least one long line holding two or more section headings."""
    pat = _heading_pattern(FORMAT)
    return any(len(ln.text) > LONG_LINE and len(pat.findall(ln.text)) >= 2 for ln in doc.lines)


def unglue(doc: Document, fmt: Format = FORMAT) -> bool:
    """Break the long lines of a web capture at header fields, headings and the
    title (in place). Returns whether the document was a capture."""
    if not is_capture(doc):
        return False
    items = []
    for it in doc.items:
        if isinstance(it, Line) and len(it.text) > LONG_LINE:
            items.extend(Line(p, it.where) for p in _split_long(it.text, fmt))
        else:
            items.append(it)
    doc.items = items
    doc.notes.append("来源是网页复制的连续文字（标题、表格连在一行），已按章节标题和表格标签重新分行")
    return True


def _table_start(text: str, fmt: Format) -> int:
    """Where the table starts in a region's text: its first header or row label."""
    marks = ["第二十条", "信息内容", "申请人情况", "本列数据", "行政复议"]
    marks += [b.rows[0].label for b in fmt.active_blocks[:1]]
    marks += [fmt.request_rows[0].labels[0]]
    found = [p for p in (text.find(m) for m in marks) if p >= 0]
    return min(found) if found else 0


def _is_sentence(text: str, fmt: Format) -> bool:
    """Narrative ("本年共收到申请12件，……。"), not table cells: sentence
    punctuation outside the labels that carry commas themselves."""
    for g in fmt.request_groups:
        text = text.replace(g.label, "")
    return any(p in text for p in "。，；")


def unglue_table(lines: list[Line], captured: bool = False, fmt: Format = FORMAT) -> list[Line]:
    """Split run-together lines of a table region into label and figure lines.

    A line qualifies when figures sit between two labels; in a web capture
    (``captured``) also when a label has its figures glued on."""
    out: list[Line] = []
    for ln in lines:
        text = ln.text.translate(_FW_DIGITS) if _FW.search(ln.text) else ln.text
        if not (captured and _GLUED.search(text) or _RUN_TOGETHER.search(text) and
                (captured or not _is_sentence(text, fmt))):
            out.append(ln)
            continue
        start = _table_start(text, fmt)
        stop = text.rfind("。", 0, start)
        if stop >= 0:                     # narrative inside the section, before its table
            out.append(Line(text[:stop + 1].strip(), ln.where))
            text = text[stop + 1:]
        for rx in _SPLITS:
            text = rx.sub("\n", text)
        out.extend(Line(p.strip(), ln.where) for p in text.split("\n") if p.strip())
    return out
