"""Character normalisation shared by every reader.

Published reports spell the same label in many ways (traditional characters,
half/full-width brackets and digits, spaces inside words, "1、" for "1.");
labels are compared on a *key* that erases those differences, so a label from
the format matches a label from the source whatever the source did to it.
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
_ITEM_NO = re.compile(r"(?<![0-9])([0-9]{1,2})\s*[、．.]")
_CN_ITEM = re.compile(r"^([一二三四五六七八九十]+)\s*[、．.]")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified (several web copies are in traditional)."""
    return _t2s().convert(text)


def traditional_share(text: str) -> int:
    """How many characters change under t2s: a cheap "is this traditional?" test."""
    sample = text[:20000]
    conv = to_simplified(sample)
    return sum(1 for a, b in zip(sample, conv) if a != b)


def nfkc(text: str) -> str:
    """Full-width digits, letters and brackets to half-width."""
    return unicodedata.normalize("NFKC", text)


#: Misspellings of table labels seen in published reports, folded into the
#: right label when comparing (report-format.md §1.7: label variants).
LABEL_TYPOS = (("先行有效件数", "现行有效件数"),)


def key(text: str) -> str:
    """The comparison form of a label: NFKC, no spaces, no quotes, "1、" → "1.".

    Also maps the colon and comma variants NFKC leaves alone.
    """
    s = nfkc(text)
    s = _SPACE.sub("", s).translate(_QUOTES)
    s = _ITEM_NO.sub(r"\1.", s)
    s = s.replace("，", ",").replace("：", ":").replace("；", ";")
    for typo, right in LABEL_TYPOS:
        s = s.replace(typo, right)
    return s


def coverage(label_key: str, text_key: str) -> tuple[float, int]:
    """How much of a label occurs, in order, in a text (blocks of ≥2 chars).

    Returns (share of the label found, characters found). Labels split over
    lines, with merged-cell fragments or footers between the halves, still
    score high; a label whose words only occur scattered does not.
    """
    if not label_key or not text_key:
        return 0.0, 0
    sm = SequenceMatcher(None, text_key, label_key, autojunk=False)
    found = sum(b.size for b in sm.get_matching_blocks() if b.size >= 2)
    return found / len(label_key), found


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def strip_cn_item(text: str) -> tuple[str, str]:
    """Split a leading "一、" numeral off a heading: (numeral, rest)."""
    m = _CN_ITEM.match(text)
    if not m:
        return "", text
    return m.group(1), text[m.end():]
