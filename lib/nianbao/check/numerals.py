"""Numbers as written in Chinese reports: 2件, 1,234件, 两件, 十二件, 一百零三件, 1.5万.

Only what the narrative checks need: turn a numeral into a number, and find
"number + measure word" tokens in one pass with a precompiled pattern.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
           "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
           "九": 9, "玖": 9}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)


def cn_to_int(text: str) -> int | None:
    """Chinese numeral to int: 十二 → 12, 一百零三 → 103, 两万三千 → 23000, 二〇二三 → 2023.

    The conversion is cn2an's (a maintained library, "smart" mode also reads
    digit-by-digit years); ``None`` when the text is not a Chinese numeral.
    """
    if not text or any(ch not in CN_NUMERAL_CHARS for ch in text):
        return None
    return _cn2an(text.replace("○", "〇"))


@lru_cache(maxsize=4096)
def _cn2an(text: str) -> int | None:
    # Imported on first use: cn2an takes about a second to import (it builds its tables),
    # which `nianbao check` on a narrative without Chinese numerals should not pay.
    import cn2an

    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if float(value).is_integer() else None


def parse_number(text: str) -> int | float | None:
    """Arabic (with thousands separators, full-width digits, a trailing 万) or Chinese."""
    t = text.replace(",", "").replace("，", "").strip()
    t = t.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    factor = 1
    if t.endswith("万") and len(t) > 1 and t[-2].isdigit():
        factor, t = 10_000, t[:-1]
    if re.fullmatch(r"\d+(\.\d+)?", t):
        v = float(t) * factor
        return int(v) if v.is_integer() else v
    return cn_to_int(t)


#: Measure words the checks care about; longer ones first so 人次 beats 人.
UNITS = ("人次", "万元", "件", "个", "项", "次", "条", "篇", "场", "期", "人", "份", "宗", "起", "元", "%", "％")

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|[0-9０-９]+(?:[.．][0-9０-９]+)?万?"
_CHINESE = f"[{CN_NUMERAL_CHARS}]+"
NUMBER_TOKEN = re.compile(
    rf"(?<![第\d.A-Za-z])(?P<num>{_ARABIC}|{_CHINESE})\s*(?P<unit>{'|'.join(map(re.escape, UNITS))})"
    r"(?!事|性|工作日|自然日|日|月|小时|年度|百分点|方面|部门|单位|科室|乡镇|街道|区县)")


@dataclass(frozen=True)
class NumberToken:
    value: int | float
    unit: str
    start: int
    end: int
    text: str


def find_numbers(text: str) -> list[NumberToken]:
    """Every "number + measure word" in ``text`` (1件, 十二件, 1,234件, 50%)."""
    out = []
    for m in NUMBER_TOKEN.finditer(text):
        raw = m.group("num")
        value = parse_number(raw)
        if value is None:
            continue
        unit = "%" if m.group("unit") == "％" else m.group("unit")
        if unit == "起" and raw in ("一", "壹"):
            continue                      # "一起" is mostly "together" (与……一起), not "one case"
        out.append(NumberToken(value, unit, m.start(), m.end(), m.group(0)))
    return out
