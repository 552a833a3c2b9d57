"""Agency, year, title, contact details, dates and the statistics period.

All read from the text as found; nothing is looked up elsewhere.
"""
from __future__ import annotations

import re
from typing import Any

from .lines import is_footer
from .normalize import key, nfkc

_DATE = r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
_TITLE_JUNK = re.compile(r"^(正文|首页|索引号|发布机构|来源|公开日期|发布日期|分类|文号|主题词)")


def iso_date(text: str) -> str | None:
    m = re.search(_DATE, nfkc(text))
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


#: A line with sentence punctuation is a sentence about the report, not its title.
_SENTENCE = re.compile(r"[,。;:《]")


def title_from_page(text: str) -> str:
    """The report title in a page's headline or <title> ("…年度报告_政府信息公开年报_示例市人民政府")."""
    m = re.search(r"[^_|｜\-—–\s]*?\d{4}\s*年度?[^_|｜]{0,40}?报告", nfkc(text))
    return m.group(0).strip() if m else ""


def find_title(lines: list[str]) -> str:
    """The document title: the first line saying 报告, with the lines just
    before it that continue it (agency name on its own line). Page footers
    ("- 1 -") are not part of it."""
    cand = [t.strip() for t in lines if t.strip() and not is_footer(t)][:8]
    for i, t in enumerate(cand):
        if "报告" in key(t) and len(key(t)) <= 60 and not _SENTENCE.search(key(t)):
            j = i
            while j > 0 and i - j < 2:
                prev = cand[j - 1]
                pk = key(prev)
                if len(pk) > 30 or ":" in pk or "。" in pk or "报告" in pk or _TITLE_JUNK.match(pk):
                    break
                j -= 1
            title = "".join(cand[j:i + 1])
            if "年度报告" in key(title) or "工作报告" in key(title) or "年报" in key(title):
                return title
            if i + 1 < len(cand) and "年度报告" in key(cand[i] + cand[i + 1]):
                return title + cand[i + 1]
            return title
        if i + 1 < len(cand) and key(cand[i + 1]) in ("年度报告", "工作年度报告"):
            j = i
            if j > 0 and not _TITLE_JUNK.match(key(cand[j - 1])) and len(key(cand[j - 1])) <= 30 \
                    and ":" not in key(cand[j - 1]):
                j -= 1
            return "".join(cand[j:i + 2])
    return ""


def agency_and_year(title: str) -> tuple[str, int | None]:
    t = key(title)
    m = re.search(r"(\d{4})年度?", t)
    if not m:
        return "", None
    year = int(m.group(1))
    agency = t[:m.start()]
    if not agency:
        rest = t[m.end():]
        cut = re.search(r"(政府信息公开|政务公开|信息公开)", rest)
        agency = rest[:cut.start()] if cut else ""
    agency = re.sub(r"^(关于)", "", agency)
    # key() folds to half-width for matching; Chinese names are written with full-width brackets
    agency = agency.replace("(", "（").replace(")", "）")
    return agency, year


def contacts(text: str) -> dict[str, Any]:
    """Contact details from the paragraph that usually follows the title."""
    t = re.sub(r"\s+", "", nfkc(text))
    out: dict[str, Any] = {}
    pats = {
        # an address is stated ("地址：…", "地址为…"), not mentioned ("公布办公地址、联系方式等信息")
        "address": r"(?:通讯|联系|通信|办公)?地址(?::|为|是|在)([^,;。)、]+)",
        "postcode": r"邮(?:政)?编(?:码)?[:]?(\d{6})",
        "phone": r"(?:联系|咨询)?电话(?:号码)?[:]?(\d[\d\-—–()]{5,}\d)",
        "fax": r"传真(?:号码)?[:]?(\d[\d\-—–()]{5,}\d)",
        "email": r"(?:电子邮箱|电子邮件|邮箱|[Ee]-?[Mm]ail)[:]?([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]*[A-Za-z])",
    }
    for k, p in pats.items():
        m = re.search(p, t)
        if m:
            out[k] = m.group(1)
    m = re.search(r"(?:网址|网站)[^h]{0,12}(https?://[A-Za-z0-9./_\-?=&%#:]+)", t) or \
        re.search(r"(https?://[A-Za-z0-9./_\-?=&%#:]+)", t)
    if m:
        out["website"] = m.group(1).rstrip("./")
    m = re.search(r"请(?:与|联系|致电)(.{2,40}?)(?:联系|咨询|$|\()", t)
    if m:
        out["contact_office"] = m.group(1)
    return out


def publish_date(head: str, tail_lines: list[str]) -> str | None:
    """A stated 公开/发布/成文日期, else the date under the signature."""
    m = re.search(r"(?:公开|发布|成文|印发)(?:日期|时间)[:：]?\s*(" + _DATE + ")", nfkc(head))
    if m:
        return iso_date(m.group(1))
    for t in reversed([x.strip() for x in tail_lines if x.strip()][-3:]):
        if re.fullmatch(_DATE, nfkc(t)):
            return iso_date(t)
    return None


def period(text: str) -> str | None:
    """"2023年1月1日至2023年12月31日" as stated (spaces removed)."""
    t = re.sub(r"\s+", "", nfkc(text))
    d = r"(\d{4}年\d{1,2}月\d{1,2}日)"
    m = re.search(r"统计[^。]{0,12}?" + d + r"起?,?(?:至|到|—|-|~)((?:\d{4}年)?\d{1,2}月\d{1,2}日)", t)
    if m:
        return f"{m.group(1)}至{m.group(2)}"
    return None


def full_agency(agency: str, contact_office: str | None) -> str | None:
    """The full name when the title uses a short one: "洪泽区人民政府" in the
    title, "淮安市洪泽区人民政府办公室" as contact → "淮安市洪泽区人民政府"."""
    if not agency or not contact_office:
        return None
    i = contact_office.find(agency)
    if i <= 0:
        return None
    prefix = contact_office[:i]
    if re.fullmatch(r"[\u4e00-\u9fff]{1,10}(省|自治区|市|州|盟|地区|县|区)", prefix):
        return prefix + agency
    return None
