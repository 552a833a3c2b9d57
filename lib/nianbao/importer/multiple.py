"""Is there more than one annual report in this source?

Two reports pasted or saved into one file (this year's and last year's, or
two agencies') must not be imported as one: the headings of the second are
never matched (each section is taken once), so its tables vanish into the
first report's section 六 and the import looks certain. A second report
shows itself by what a report has exactly once: its section 一 heading
(一、总体情况), the same heading wording twice, the note of table 三, the
first row of table 三 in a table grid, or a title for another year or agency.
A table of contents (headings listed one after another) does not count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..format import FORMAT, Format
from .document import Document, Grid, Line
from .lines import is_footer
from .normalize import key
from .sections import match_heading, table_of_contents

_TITLE = re.compile(r"\d{4}年度?.{0,40}?(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?报告$")


@dataclass
class SecondReport:
    index: int           # item index where the second report starts (cut there)
    where: str           # place of the repeated part
    what: str            # what appeared again

    def reason(self) -> str:
        return f"来源中似乎有不止一份年度报告（{self.where}又出现了{self.what}）；请一份一份导入"


def _is_title(k: str) -> bool:
    """A line that is a report title (not a sentence mentioning one)."""
    return len(k) <= 60 and not any(ch in k for ch in "，,。:;《》、") and bool(_TITLE.search(k))


def _heading_follows(items: list, i: int, fmt: Format, within: int = 30) -> bool:
    return any(isinstance(it, Line) and match_heading(it.text, fmt) is not None
               for it in items[i + 1:i + 1 + within])


def _start_of(items: list, i: int) -> int:
    """Back from the repeated part to the second report's title (and the agency line above it)."""
    j = i
    for back in range(i - 1, max(-1, i - 12), -1):
        it = items[back]
        if isinstance(it, Line) and _is_title(key(it.text)):
            j = back
            prev = back - 1
            while prev >= 0 and isinstance(items[prev], Line) and not items[prev].text.strip():
                prev -= 1
            if prev >= 0 and isinstance(items[prev], Line):
                pk = key(items[prev].text)
                if pk and len(pk) <= 30 and not is_footer(items[prev].text) \
                        and not any(ch in pk for ch in "。:;,") and not _is_title(pk):
                    j = prev
            break
    return j


def find_second_report(doc: Document, fmt: Format = FORMAT) -> SecondReport | None:
    items = doc.items
    first_section = fmt.sections[0].number
    note = key(fmt.request_note)
    first_row = key(fmt.request_rows[0].labels[0])
    seen_headings: set[str] = set()
    seen_first = False
    notes = 0
    row_grids = 0
    title: str | None = None
    toc = table_of_contents(items, fmt)
    for i, it in enumerate(items):
        if isinstance(it, Grid):
            k = key(it.text())
            if note and note in k:
                notes += 1
                if notes == 2:
                    return SecondReport(_start_of(items, i), it.where, f"表三的勾稽说明“{fmt.request_note}”")
            if first_row in k:
                row_grids += 1
                if row_grids == 2:
                    return SecondReport(_start_of(items, i), it.where,
                                        f"表三的“{fmt.request_rows[0].labels[0]}”")
            continue
        text = it.text.strip()
        if not text:
            continue
        k = key(text)
        if note and note in k:
            notes += 1
            if notes == 2:
                return SecondReport(_start_of(items, i), it.where, f"表三的勾稽说明“{fmt.request_note}”")
        if _is_title(k):
            if title is None:
                title = k
            elif k != title and _heading_follows(items, i, fmt):
                # a running page header repeats the same title; another year's title starts a report
                return SecondReport(_start_of(items, i + 1), it.where, f"另一份报告的标题“{text}”")
            continue
        m = match_heading(text, fmt)
        if m is None:
            continue
        if i in toc:
            continue                   # a table of contents: headings one after another
        if k in seen_headings:
            return SecondReport(_start_of(items, i), it.where, f"标题“{text}”")
        if m[0].number == first_section:
            if seen_first:
                return SecondReport(_start_of(items, i), it.where, f"第一部分的标题“{text}”")
            seen_first = True
        seen_headings.add(k)
    return None
