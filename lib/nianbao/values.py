"""Cell values as staff type them: numbers, blanks and "not applicable" marks.

Blank (``None``) is not 0, and "/", "-", "—", "无" are kept as a
``NotApplicable`` mark so the checker can warn about them (rule A4).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Union

NA_MARKS = ("/", "-", "—", "－", "–", "无", "／", "——", "不适用")
#: Latin "not applicable" spellings, compared without case: N/A, NA, n/a.
NA_LATIN = ("N/A", "NA")


class NotApplicable(str):
    """A "not applicable" mark typed into a count cell; keeps its spelling."""

    def __repr__(self) -> str:
        return f"NotApplicable({str(self)!r})"


Value = Union[int, float, None, NotApplicable]


@dataclass(frozen=True)
class Parsed:
    value: Value
    note: str | None = None      # why the typed form was normalised, if it was
    error: str | None = None     # why it cannot be read, if it cannot
    expected: str | None = None


_UNIT_SUFFIX = re.compile(r"(件|个|条|项|次|万元)$")


def is_na(value: object) -> bool:
    return isinstance(value, NotApplicable)


def num(value: Value) -> float | int:
    """The value for arithmetic: blank and "not applicable" count as 0."""
    if value is None or isinstance(value, NotApplicable):
        return 0
    return value


def expected_kind(money: bool, unit: str | None = None) -> str:
    """What a cell expects, in words, with the unit from the format description."""
    if not money:
        return f"不小于 0 的整数（单位：{unit or '件'}）"
    return f"不小于 0 的数（单位：{unit or '万元'}，可有小数）"


#: How each unusual way of writing a number is explained in the A1 note.
_FORMS = ((re.compile(r"[eE]"), "把科学计数法（如 1e3）换算成数"),
          (re.compile(r"_"), "去掉了数字中的下划线"),
          (re.compile(r"^\+"), "去掉了正号“+”"),
          (re.compile(r"[^\x00-\x7f]"), "把其他文字的数字（如阿拉伯-印度数字）转为 0–9"))


def parse_cell(raw: object, money: bool = False, unit: str | None = None) -> Parsed:
    """Read one table cell the way a careful clerk would.

    Accepts ints, floats that are whole, and strings like "12件", "1,234",
    full-width "１２" and surrounding spaces; every typed form other than plain
    digits is read with a note (A1) saying what was converted ("1e3", "1_000",
    "+5", "12.0", "١٢"). Rejects text, negatives, decimals in count cells and
    figures of ``MAX_VALUE`` or more (``1e400`` included: never an exception).
    ``unit`` is the cell's unit from the format description (件, 万元, 人次 …),
    used in the messages.
    """
    kind = expected_kind(money, unit)
    if raw is None:
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(None, error=f"这里是逻辑值 {raw}", expected=kind)
    if isinstance(raw, float) and not math.isfinite(raw):
        return Parsed(None, error=f"数字过大或无效（{raw}），可能是输入错误", expected=kind)
    if isinstance(raw, (int, float)):
        return _check_number(raw, None, money, kind)
    if not isinstance(raw, str):
        return Parsed(None, error=f"无法识别的内容“{raw}”", expected=kind)
    text = unicodedata.normalize("NFKC", raw).strip()
    if text == "":
        note = "单元格只有空格，按空白处理" if raw != "" else None
        return Parsed(None, note=note)
    if text in NA_MARKS or raw.strip() in NA_MARKS or text.upper() in NA_LATIN:
        return Parsed(NotApplicable(raw.strip()))
    notes = []
    if text != raw:
        notes.append("去掉了空格或把全角数字转为半角")
    body = text
    m = _UNIT_SUFFIX.search(body)
    if unit and unit not in ("件", "万元") and body.endswith(unit) and body != unit:
        body = body[: -len(unit)].strip()
        notes.append(f"去掉了单位“{unit}”")
    elif m:
        unit = m.group(1)
        if unit == "万元" and not money:
            return Parsed(None, error=f"件数单元格写了金额“{raw}”", expected=kind)
        body = body[: m.start()].strip()
        notes.append(f"去掉了单位“{unit}”")
    elif money and unit in (None, "万元") and body.endswith("元"):
        return Parsed(None, error=f"金额“{raw}”的单位是元，本栏单位是万元",
                      expected="以万元为单位的数，如 1.5 表示 15000 元")
    if "," in body:
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", body):
            body = body.replace(",", "")
            notes.append("去掉了千位分隔符")
        else:
            return Parsed(None, error=f"“{raw}”不是一个数", expected=kind)
    if not _PLAIN.fullmatch(body):
        notes += [why for rx, why in _FORMS if rx.search(body)]
    try:
        number = Decimal(body)
    except InvalidOperation:
        return Parsed(None, error=f"“{raw}”不是一个数", expected=kind)
    if not number.is_finite():
        return Parsed(None, error=f"“{raw}”不是一个数", expected=kind)
    if abs(number) >= MAX_VALUE:      # before int()/float(): 1e400 must not overflow
        sign = "负数且" if number < 0 else ""
        shown = raw.strip() if len(raw.strip()) <= 20 else f"{raw.strip()[:12]}…，共 {len(raw.strip())} 个字符"
        return Parsed(None, error=f"{sign}数字过大（“{shown}”），可能是输入错误", expected=kind)
    whole = number == number.to_integral_value()
    if whole and "." in body and not money:
        notes.append(f"小数点后全是 0，按整数 {int(number)} 读取")
    value: int | float = int(number) if whole else float(number)
    return _check_number(value, "；".join(notes) or None, money, kind)


_PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")


#: No agency-year comes near this many 件 (or 万元); larger is a typing slip.
MAX_VALUE = 100_000_000


def _check_number(value: int | float, note: str | None, money: bool, kind: str) -> Parsed:
    if value < 0:
        return Parsed(None, error=f"负数 {value}", expected=kind)
    if value >= MAX_VALUE:
        shown = f"{value:.6g}" if isinstance(value, float) else (str(value) if value < 10 ** 15 else
                                                                  f"{len(str(value))} 位数")
        return Parsed(None, error=f"数字过大（{shown}），可能是输入错误", expected=kind)
    if money:
        return Parsed(float(value) if isinstance(value, float) else int(value), note)
    if isinstance(value, float):
        if value != int(value):
            return Parsed(None, error=f"件数不能有小数：{value}", expected=kind)
        value = int(value)
    return Parsed(int(value), note)


_POSTCODE = re.compile(r"\d{6}")
#: A long run of digits: a phone number (with area code or a mobile) once separators are gone.
_PHONE_DIGITS = re.compile(r"(?<![\d-])\d[\d\s-]{7,}\d(?![\d-])")


def contact_problem(field: str, value: object) -> str | None:
    """What is wrong with a contact detail printed in the report, or None.

    ``field`` is "postcode", "phone" or "fax". A postcode must be 6 digits (5 digits: the
    leading 0 was lost when typed into a number cell); a phone or fax number of 10+ digits
    must keep its leading 0 (area code 0xx or 0xxx) unless it is a mobile (11 digits,
    1[3-9]…) or a 400/800 number; 10 digits starting with 1 is 010-… without its 0.
    """
    if value in (None, ""):
        return None
    text = str(value).strip()
    if field == "postcode":
        if _POSTCODE.fullmatch(text):
            return None
        if re.fullmatch(r"\d{5}", text):
            return f"邮编“{text}”只有 5 位，可能丢了开头的 0（单元格按数字保存时会去掉）；应为 0{text}"
        return f"邮编“{text}”不是 6 位数字"
    for m in _PHONE_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        mobile = len(digits) == 11 and re.match(r"1[3-9]", digits)
        if len(digits) >= 10 and not mobile and not digits.startswith(("0", "400", "800")):
            # 010 and 020–029 are the two-digit area codes (010-12345678 typed as a number: 1012345678)
            area = 2 if digits[0] in "12" else 3
            return (f"号码“{m.group(0)}”缺少区号开头的 0（单元格按数字保存时会去掉）；"
                    f"应为 0{digits[:area]}-{digits[area:]} 这样的完整号码")
    return None
