"""What an import hands back: the report, the warnings, whether it is certain,
and a short Chinese summary of the figures per section."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import InputError, Problem
from ..model import Report
from ..values import NotApplicable

_KIND = {"txt": "文本", "html": "网页", "docx": "Word", "pdf": "PDF", "json": "报告 JSON"}


_PICKS = (
    ("active", "二、主动公开", (
        ("行政规范性文件·本年制发件数", "active.normative_documents.issued"),
        ("行政许可", "active.licensing_decisions"),
        ("行政处罚", "active.penalty_decisions"),
        ("行政事业性收费（万元）", "active.fees_wan_yuan"))),
    ("requests", "三、依申请公开", (
        ("本年新收申请·总计", "requests.new_received.total"),
        ("上年结转·总计", "requests.carried_over.total"),
        ("办理结果（七）总计", "requests.total_processed.total"),
        ("结转下年度·总计", "requests.carried_forward.total"))),
    ("appeals", "四、复议诉讼", (
        ("行政复议·总计", "appeals.review.total"),
        ("未经复议直接起诉·总计", "appeals.litigation_direct.total"),
        ("复议后起诉·总计", "appeals.litigation_after_review.total"))),
)


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

    @property
    def uncertain(self) -> bool:
        return bool(self.reasons)

    def summary_frame(self) -> pd.DataFrame:
        """Figures per section: filled / blank / "not applicable" cells and key totals."""
        r = self.report
        rows = []
        for table, name, picks in _PICKS:
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
                rows.append({"部分": name, "项目": "（六）其他处理（一行）·总计",
                             "数值": str(r.other_combined.get("total"))})
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
