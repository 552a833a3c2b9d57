"""Building blocks for describing a fixed report format as data.

Everything that knows a label, a JSON key or a unit reads it from an instance
of these classes (see ``gov2021``); nothing else spells them out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

COUNT = "件"
MONEY = "万元"


@dataclass(frozen=True)
class Cell:
    """One input cell of a fixed table: its JSON path, labels and unit."""

    key: str                 # dotted JSON path, e.g. "requests.new_received.total"
    table: str               # "active" | "requests" | "appeals"
    row: str                 # row key within the table
    column: str              # column key within the table ("value" for one-value rows)
    row_label: str           # official row label (full, joined)
    column_label: str        # official column label
    unit: str = COUNT

    @property
    def label(self) -> str:
        """Row and column label together, for messages."""
        if self.column == "value":
            return f"{self.row_label}（{self.column_label}）"
        return f"{self.row_label}·{self.column_label}"

    @property
    def is_count(self) -> bool:
        return self.unit == COUNT


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    parent: str | None = None    # a spanning header above this column, if any
    unit: str | None = None      # when it differs from its block's (2019 format: 本年增/减)


@dataclass(frozen=True)
class Row:
    key: str
    labels: tuple[str, ...]      # label per label column (table 三 has three)
    aliases: tuple[str, ...] = ()  # other spellings seen in published reports
    group: str | None = None     # result group key (table 三), if the row belongs to one

    @property
    def label(self) -> str:
        return "".join(part for part in self.labels if part)

    @property
    def short_label(self) -> str:
        return self.labels[-1] if self.labels[-1] else self.label


@dataclass(frozen=True)
class Block:
    """A block of table 二: one 第二十条 item with its header and rows."""

    item: str                    # 第二十条第（一）项
    header: tuple[str, ...]      # 信息内容, then one label per value column
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]  # value columns; key "value" for single-value blocks
    unit: str = COUNT


@dataclass(frozen=True)
class Group:
    """A merged group heading of table 三 (（三）不予公开 …) or table 四."""

    key: str
    label: str
    parent: str | None = None    # label of a spanning heading (table 四: 行政诉讼)


@dataclass(frozen=True)
class Section:
    number: str                  # 一 … 六
    heading: str                 # the official heading, verbatim
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Format:
    """A complete report format: sections, three tables, notes."""

    key: str
    title: str
    issued_by: str
    sections: tuple[Section, ...]
    active_blocks: tuple[Block, ...]
    request_columns: tuple[Column, ...]
    request_rows: tuple[Row, ...]
    request_groups: tuple[Group, ...]
    request_note: str
    applicant_header: str
    appeal_groups: tuple[Group, ...]
    appeal_outcomes: tuple[Column, ...]
    appeal_headers: tuple[str, ...]
    cells: tuple[Cell, ...] = field(default=())

    @cached_property
    def _cell_index(self) -> dict[str, Cell]:
        return {c.key: c for c in self.cells}

    def cell(self, key: str) -> Cell:
        return self._cell_index[key]

    def cells_of(self, table: str) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.table == table)

    def request_row(self, key: str) -> Row:
        return next(r for r in self.request_rows if r.key == key)

    def rows_in_group(self, group: str) -> tuple[Row, ...]:
        return tuple(r for r in self.request_rows if r.group == group)


def derive_cells(fmt: Format) -> tuple[Cell, ...]:
    """Enumerate every input cell of the three tables, in table order."""
    cells: list[Cell] = []
    for block in fmt.active_blocks:
        for row in block.rows:
            for col in block.columns:
                key = f"active.{row.key}" if col.key == "value" else f"active.{row.key}.{col.key}"
                cells.append(Cell(key, "active", row.key, col.key, row.label, col.label, col.unit or block.unit))
    for row in fmt.request_rows:
        for col in fmt.request_columns:
            cells.append(Cell(f"requests.{row.key}.{col.key}", "requests", row.key, col.key,
                              row.label, col.label))
    for grp in fmt.appeal_groups:
        for out in fmt.appeal_outcomes:
            row_label = f"{grp.parent}·{grp.label}" if grp.parent else grp.label
            cells.append(Cell(f"appeals.{grp.key}.{out.key}", "appeals", grp.key, out.key,
                              row_label, out.label))
    return tuple(cells)
