"""Decode table cells that ran together ("120000012") by the table's own identities.

A web capture loses the cell borders: "120000012" may be 12,0,0,0,0,0,12 or
1,2,0,0,0,0,3 … Only the identities of the national format decide
(国办公开办函〔2021〕30号, table notes; report-format.md §1.8 N-1 and rules
C1–C3):

- each row of table 三: 总计 = the sum of its six applicant columns;
- each column of table 三: 一 + 二 = （七）总计 + 四, and （七） = the sum of
  the result rows;
- table 四, per group: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结;
- the narrative's figures, only as a tie-breaker between readings.

Every reading is enumerated (no leading zeros, stray spaces ignored), pruned
by the row sums first so the work stays near linear in the number of rows;
the search is bounded and a run too ambiguous to enumerate is refused
(``TooAmbiguous``), never guessed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import product
from typing import Iterable, Mapping, Sequence

#: Upper bound on search steps for one run and on combinations across rows.
STEP_LIMIT = 200_000
COMBINATION_LIMIT = 100_000
#: Longest figure a cell of these tables holds (digits).
MAX_DIGITS = 7

_DIGIT_RUN = re.compile(r"^[0-9]+$")


class TooAmbiguous(Exception):
    """The readings of a run are too many to enumerate within the bounds."""


def run_of(cells: Sequence[str | None]) -> str | None:
    """The digits of a row whose cells may have run together, spaces removed;
    None when a cell is not a plain digit string (a mark, a decimal, a unit)."""
    toks = [unicodedata.normalize("NFKC", c).strip() if c else "" for c in cells]
    if not toks or not all(_DIGIT_RUN.match(t.replace(" ", "")) for t in toks if t) or not any(toks):
        return None
    if any(not t for t in toks):
        return None
    return "".join(t.replace(" ", "") for t in toks)


def needs_decoding(cells: Sequence[str | None], width: int) -> bool:
    """A row of digit strings that is not ``width`` plain cells: too few or too
    many tokens, or a token with a leading zero ("02" is two cells)."""
    if run_of(cells) is None:
        return False
    toks = [unicodedata.normalize("NFKC", c).strip() for c in cells if c]
    return len(cells) != width or any(len(t) > 1 and t.startswith("0") for t in toks)


def readings(run: str, width: int, totals: Mapping[int, Sequence[int]] | None = None,
             limit: int = STEP_LIMIT) -> list[list[int]]:
    """Every split of the digit string ``run`` into ``width`` whole numbers
    without leading zeros such that each cell ``t`` in ``totals`` equals the
    sum of the cells ``totals[t]`` (all before ``t``).

    Raises TooAmbiguous after ``limit`` search steps.
    """
    totals = dict(totals or {})
    n = len(run)
    out: list[list[int]] = []
    acc: list[int] = []
    steps = 0

    def rec(pos: int) -> None:
        nonlocal steps
        steps += 1
        if steps > limit:
            raise TooAmbiguous(run)
        i = len(acc)
        if i == width:
            if pos == n:
                out.append(list(acc))
            return
        left = width - i
        rem = n - pos
        if rem < left or rem > left * MAX_DIGITS:
            return
        if i in totals:
            t = str(sum(acc[j] for j in totals[i]))
            if run.startswith(t, pos):
                acc.append(int(t))
                rec(pos + len(t))
                acc.pop()
            return
        lengths = [1] if run[pos] == "0" else range(1, min(MAX_DIGITS, rem - left + 1) + 1)
        for ln in lengths:
            acc.append(int(run[pos:pos + ln]))
            rec(pos + ln)
            acc.pop()

    rec(0)
    return out


def row_totals(width: int) -> dict[int, list[int]]:
    """A row whose last cell is the sum of the others (table 三)."""
    return {width - 1: list(range(width - 1))}


def group_totals(groups: int, size: int) -> dict[int, list[int]]:
    """``groups`` groups of ``size`` cells, each ending in its total (table 四)."""
    return {g * size + size - 1: list(range(g * size, g * size + size - 1)) for g in range(groups)}


#: A figure the narrative states is a count with its unit ("12件", "900条");
#: dates (1月1日), telephone numbers (010-…), postcodes and addresses are not.
_NUM = re.compile(r"(?<![0-9.\-])(0|[1-9][0-9]*)(?![0-9]|\.[0-9])\s*(?=件|条|次|个|篇|场|人|项|份|期|家|起|宗|万元|元)")


def narrative_numbers(text: str) -> set[int]:
    """The counts a narrative states ("共收到申请12件" → {12}; "电话：010-…" → none)."""
    return {int(m.group(1)) for m in _NUM.finditer(unicodedata.normalize("NFKC", text))
            if len(m.group(1)) <= MAX_DIGITS}


def by_narrative(options: list[list[int]], numbers: set[int]) -> list[list[int]]:
    """The readings whose non-zero figures all occur in the narrative; used
    only to break a tie, so a reading is kept only if it is the single one."""
    if len(options) < 2 or not numbers:
        return options
    fit = [r for r in options if any(r) and all(v in numbers for v in r if v)]
    return fit if len(fit) == 1 else options


@dataclass
class Column:
    """Column identities of table 三 for one set of row readings."""

    new: str
    carried: str
    total: str
    forward: str
    results: tuple[str, ...]

    def holds(self, rows: Mapping[str, Sequence[int]]) -> bool:
        """一 + 二 = （七） + 四 and （七） = Σ results, per column, for the rows given."""
        r = rows
        width = len(next(iter(r.values())))
        for c in range(width):
            if all(k in r for k in (self.new, self.carried, self.total, self.forward)):
                if r[self.new][c] + r[self.carried][c] != r[self.total][c] + r[self.forward][c]:
                    return False
            if self.total in r and all(k in r for k in self.results):
                if r[self.total][c] != sum(r[k][c] for k in self.results):
                    return False
        return True


def solve_rows(options: Mapping[str, list[list[int]]], fixed: Mapping[str, Sequence[int]],
               identity: Column, limit: int = COMBINATION_LIMIT) -> list[dict[str, list[int]]]:
    """All combinations of the rows' readings (``options``: row key → its
    readings by row sum) that, with the ``fixed`` rows, satisfy the column
    identities. Raises TooAmbiguous when there are more than ``limit``
    combinations to try."""
    keys = [k for k in options]
    count = 1
    for k in keys:
        count *= max(1, len(options[k]))
        if count > limit:
            raise TooAmbiguous(", ".join(keys))
    out: list[dict[str, list[int]]] = []
    base = {k: list(v) for k, v in fixed.items()}
    for combo in product(*(options[k] for k in keys)):
        rows = dict(base)
        rows.update({k: list(v) for k, v in zip(keys, combo)})
        if identity.holds(rows):
            out.append({k: list(v) for k, v in zip(keys, combo)})
    return out


def side_by_side(names: Iterable[str], alternatives: list[list[list[int]]]) -> str:
    """Readings listed per row, one column per reading:

        （一）予以公开：读法1 12、0、0、0、0、0、12 | 读法2 …
    """
    lines = []
    for n, name in enumerate(names):
        cells = [f"读法{i + 1} " + "、".join(map(str, alt[n])) for i, alt in enumerate(alternatives)]
        lines.append(f"{name}：" + " | ".join(cells))
    return "；".join(lines)
