"""Place figures by their labels, using the format description as the only
source of labels (``nianbao.format``).

Each value row is matched against every official row label (and its
aliases) by how much of the label occurs in the text since the previous row;
the best pairs are taken first, each label and each value row once. A value
row no label claims, a row of the wrong width, or a cell that cannot be read
is reported, never guessed at; cells that ran together are split only when
the row's own sum leaves exactly one reading, and then flagged.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from ..format import COUNT, FORMAT, RESULT_ROWS, Format, Group, Row
from ..format.gov2019 import SIGNED
from ..values import Parsed, Value, parse_cell
from .normalize import coverage, key
from . import decode as D
from .segments import Seg


@dataclass
class Outcome:
    """Warnings for the clerk, and the reasons the import is not certain."""

    warnings: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    decoded: list[str] = field(default_factory=list)      # run-together cells split, and how
    narrative: Callable[[], str] = field(default=lambda: "", repr=False)   # the text outside the tables
    prior: dict[str, Value] | None = None                 # last year's figures, when given
    _numbers: set[int] | None = field(default=None, repr=False)

    @property
    def numbers(self) -> set[int]:
        """The narrative's figures (the tie-breaker), read only when a tie needs them."""
        if self._numbers is None:
            self._numbers = D.narrative_numbers(self.narrative())
        return self._numbers

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def doubt(self, msg: str) -> None:
        self.warnings.append(msg)
        self.uncertain.append(msg)

    def record(self, where: str, what: str, raw: str, values: list[int], identity: str) -> None:
        """A row whose run-together digits were split, and by which identity."""
        self.decoded.append(f"{where}：{what}“{raw}” → {'、'.join(map(str, values))}（依据：{identity}）")


def _label_keys(row: Row) -> list[str]:
    """The distinctive label of a row (its last label column) and aliases."""
    main = next((p for p in reversed(row.labels) if p), row.label)
    return [key(main)] + [key(a) for a in row.aliases]


def _score(keys: list[str], text: str) -> tuple[float, int]:
    best = (0.0, 0)
    for k in keys:
        ratio, found = coverage(k, text)
        if found >= min(len(k), 3) and (ratio, found) > best:
            best = (ratio, found)
    return best


#: How much label text before a row of figures is compared with the row
#: labels (key characters). The longest official label is under 50; real
#: tables have well under 100 between two rows (merged-cell fragments,
#: headers). Longer text (narrative that leaked into a table region) is only
#: read at its end, which keeps matching linear in the size of the source.
_BEFORE_TAIL = 300


@dataclass
class ValueRow:
    seg: Seg
    before: str          # label text since the previous value row (key form, its last _BEFORE_TAIL chars)
    _texts: list[str] = field(repr=False, default_factory=list)   # all table text, shared between rows
    _upto: int = 0

    @property
    def context(self) -> str:
        """All table text before this row (key form); built only when a row needs its header."""
        return key("".join(self._texts[:self._upto]))


def value_rows(segs: list[Seg]) -> list[ValueRow]:
    rows: list[ValueRow] = []
    since: list[str] = []
    ctx: list[str] = []
    for s in segs:
        if s.is_values:
            rows.append(ValueRow(s, key("".join(since))[-_BEFORE_TAIL:], ctx, len(ctx)))
            since = []
        elif "。" not in s.text:        # a sentence is narrative, never a row label or header
            since.append(s.text)
            ctx.append(s.text)
    return rows


def match_rows(vrows: list[ValueRow], candidates: dict[str, list[str]],
               threshold: float = 0.5) -> dict[int, str]:
    """Best-first assignment of value rows to labels: {value-row index: row key}."""
    pairs = []
    for i, vr in enumerate(vrows):
        for rk, keys in candidates.items():
            ratio, found = _score(keys, vr.before)
            if ratio >= threshold:
                pairs.append((ratio, found, -i, rk, i))
    pairs.sort(reverse=True)
    taken_rows: set[str] = set()
    out: dict[int, str] = {}
    for _, _, _, rk, i in pairs:
        if i in out or rk in taken_rows:
            continue
        out[i] = rk
        taken_rows.add(rk)
    # A label cut by a page break can continue after its figures ("3.危 0 0 …"
    # then "及“三安全一稳定”" on the next page): read the text up to the next
    # row too, but only for labels that fit between the neighbouring rows.
    order = list(candidates)
    pos = {rk: n for n, rk in enumerate(order)}
    n = len(vrows)
    # highest row position assigned before i / lowest after i (as first assigned)
    lo_at = [-1] * n
    hi_at = [len(order)] * n
    run = -1
    for i in range(n):
        lo_at[i] = run
        if i in out:
            run = max(run, pos[out[i]])
    run = len(order)
    for i in range(n - 1, -1, -1):
        hi_at[i] = run
        if i in out:
            run = min(run, pos[out[i]])
    for i, vr in enumerate(vrows):
        if i in out:
            continue
        lo, hi = lo_at[i], hi_at[i]
        after = vrows[i + 1].before if i + 1 < n else ""
        best = None
        for rk in order[lo + 1:hi]:
            if rk in taken_rows:
                continue
            ratio, found = _score(candidates[rk], vr.before + after)
            if ratio >= threshold and (best is None or (ratio, found) > best[0]):
                best = ((ratio, found), rk)
        if best:
            out[i] = best[1]
            taken_rows.add(best[1])
            lo_at_next = pos[best[1]]
            # a row placed here bounds the rows after it, as in the original
            # left-to-right scan
            for j in range(i + 1, n):
                if lo_at[j] >= lo_at_next:
                    break
                lo_at[j] = lo_at_next
    return out


def _label_of(vr: ValueRow) -> str:
    text = vr.before[-30:] if vr.before else "（无标签）"
    return f"“{text}”"


def _cells_text(vr: ValueRow) -> str:
    return " ".join(c or "（空）" for c in vr.seg.cells)


def _row_names(fmt: Format) -> dict[str, list[tuple[str, list[str]]]]:
    """Per table, (row name for messages, label keys) of every labelled row."""
    return {"表二": [(r.short_label, _label_keys(r)) for b in fmt.active_blocks for r in b.rows],
            "表三": [(r.short_label, _label_keys(r)) for r in fmt.request_rows]}


def _full_match(keys: list[str], text: str) -> bool:
    ratio, found = _score(keys, text)
    return ratio >= 0.99 and found >= 2


def unplaced(out: Outcome, table: str, vr: ValueRow, vrows: list[ValueRow], assigned: dict[int, str],
             own: dict[str, Row], fmt: Format = FORMAT) -> None:
    """Report a row of figures that could not be placed, saying what it looks like:

    the same row of this table a second time (two reports, or a table
    printed twice), a row of another table that sits in this table's part of
    the document (a heading not recognised), or just an unknown row.
    """
    where, cells = vr.seg.where, _cells_text(vr)
    for i, rk in sorted(assigned.items()):
        keys, name = _label_keys(own[rk]), next(p for p in reversed(own[rk].labels) if p)
        if _full_match(keys, vr.before) and len(vr.before) <= len(keys[0]) + 12:
            out.doubt(f"{where}：{table}“{name}”行的数字第二次出现（“{cells}”，第一次在{vrows[i].seg.where}）；"
                      f"来源中似乎有不止一份年度报告，或同一张表印了两次，未导入；请一份一份导入")
            return
    for other, rows in _row_names(fmt).items():
        if other == table:
            continue
        for name, keys in rows:
            if _full_match(keys, vr.before[-(len(keys[0]) + 12):]):
                out.doubt(f"{where}：{other}中的数字“{cells}”（“{name}”行）出现在{table}所在的部分，"
                          f"可能是章节标题没有识别出来，未导入")
                return
    out.doubt(f"{where}：{table}中的数字“{cells}”找不到所属的行（前面的文字是{_label_of(vr)}），未导入")


def _parse(cells: list[str | None], units: list[bool | str], where: str, what: str,
           out: Outcome) -> list[Value]:
    """Read cells; ``units`` per cell: False/COUNT (件), True/MONEY (万元) or
    gov2019.SIGNED (本年增/减, whole numbers that may be negative)."""
    vals: list[Value] = []
    for raw, u in zip(cells, units):
        if u == SIGNED:
            p = parse_signed(raw)
        else:
            p = parse_cell(raw, money=u is True or (isinstance(u, str) and u != COUNT))
        if p.error:
            out.doubt(f"{where}：{what}的单元格“{raw}”无法读取（{p.error}），已留空")
        vals.append(p.value)
    return vals


def parse_signed(raw: str | None) -> Parsed:
    """A 本年增/减 cell of the 2019 format: "-8", "−8", "+3", "3" (rule A5)."""
    if raw is None:
        return Parsed(None)
    t = unicodedata.normalize("NFKC", raw).strip().replace("−", "-").replace("－", "-")
    if re.fullmatch(r"[+-]?\d+", t):
        return Parsed(int(t))
    return parse_cell(raw)


#: The identities a run-together row can be decoded by (for the summary).
BY_ROW = "本行合计（总计 = 各栏之和）"
BY_COLUMNS = "各列勾稽关系（一 + 二 = （七）总计 + 四；（七）总计 = 各项办理结果之和）"
BY_GROUPS = "表四每栏合计（总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结）"
BY_DIGITS = "只有一种拆法"
BY_NARRATIVE = "正文中写明的数字"


def _joined(cells: list[str | None]) -> str:
    return " ".join(c if c is not None else "（空）" for c in cells)


def decode_options(cells: list[str | None], width: int,
                   totals: dict[int, list[int]] | None) -> list[list[int]] | None:
    """Readings of a row whose cells ran together, or None when the row needs
    no decoding. Raises decode.TooAmbiguous."""
    if not D.needs_decoding(cells, width):
        return None
    return D.readings(D.run_of(cells), width, totals)


def fit_width(cells: list[str | None], width: int, totals: dict[int, list[int]] | None,
              where: str, what: str, out: Outcome,
              keep: tuple[str, Callable[[list[int]], bool]] | None = None) -> list[str | None] | None:
    """Cells of exactly ``width``, or None (reported) when the row cannot be read.

    Digits that ran together are split by ``totals`` (cell → the cells it
    adds up), then by ``keep`` (an identity's name and test, e.g. the prior
    year's 现行有效件数), then by the narrative's figures as a tie-breaker; a
    unique reading is used and recorded in ``out.decoded``, several are listed.
    """
    try:
        opts = decode_options(cells, width, totals)
    except D.TooAmbiguous:
        out.doubt(f"{where}：{what}的数字连在一起（“{_joined(cells)}”），可能的拆法太多，无法逐一核对，未导入；"
                  f"请按原文逐格填写")
        return None
    if opts is None:
        if len(cells) == width:
            return cells
        out.doubt(f"{where}：{what}应有 {width} 个数，原文有 {len(cells)} 个（“{_joined(cells)}”），未导入")
        return None
    by = (BY_GROUPS if totals and len(totals) > 1 else BY_ROW) if totals else BY_DIGITS
    if keep is not None and len(opts) > 1:
        opts, by = [o for o in opts if keep[1](o)], keep[0]
    if len(opts) > 1:
        narrowed = D.by_narrative(opts, out.numbers)
        if len(narrowed) == 1:
            opts, by = narrowed, BY_NARRATIVE
    if len(opts) == 1:
        out.record(where, what, _joined(cells), opts[0], by)
        return [str(x) for x in opts[0]]
    if not opts:
        out.doubt(f"{where}：{what}应有 {width} 个数，原文是“{_joined(cells)}”，数字可能连在一起，"
                  f"但没有一种拆法符合{'本行合计' if totals else '格式'}，未导入")
        return None
    out.doubt(f"{where}：{what}的数字连在一起（“{_joined(cells)}”），有 {len(opts)} 种读法都符合表格的勾稽关系，"
              f"无法确定，未导入：{D.side_by_side([what], [[o] for o in opts[:6]])}"
              f"{'……' if len(opts) > 6 else ''}；请对照原文填写")
    return None


def order_by_header(labels: list[str], context: str) -> list[int] | None:
    """Column order as the header text gives it, when every label is found."""
    pos = []
    for lab in labels:
        p = context.rfind(key(lab))
        if p < 0:
            return None
        pos.append(p)
    order = sorted(range(len(labels)), key=lambda i: pos[i])
    return order


# --- table 二 -----------------------------------------------------------

#: Table 二 columns of rule B2 (continuity of 现行有效件数, 2021 format only).
CONTINUITY = ("issued", "repealed", "in_force")
BY_PRIOR = "上年现行有效件数 + 本年制发件数 − 本年废止件数 = 本年现行有效件数（上年报告）"


def _continuity(rk: str, in_source: list[str], prior: dict[str, Value] | None,
                fmt: Format) -> tuple[str, Callable[[list[int]], bool]] | None:
    """The prior-year identity for a run-together 规章 / 行政规范性文件 row, when
    the prior report gives last year's 现行有效件数 (rule B2)."""
    if not prior or fmt.key != FORMAT.key or sorted(in_source) != sorted(CONTINUITY):
        return None
    before = prior.get(f"active.{rk}.in_force")
    if not isinstance(before, int) or isinstance(before, bool):
        return None
    at = {k: i for i, k in enumerate(in_source)}
    return BY_PRIOR, lambda r: before + r[at["issued"]] - r[at["repealed"]] == r[at["in_force"]]


def place_active(segs: list[Seg], values: dict[str, Value], out: Outcome,
                 fmt: Format = FORMAT) -> None:
    blocks = {row.key: blk for blk in fmt.active_blocks for row in blk.rows}
    rows = {row.key: row for blk in fmt.active_blocks for row in blk.rows}
    vrows = value_rows(segs)
    assigned = match_rows(vrows, {k: _label_keys(r) for k, r in rows.items()})
    for i, vr in enumerate(vrows):
        rk = assigned.get(i)
        if rk is None:
            unplaced(out, "表二", vr, vrows, assigned, rows, fmt)
            continue
        blk, row = blocks[rk], rows[rk]
        cols = list(blk.columns)
        what = f"表二“{row.label}”行"
        named = bool(vr.seg.columns and all(vr.seg.columns))
        order = order_by_header([c.label for c in cols], vr.context) if not named and len(cols) > 1 else None
        in_source = list(vr.seg.columns) if named else [cols[i].key for i in (order or range(len(cols)))]
        cells = fit_width(vr.seg.cells, len(cols), None, vr.seg.where, what, out,
                          _continuity(rk, in_source, out.prior, fmt))
        if cells is None:
            continue
        if named:
            by = dict(zip(vr.seg.columns, cells))
            cells = [by.get(c.key) for c in cols]
        elif len(cols) > 1:
            if order is None:
                out.doubt(f"{vr.seg.where}：{what}之前找不到列标题"
                          f"（{'、'.join(c.label for c in cols)}），无法按标题核对列的顺序")
            elif order != list(range(len(cols))):
                out.warn(f"{vr.seg.where}：{what}的列顺序与标准格式不同，已按原文表头顺序读取")
                reordered: list[str | None] = [None] * len(cols)
                for pos, ci in enumerate(order):
                    reordered[ci] = cells[pos]
                cells = reordered
        vals = _parse(cells, [c.unit or blk.unit for c in cols], vr.seg.where, what, out)
        for col, v in zip(cols, vals):
            values[f"active.{rk}" if col.key == "value" else f"active.{rk}.{col.key}"] = v
    missing = [r for r in rows.values() if r.key not in assigned.values()]
    if len(assigned) == len(vrows):      # every row of figures placed: a label left over was printed empty
        text = key("".join(s.text for s in segs if not s.is_values))
        empty = [r for r in missing if any(k in text for k in _label_keys(r))]
        if empty:
            out.warn(f"表二中这些行原文只有标签、没有数字，已留空（不是 0），请核对："
                     + "、".join(f"“{r.short_label}”" for r in empty))
            missing = [r for r in missing if r not in empty]
    _report_missing(out, "表二", missing)
    _check_order(out, "表二", vrows, assigned, list(rows), strict=False)


# --- table 三 -----------------------------------------------------------

def other_group(fmt: Format = FORMAT) -> Group:
    """The result group a 2019-style source prints as one row: that of the
    last result row (（六）其他处理)."""
    key_ = next(r.group for r in fmt.request_rows if r.key == RESULT_ROWS[-1])
    return next(g for g in fmt.request_groups if g.key == key_)


def column_identity(fmt: Format = FORMAT) -> D.Column:
    """Table 三's column identities (note N-1 and rule C2) in row keys."""
    keys = [r.key for r in fmt.request_rows]
    total = next(r.key for r in fmt.request_rows if r.group and r.key not in RESULT_ROWS)
    return D.Column(new=keys[0], carried=keys[1], total=total, forward=keys[-1], results=tuple(RESULT_ROWS))


def _decode_table_three(pending: dict[str, tuple[ValueRow, str, list[list[int]]]],
                        fixed: dict[str, list[int]], fmt: Format,
                        out: Outcome) -> dict[str, list[str | None]]:
    """Rows whose run-together digits have several readings by their row sum:
    keep the combination the column identities leave, if it is the only one."""
    if not pending:
        return {}
    options = {rk: opts for rk, (_, _, opts) in pending.items()}
    names = [what for _, what, _ in pending.values()]
    try:
        survivors = D.solve_rows(options, fixed, column_identity(fmt))
    except D.TooAmbiguous:
        survivors = None
    by = BY_COLUMNS
    if survivors is not None and len(survivors) > 1:
        narrowed = [s for s in survivors if all(v in out.numbers for row in s.values() for v in row if v)]
        if len(narrowed) == 1:
            survivors, by = narrowed, f"{BY_COLUMNS}、{BY_NARRATIVE}"
    if survivors is not None and len(survivors) == 1:
        got = {}
        for rk, (vr, what, _) in pending.items():
            out.record(vr.seg.where, what, _joined(vr.seg.cells), survivors[0][rk], f"{BY_ROW}及{by}")
            got[rk] = [str(x) for x in survivors[0][rk]]
        return got
    where = "、".join(dict.fromkeys(vr.seg.where for vr, _, _ in pending.values()))
    if survivors is None:
        out.doubt(f"{where}：表三{'、'.join(names)}的数字连在一起，可能的读法组合太多，无法逐一核对，未导入；"
                  f"请按原文逐格填写")
    elif not survivors:
        out.doubt(f"{where}：表三{'、'.join(names)}的数字连在一起，按本行合计各有几种读法，"
                  f"但没有一种组合符合{BY_COLUMNS}，未导入："
                  + D.side_by_side(names, [[o[min(i, len(o) - 1)] for o in options.values()]
                                           for i in range(max(len(o) for o in options.values()))]))
    else:
        shown = survivors[:6]
        out.doubt(f"{where}：表三的数字连在一起，有 {len(survivors)} 种读法都符合本行合计和{BY_COLUMNS}，"
                  f"无法确定，未导入这些行；各种读法并列如下："
                  + D.side_by_side(names, [[s[rk] for rk in pending] for s in shown])
                  + ("……" if len(survivors) > 6 else "") + "；请对照原文填写")
    return {}


def _check_columns_aligned(rows: list[list[Value]], cols, out: Outcome) -> None:
    """A header read wrongly shifts every row by a column: the 总计 column is then
    empty in every row, or most rows no longer add up. Either is reported (the
    figures are kept as placed, for the clerk to compare with the source)."""
    if len(rows) < 3:
        return
    total = cols[-1].label
    if all(r[-1] is None for r in rows) and any(v is not None for r in rows for v in r[:-1]):
        out.doubt(f"表三每一行的“{total}”都是空的，而其他栏有数字：表头可能与数字错位，请对照原文核对各列")
        return
    nums = [r for r in rows if all(isinstance(v, int) and not isinstance(v, bool) for v in r)]
    bad = [r for r in nums if r[-1] != sum(r[:-1])]
    if len(nums) >= 3 and len(bad) * 2 > len(nums):
        out.doubt(f"表三 {len(nums)} 行中有 {len(bad)} 行的“{total}”不等于各栏之和：表头可能与数字错位，"
                  f"请对照原文核对各列")


def place_requests(segs: list[Seg], values: dict[str, Value], out: Outcome,
                   fmt: Format = FORMAT) -> dict[str, Value] | None:
    """Fill ``requests.*``; returns the （六）其他处理 one-row figures, if printed so.

    Rows whose digits ran together are split by their row sum; rows left with
    several readings are decided together by the column identities
    (``_decode_table_three``)."""
    cols = list(fmt.request_columns)
    totals = D.row_totals(len(cols))
    rows = {r.key: r for r in fmt.request_rows}
    vrows = value_rows(segs)
    assigned = match_rows(vrows, {k: _label_keys(r) for k, r in rows.items()})
    other = other_group(fmt)
    other_rows = [r.key for r in fmt.rows_in_group(other.key)]
    combined: dict[str, Value] | None = None
    ready: dict[str, tuple[ValueRow, str, list[str | None]]] = {}
    pending: dict[str, tuple[ValueRow, str, list[list[int]]]] = {}
    for i, vr in enumerate(vrows):
        rk = assigned.get(i)
        where = vr.seg.where
        if rk is None:
            if combined is None and not any(k in assigned.values() for k in other_rows) \
                    and coverage(key(other.label), vr.before)[0] >= 0.7:
                what = f"表三“{other.label}”行"
                cells = fit_width(vr.seg.cells, len(cols), totals, where, what, out)
                if cells is not None:
                    cells = _by_columns(vr.seg, cells, cols)
                    vals = _parse(cells, [False] * len(cols), where, what, out)
                    combined = {c.key: v for c, v in zip(cols, vals)}
                    out.warn(f"{where}：原文把“{other.label}”印成一行、没有分项（2019 年格式），"
                             f"已单独保存这一行的数字，三个分项留空")
                continue
            unplaced(out, "表三", vr, vrows, assigned, rows, fmt)
            continue
        row = rows[rk]
        what = f"表三“{row.short_label}”行"
        try:
            opts = decode_options(vr.seg.cells, len(cols), totals)
        except D.TooAmbiguous:
            opts = None
        if opts is not None and len(opts) > 1 and not vr.seg.columns:
            pending[rk] = (vr, what, opts)
            continue
        cells = fit_width(vr.seg.cells, len(cols), totals, where, what, out)
        if cells is not None:
            ready[rk] = (vr, what, _by_columns(vr.seg, cells, cols))
    fixed = {}
    for rk, (_, _, cells) in ready.items():
        if all(c is not None and c.isdigit() for c in cells):
            fixed[rk] = [int(c) for c in cells]
    for rk, cells in _decode_table_three(pending, fixed, fmt, out).items():
        ready[rk] = (pending[rk][0], pending[rk][1], cells)
    placed: list[list[Value]] = []
    for rk, (vr, what, cells) in ready.items():
        vals = _parse(cells, [False] * len(cols), vr.seg.where, what, out)
        placed.append(vals)
        for col, v in zip(cols, vals):
            values[f"requests.{rk}.{col.key}"] = v
    _check_columns_aligned(placed, cols, out)
    missing = [r for r in rows.values() if r.key not in assigned.values()]
    if combined is not None:
        missing = [r for r in missing if r.key not in other_rows]
    _report_missing(out, "表三", missing)
    _check_order(out, "表三", vrows, assigned, list(rows), strict=True)
    return combined


def _by_columns(seg: Seg, cells: list[str | None], cols) -> list[str | None]:
    if seg.columns and any(seg.columns):
        by = {c: v for c, v in zip(seg.columns, cells) if c}
        return [by.get(c.key) for c in cols]
    return cells


# --- table 四 -----------------------------------------------------------

def place_appeals(segs: list[Seg], values: dict[str, Value], out: Outcome,
                  fmt: Format = FORMAT) -> None:
    groups = list(fmt.appeal_groups)
    outcomes = list(fmt.appeal_outcomes)
    width = len(groups) * len(outcomes)
    vrows = value_rows(segs)
    group_keys = {g.key: [key(g.label)] for g in groups}
    placed = False
    per_group = match_rows(vrows, group_keys, threshold=0.99) if all(
        len(v.seg.cells) == len(outcomes) for v in vrows) and len(vrows) > 1 else {}
    for i, vr in enumerate(vrows):
        where = vr.seg.where
        if per_group:
            gk = per_group.get(i)
            if gk is None:
                out.doubt(f"{where}：表四中的数字“{' '.join(c or '（空）' for c in vr.seg.cells)}”"
                          f"找不到所属的栏目，未导入")
                continue
            g = next(g for g in groups if g.key == gk)
            vals = _parse(vr.seg.cells, [False] * len(outcomes), where, f"表四“{g.label}”", out)
            for o, v in zip(outcomes, vals):
                values[f"appeals.{gk}.{o.key}"] = v
            placed = True
            continue
        if placed:
            out.doubt(f"{where}：表四之后还有一行数字“{' '.join(c or '（空）' for c in vr.seg.cells)}”，"
                      f"无法归入表格，未导入")
            continue

        cells = fit_width(vr.seg.cells, width, D.group_totals(len(groups), len(outcomes)), where, "表四", out)
        if cells is None:
            continue
        placed = True
        if vr.seg.columns and all(vr.seg.columns):
            keys = list(vr.seg.columns)
        else:
            keys = _appeal_keys_from_header(vr.context, groups, outcomes, where, out)
        vals = _parse(cells, [False] * width, where, "表四", out)
        for k, v in zip(keys, vals):
            values[f"appeals.{k}"] = v
    if not placed:
        out.doubt("表四（行政复议、行政诉讼）没有找到数字")


def _appeal_keys_from_header(context: str, groups, outcomes, where: str, out: Outcome) -> list[str]:
    """Column keys of a flattened 15-cell row, from the header text before it."""
    gorder = order_by_header([g.label for g in groups], context)
    if gorder is None:
        out.warn(f"{where}：表四表头中找不到“{'”“'.join(g.label for g in groups)}”，按标准栏目顺序读取")
        gorder = list(range(len(groups)))
    elif gorder != list(range(len(groups))):
        out.warn(f"{where}：表四的栏目顺序与标准格式不同，已按原文表头顺序读取")
    first = context.find(key(outcomes[0].label))
    oorder = order_by_header([o.label for o in outcomes], context[first:] if first >= 0 else "")
    if oorder is None or first < 0:
        out.warn(f"{where}：表四表头的文字次序已打乱、无法逐列核对，"
                 f"按标准列序（{'、'.join(o.label for o in outcomes)}）读取")
        oorder = list(range(len(outcomes)))
    return [f"{groups[g].key}.{outcomes[o].key}" for g in gorder for o in oorder]


# --- shared -------------------------------------------------------------

def _report_missing(out: Outcome, table: str, missing: list[Row]) -> None:
    if missing:
        names = "、".join(f"“{r.short_label}”" for r in missing)
        out.doubt(f"{table}中没有找到这些行的数字，已留空：{names}")


def _check_order(out: Outcome, table: str, vrows: list[ValueRow], assigned: dict[int, str],
                 order: list[str], strict: bool) -> None:
    seq = [order.index(assigned[i]) for i in range(len(vrows)) if i in assigned]
    if any(b < a for a, b in zip(seq, seq[1:])):
        msg = f"{table}各行的先后次序与标准格式不同，已按行标签逐行放置"
        if strict:
            out.doubt(msg + "，请核对")
        else:
            out.warn(msg)
