"""What an import hands back: the report, the warnings, whether it is certain,
and a short Chinese summary of the figures per section."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import InputError, Problem
from ..format import COUNT, FORMAT, RESULT_ROWS, Format, Row
from .tables import other_group
from ..model import Report
from ..values import NotApplicable

_KIND = {"txt": "文本", "html": "网页", "docx": "Word", "pdf": "PDF", "json": "报告 JSON"}


#: Which section of the format holds each table (tables 二, 三, 四).
TABLE_SECTIONS = {"active": "二", "requests": "三", "appeals": "四"}


def _last_label(row: Row) -> str:
    return next(p for p in reversed(row.labels) if p)


def _pick_label(name: str, column: str) -> str:
    return name if name.endswith(column) else f"{name}·{column}"


def summary_picks(fmt: Format = FORMAT) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(table, section heading, [(label, cell key)]) of the figures the summary
    shows, all taken from the format: every row of table 二 (its first
    column), the rows of table 三 outside the result groups plus （七）总计
    (its total column), and the total of each group of table 四."""
    heading = {s.number: s.heading for s in fmt.sections}
    active = []
    for blk in fmt.active_blocks:
        col = blk.columns[0]
        for row in blk.rows:
            if col.key == "value":
                unit = "" if blk.unit == COUNT else f"（{blk.unit}）"
                active.append((row.label + unit, f"active.{row.key}"))
            else:
                active.append((_pick_label(row.label, col.label), f"active.{row.key}.{col.key}"))
    total = fmt.request_columns[-1]
    result_rows = {r.key for r in fmt.request_rows if r.group} - set(RESULT_ROWS)
    requests = [(_pick_label(_last_label(r), total.label), f"requests.{r.key}.{total.key}")
                for r in fmt.request_rows if not r.group or r.key in result_rows]
    last = fmt.appeal_outcomes[-1]
    appeals = [(_pick_label(g.label, last.label), f"appeals.{g.key}.{last.key}") for g in fmt.appeal_groups]
    return [("active", heading[TABLE_SECTIONS["active"]], active),
            ("requests", heading[TABLE_SECTIONS["requests"]], requests),
            ("appeals", heading[TABLE_SECTIONS["appeals"]], appeals)]


def _width(s: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


@dataclass
class ImportResult:
    report: Report
    source: str
    kind: str
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)   # why the import is not certain
    decoded: list[str] = field(default_factory=list)   # run-together cells split, and by which identity

    @property
    def uncertain(self) -> bool:
        return bool(self.reasons)

    def summary_frame(self) -> pd.DataFrame:
        """Figures per section: filled / blank / "not applicable" cells and key totals."""
        r = self.report
        rows = []
        for table, name, picks in summary_picks(r.format):
            cells = r.format.cells_of(table)
            vals = [r.values.get(c.key) for c in cells]
            na = sum(isinstance(v, NotApplicable) for v in vals)
            blank = sum(v is None for v in vals)
            rows.append({"部分": name, "项目": "单元格", "数值":
                         f"共 {len(vals)}，有数 {len(vals) - na - blank}，空白 {blank}，“/”等 {na}"})
            for label, k in picks:
                v = r.values.get(k)
                rows.append({"部分": name, "项目": label, "数值": "（空）" if v is None else str(v)})
            if table == "requests" and r.other_combined is not None:
                other, total = other_group(r.format), r.format.request_columns[-1]
                rows.append({"部分": name, "项目": f"{other.label}（一行）·{total.label}",
                             "数值": str(r.other_combined.get(total.key))})
        heads = r.meta.get("headings") or []
        rows.append({"部分": "正文", "项目": "找到的标题", "数值": f"{len(heads)} 个"})
        filled = [k for k, t in r.narrative.items() if t.text]
        rows.append({"部分": "正文", "项目": "已读入的文字部分", "数值": f"{len(filled)} 个"})
        return pd.DataFrame(rows, columns=["部分", "项目", "数值"])

    def render_summary(self) -> str:
        r = self.report
        head = (f"导入：{self.source}（{_KIND.get(self.kind, self.kind)}）\n"
                f"机关：{r.agency or '（未识别）'}　年度：{r.year or '（未识别）'}")
        df = self.summary_frame()
        lines = [head, ""]
        width = max(_width(s) for s in df["项目"]) + 2
        part = None
        for _, row in df.iterrows():
            if row["部分"] != part:
                part = row["部分"]
                lines.append(part)
            lines.append(f"  {row['项目']}{' ' * (width - _width(row['项目']))}{row['数值']}")
        lines.append("")
        if self.decoded:
            lines.append(f"连在一起的数字已按表格的勾稽关系拆分（{len(self.decoded)} 行，请对照原文核对）：")
            lines.extend(f"  - {d}" for d in self.decoded)
            lines.append("")
        if self.warnings:
            lines.append(f"提示（{len(self.warnings)} 条）：")
            lines.extend(f"  - {w}" for w in self.warnings)
        else:
            lines.append("没有提示。")
        lines.append("")
        lines.append("结论：导入不确定，请核对上面标出的问题" if self.uncertain else "结论：全部数字已按行标签放置")
        return "\n".join(lines)


class UncertainImport(InputError):
    """The import could not place every figure with certainty (exit code 2).

    Carries the result so the caller can still show the summary; pass
    ``accept_uncertain=True`` (``--accept-uncertain``) to use it anyway.
    """

    def __init__(self, result: ImportResult):
        self.result = result
        problems = [Problem("import-uncertain", reason, file=result.source) for reason in result.reasons]
        problems.append(Problem("import-uncertain", "导入结果不确定，未写出", file=result.source,
                                fix="核对原文后改正，或确认无误后加 --accept-uncertain 仍然导入"))
        super().__init__(problems)
