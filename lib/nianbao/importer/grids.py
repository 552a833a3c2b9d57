"""Real tables (HTML, Word) → segments, read from the table structure.

Rowspan/colspan are already expanded in the ``Grid``; data columns are
found by their header labels (自然人 … 总计, 结果维持 … under 行政复议 /
未经复议直接起诉 / 复议后起诉), so figures are placed by row *and* column label.
"""
from __future__ import annotations

import os

from ..format import FORMAT, formats
from .document import Grid, GridCell, Line
from .normalize import key, strip_cn_item
from .segments import Seg, is_cell


#: The start of table 三's first row label without its numeral (本年新收…),
#: and the words every block item of table 二 starts with (第二十条第（…）项).
_FIRST_REQUEST_ROW = strip_cn_item(key(FORMAT.request_rows[0].labels[0]))[1][:4]
_ACTIVE_ITEM = key(os.path.commonprefix([b.item for b in FORMAT.active_blocks])).rstrip("(")


def classify_grid(grid: Grid) -> str | None:
    """Which report table a grid is ("二", "三", "四"), or None for layout tables."""
    k = key(grid.text())
    if not any(is_cell(c.text) for row in grid.rows for c in row if c.text.strip()):
        return None
    if _FIRST_REQUEST_ROW in k or key(FORMAT.applicant_header) in k:
        return "三"
    if _ACTIVE_ITEM in k or any(key(r.label) in k for b in FORMAT.active_blocks for r in b.rows):
        return "二"
    if key(FORMAT.appeal_groups[0].label) in k and key(FORMAT.appeal_outcomes[0].label) in k:
        return "四"
    return None


def grid_lines(grid: Grid) -> list[Line]:
    out = []
    for r, row in enumerate(grid.rows, 1):
        texts = [c.text.strip() for c in row if c.origin and c.text.strip()]
        for t in texts:
            for part in t.splitlines():
                out.append(Line(part, f"{grid.where}第 {r} 行"))
    return out


def _value_like(c: GridCell) -> bool:
    return not c.text.strip() or is_cell(c.text.strip())


def grid_segments(grid: Grid, table: str) -> list[Seg]:
    if table == "三":
        return _requests(grid)
    if table == "四":
        return _appeals(grid)
    return _active(grid)


def _where(grid: Grid, r: int) -> str:
    return f"{grid.where}第 {r + 1} 行"


def _cell_text(c: GridCell) -> str | None:
    t = " ".join(c.text.split())
    return t or None


def _active(grid: Grid) -> list[Seg]:
    segs: list[Seg] = []
    header: dict[int, str] = {}
    colkeys = {key(c.label): c.key for f in formats().values() for b in f.active_blocks for c in b.columns}
    for r, row in enumerate(grid.rows):
        if not row:
            continue
        label = row[0].text
        rest = [(j, c) for j, c in enumerate(row) if j >= 1 and c.origin]
        if rest and all(_value_like(c) for _, c in rest) and key(label):
            cols = [header.get(j) for j, _ in rest]
            segs.append(Seg(_where(grid, r), text=label))
            segs.append(Seg(_where(grid, r), cells=[_cell_text(c) for _, c in rest],
                            columns=cols if all(cols) else None))
        else:
            texts = [c.text for c in row if c.origin and c.text.strip()]
            if texts:
                segs.append(Seg(_where(grid, r), text=" ".join(texts)))
            found = {j: colkeys[key(c.text)] for j, c in enumerate(row) if key(c.text) in colkeys}
            if found:
                header = found
    return segs


def _header_map(grid: Grid, first_data: int, labels: dict[str, str]) -> dict[int, str]:
    """Grid column → column key, from the most specific header cell above the data."""
    out: dict[int, str] = {}
    ncols = max(len(r) for r in grid.rows)
    for j in range(ncols):
        for r in range(first_data - 1, -1, -1):
            row = grid.rows[r]
            if j < len(row) and key(row[j].text) in labels:
                out[j] = labels[key(row[j].text)]
                break
    return out


def _requests(grid: Grid) -> list[Seg]:
    labels = {key(c.label): c.key for c in FORMAT.request_columns}
    first_data = next((r for r, row in enumerate(grid.rows)
                       if any(key(c.text).startswith(key(FORMAT.request_rows[0].labels[0])[:6])
                              for c in row)), None)
    if first_data is None:
        return []
    cmap = _header_map(grid, first_data, labels)
    data_cols = sorted(cmap)
    segs: list[Seg] = []
    pre = [c.text for row in grid.rows[:first_data] for c in row if c.origin and c.text.strip()]
    if pre:
        segs.append(Seg(_where(grid, 0), text=" ".join(pre)))
    if not data_cols:   # no header: the last seven columns, in the official order
        n = max(len(r) for r in grid.rows)
        data_cols = list(range(n - len(labels), n))
        cmap = {j: c.key for j, c in zip(data_cols, FORMAT.request_columns)}
    for r in range(first_data, len(grid.rows)):
        row = grid.rows[r]
        label_parts: list[str] = []
        for j, c in enumerate(row):
            if j < data_cols[0] and c.text.strip() and (not label_parts or label_parts[-1] != c.text):
                label_parts.append(c.text)
        cells = [row[j] for j in data_cols if j < len(row)]
        if not cells or not all(_value_like(c) for c in cells):
            if label_parts:
                segs.append(Seg(_where(grid, r), text=" ".join(label_parts)))
            continue
        segs.append(Seg(_where(grid, r), text=" ".join(label_parts)))
        segs.append(Seg(_where(grid, r), cells=[_cell_text(c) for c in cells],
                        columns=[cmap[j] for j in data_cols if j < len(row)]))
    return segs


def _appeals(grid: Grid) -> list[Seg]:
    segs: list[Seg] = []
    groups = {key(g.label): g.key for g in FORMAT.appeal_groups}
    outcomes = {key(o.label): o.key for o in FORMAT.appeal_outcomes}
    # per grid column, the last group / outcome header seen in the rows above
    col_group: dict[int, str] = {}
    col_outcome: dict[int, str] = {}
    for r, row in enumerate(grid.rows):
        if not row or not all(_value_like(c) for c in row) or not any(c.text.strip() for c in row):
            texts = [c.text for c in row if c.origin and c.text.strip()]
            if texts:
                segs.append(Seg(_where(grid, r), text=" ".join(texts)))
        else:
            cols: list[str | None] = []
            for j in range(len(row)):
                g, o = col_group.get(j), col_outcome.get(j)
                cols.append(f"{g}.{o}" if g and o else None)
            segs.append(Seg(_where(grid, r), cells=[_cell_text(c) for c in row],
                            columns=cols if all(cols) else None))
        for j, c in enumerate(row):
            k = key(c.text)
            if k in groups:
                col_group[j] = groups[k]
            if k in outcomes:
                col_outcome[j] = outcomes[k]
    return segs
