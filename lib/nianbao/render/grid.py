"""The three fixed tables as grids of cells with row/column spans.

Built only from the format description, so the Word and HTML renderers draw
the very same merged cells and cannot disagree with each other or with the
official layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..figures import fmt_number
from ..format import OTHER_COMBINED, Format, Row
from ..model import Report
from ..values import NotApplicable, Value


@dataclass
class GridCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    header: bool = False          # a label, not a figure
    key: str | None = None        # report-JSON path of a figure cell


@dataclass
class Grid:
    """A table: ``cells`` are the origin cells of each (merged) area."""

    name: str                     # "active" | "requests" | "appeals"
    n_rows: int
    n_cols: int
    cells: list[GridCell] = field(default_factory=list)
    label_cols: int = 0           # how many leading columns hold row labels
    header_rows: int = 0

    def rows(self) -> list[list[GridCell]]:
        out: list[list[GridCell]] = [[] for _ in range(self.n_rows)]
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[c.row].append(c)
        return out

    def covered(self) -> dict[tuple[int, int], GridCell]:
        """Every grid position mapped to the cell that covers it."""
        out: dict[tuple[int, int], GridCell] = {}
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    if (r, k) in out:
                        raise ValueError(f"overlapping cells at {(r, k)} in {self.name}")
                    out[(r, k)] = c
        return out


def cell_text(value: Value) -> str:
    """A figure as printed: blank stays blank, "/" stays as typed."""
    if value is None:
        return ""
    if isinstance(value, NotApplicable):
        return str(value)
    return fmt_number(value)



def active_grid(report: Report, fmt: Format) -> Grid:
    """Table 二: four blocks, each an item row, a header row and value rows."""
    g = Grid("active", 0, 4, label_cols=1)
    r = 0
    for block in fmt.active_blocks:
        g.cells.append(GridCell(block.item, r, 0, colspan=4, header=True))
        r += 1
        span = 4 - len(block.header) + 1
        for i, label in enumerate(block.header):
            g.cells.append(GridCell(label, r, i, colspan=span if i == len(block.header) - 1 else 1,
                                    header=True))
        r += 1
        for row in block.rows:
            g.cells.append(GridCell(row.label, r, 0, header=True))
            for i, col in enumerate(block.columns):
                key = f"active.{row.key}" if col.key == "value" else f"active.{row.key}.{col.key}"
                last = i == len(block.columns) - 1
                g.cells.append(GridCell(cell_text(report.get(key)), r, 1 + i,
                                        colspan=(4 - len(block.columns)) if last else 1, key=key))
            r += 1
    g.n_rows = r
    return g


def other_combined_shown(report: Report, fmt: Format) -> bool:
    """Print （六）其他处理 as one row: the report was imported from a layout
    that has only that row (``other_combined``) and its three sub-rows are
    all blank, so printing them would lose the figures."""
    if not report.other_combined:
        return False
    return all(report.get(f"requests.{row.key}.{col.key}") is None
               for row in fmt.request_rows if row.group == "other"
               for col in fmt.request_columns)


def _request_rows(report: Report, fmt: Format) -> list[tuple[Row, str, dict | None]]:
    """Table 三's body rows as (row, key prefix, values or None for the report's own)."""
    if not other_combined_shown(report, fmt):
        return [(row, f"requests.{row.key}", None) for row in fmt.request_rows]
    out: list[tuple[Row, str, dict | None]] = []
    for row in fmt.request_rows:
        if row.group != "other":
            out.append((row, f"requests.{row.key}", None))
        elif not any(r.group == "other" for r, _, _ in out):
            # "三、本年度办理结果" | "（六）其他处理" spanning the last label column.
            combined = Row(OTHER_COMBINED, row.labels[:-1] + ("",), group="other")
            out.append((combined, OTHER_COMBINED, report.other_combined))
    return out


def requests_grid(report: Report, fmt: Format) -> Grid:
    """Table 三: the 勾稽 note top-left, nested applicant headers, 25 rows
    (23 when （六）其他处理 is printed as one row, see ``other_combined_shown``)."""
    body = _request_rows(report, fmt)
    n_label = max(len(r.labels) for r in fmt.request_rows)
    cols = fmt.request_columns
    g = Grid("requests", 3 + len(body), n_label + len(cols), label_cols=n_label,
             header_rows=3)
    g.cells.append(GridCell(fmt.request_note, 0, 0, rowspan=3, colspan=n_label, header=True))
    g.cells.append(GridCell(fmt.applicant_header, 0, n_label, colspan=len(cols), header=True))
    i = 0
    while i < len(cols):
        col = cols[i]
        if col.parent is None:
            g.cells.append(GridCell(col.label, 1, n_label + i, rowspan=2, header=True))
            i += 1
            continue
        j = i
        while j < len(cols) and cols[j].parent == col.parent:
            g.cells.append(GridCell(cols[j].label, 2, n_label + j, header=True))
            j += 1
        g.cells.append(GridCell(col.parent, 1, n_label + i, colspan=j - i, header=True))
        i = j
    rows = [row for row, _, _ in body]
    for ri, (row, prefix_key, values) in enumerate(body):
        r = 3 + ri
        for li in range(n_label):
            label = row.labels[li] if li < len(row.labels) else ""
            if not label:
                continue
            prefix = row.labels[:li + 1]
            if ri > 0 and rows[ri - 1].labels[:li + 1] == prefix:
                continue            # covered by the cell above
            rest_empty = all(not x for x in row.labels[li + 1:])
            colspan = n_label - li if rest_empty else 1
            rowspan = 1
            while (ri + rowspan < len(rows) and rows[ri + rowspan].labels[:li + 1] == prefix):
                rowspan += 1
            g.cells.append(GridCell(label, r, li, rowspan=rowspan, colspan=colspan, header=True))
        for ci, col in enumerate(cols):
            key = f"{prefix_key}.{col.key}"
            value = values.get(col.key) if values is not None else report.get(key)
            g.cells.append(GridCell(cell_text(value), r, n_label + ci, key=key))
    return g


def appeals_grid(report: Report, fmt: Format) -> Grid:
    """Table 四: 行政复议 and 行政诉讼 (two sub-groups), outcomes beneath."""
    outs = fmt.appeal_outcomes
    n = len(outs)
    g = Grid("appeals", 4, n * len(fmt.appeal_groups), header_rows=3)
    groups = fmt.appeal_groups
    i = 0
    while i < len(groups):
        grp = groups[i]
        c0 = i * n
        if grp.parent is None:
            g.cells.append(GridCell(grp.label, 0, c0, colspan=n, header=True))
            for k, out in enumerate(outs):
                g.cells.append(GridCell(out.label, 1, c0 + k, rowspan=2, header=True))
            i += 1
            continue
        j = i
        while j < len(groups) and groups[j].parent == grp.parent:
            g.cells.append(GridCell(groups[j].label, 1, j * n, colspan=n, header=True))
            for k, out in enumerate(outs):
                g.cells.append(GridCell(out.label, 2, j * n + k, header=True))
            j += 1
        g.cells.append(GridCell(grp.parent, 0, c0, colspan=(j - i) * n, header=True))
        i = j
    for gi, grp in enumerate(groups):
        for k, out in enumerate(outs):
            key = f"appeals.{grp.key}.{out.key}"
            g.cells.append(GridCell(cell_text(report.get(key)), 3, gi * n + k, key=key))
    return g


def build_grids(report: Report) -> dict[str, Grid]:
    fmt = report.format
    grids = {"active": active_grid(report, fmt), "requests": requests_grid(report, fmt),
             "appeals": appeals_grid(report, fmt)}
    for grid in grids.values():
        grid.covered()          # raises on overlaps: a broken format description
    return grids
