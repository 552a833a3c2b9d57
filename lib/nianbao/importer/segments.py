"""Table text → a stream of label text and rows of figures.

A published table reaches us flattened in many ways: seven numbers on the
line of their label, on a line of their own between two halves of the label,
one number per line (an empty line for an empty cell), or as a real grid.
Whatever the shape, the result is the same stream: text segments (labels,
headers, merged-cell fragments) and value segments (one table row of raw cell
strings). Placing a value segment is the job of ``tables``, by its label.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from .document import Line
from .lines import is_footer

_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:件|个|条|项|次|万元|元)?$")
_SIGNED = re.compile(r"^[-+−－]\d+$")      # 本年增/减 of the 2019 format ("-8"); elsewhere refused when read
_NA = {"/", "-", "—", "–", "——", "无", "不适用", "−"}
_DIGITS = re.compile(r"^\d+$")


def is_number(token: str) -> bool:
    t = unicodedata.normalize("NFKC", token).strip()
    return bool(_NUMBER.match(t) or _SIGNED.match(t))


def is_na(token: str) -> bool:
    return unicodedata.normalize("NFKC", token).strip() in _NA


def is_cell(token: str) -> bool:
    """A token that can only be a table cell: a number or a not-applicable mark."""
    return is_number(token) or is_na(token)


def is_digits(token: str | None) -> bool:
    return bool(token) and bool(_DIGITS.match(unicodedata.normalize("NFKC", token)))


@dataclass
class Seg:
    """One piece of a table in reading order: label text, or a row of cells."""

    where: str
    text: str = ""
    cells: list[str | None] | None = None
    columns: list[str | None] | None = None   # per cell, when the source grid named them

    @property
    def is_values(self) -> bool:
        return self.cells is not None


def split_line(text: str) -> tuple[str, list[str | None]]:
    """Split "label 1 0 0 2" into ("label", ["1","0","0","2"]).

    Markdown pipe rows ("| 规章 | 0 | 0 | 0 |") keep their empty cells.
    """
    s = text.strip()
    if s.startswith("|") and s.endswith("|") and len(s) > 1:
        parts = [p.strip() for p in s.strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", p) or not p for p in parts):
            return "", []
        i = 0
        while i < len(parts) and parts[i] and not is_cell(parts[i]):
            i += 1
        label = " ".join(parts[:i])
        cells: list[str | None] = [p if p else None for p in parts[i:]]
        if not any(cells):
            return " ".join(p for p in parts if p), []
        return label, cells
    toks = s.split()
    i = len(toks)
    while i > 0 and is_cell(toks[i - 1]):
        i -= 1
    return " ".join(toks[:i]), list(toks[i:])


def line_segments(lines: list[Line], width_for: Callable[[str], int]) -> list[Seg]:
    """Turn the lines of one table region into segments.

    ``width_for(text since the last row)`` says how many cells the next row
    has; it matters only when cells come one per line and blank lines are
    empty cells.
    """
    segs: list[Seg] = []
    block: list[tuple[list[str | None] | None, str]] = []   # chunks; None = blank line
    since: list[str] = []
    last_was_text = False

    def flush() -> None:
        nonlocal block
        if block and any(c for c, _ in block):
            segs.extend(_rows_of_block(block, width_for("".join(since))))
            since.clear()
        block = []

    for ln in lines:
        if is_footer(ln.text):
            continue
        raw = ln.text.strip()
        if not raw:
            if block or last_was_text:
                block.append((None, ln.where))
            continue
        text, cells = split_line(raw)
        if text:
            flush()
            segs.append(Seg(ln.where, text=text))
            since.append(text)
            last_was_text = not cells
            if cells:
                block = [(cells, ln.where)]
            continue
        if not cells:          # a markdown separator line
            continue
        block.append((cells, ln.where))
        last_was_text = False
    flush()
    return segs


def _rows_of_block(block: list[tuple[list[str | None] | None, str]], width: int) -> list[Seg]:
    """Cut a run of cell lines into rows of ``width`` cells.

    Lines that each carry exactly one full row are rows. Otherwise the cells
    are read one per line, blank lines being empty cells; blank lines before
    the first or after the last figure are used only if needed to fill a row.
    """
    chunks = [(c, w) for c, w in block if c is not None]
    if all(len(c) == width for c, _ in chunks) and (width == 1 or all(len(c) > 1 for c, _ in chunks)):
        return [Seg(w, cells=list(c)) for c, w in chunks]
    single = all(len(c) == 1 for c, _ in chunks)
    seq: list[tuple[str | None, str]] = []
    for c, w in block:
        if c is None:
            seq.append((None, w))
        else:
            seq.extend((x, w) for x in c)
    lead = next(i for i, (x, _) in enumerate(seq) if x is not None)
    trail = next(i for i, (x, _) in enumerate(reversed(seq)) if x is not None)
    core = seq[lead:len(seq) - trail]
    k = len(core)
    if k < width and single:
        need = width - k
        if trail >= need:
            core = core + seq[len(seq) - trail:len(seq) - trail + need]
        elif lead >= need and trail == 0:
            core = seq[lead - need:lead] + core
        elif all(x is None or is_na(x) and not is_digits(x) for x, _ in core):
            return [Seg(core[0][1], text=" ".join(x for x, _ in core if x))]
    k = len(core)
    if k > width and k % width == 0 and (single or all(len(c) == width for c, _ in chunks)):
        return [Seg(core[i][1], cells=[x for x, _ in core[i:i + width]]) for i in range(0, k, width)]
    return [Seg(core[0][1], cells=[x for x, _ in core])]
