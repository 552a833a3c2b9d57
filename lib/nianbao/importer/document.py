"""What every reader produces: the source as lines of text and table grids,
in reading order, each with a place a clerk can find again ("第 84 行",
"第 2 个表格第 5 行").
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    text: str
    where: str                       # e.g. "第 84 行" or "第 3 页第 12 行"


@dataclass
class GridCell:
    text: str
    origin: bool = True              # False where a merged cell repeats its text


@dataclass
class Grid:
    """A real table (HTML, Word): rowspan/colspan expanded, so every grid
    position holds the text of the cell covering it."""

    rows: list[list[GridCell]]
    where: str                       # e.g. "第 2 个表格"

    def text(self) -> str:
        return "".join(c.text for row in self.rows for c in row if c.origin)


@dataclass
class Document:
    items: list[Line | Grid] = field(default_factory=list)
    kind: str = "txt"
    notes: list[str] = field(default_factory=list)   # reader-level warnings
    headline: str = ""               # a web page's headline or <title>, outside the report's text

    @property
    def lines(self) -> list[Line]:
        return [i for i in self.items if isinstance(i, Line)]
