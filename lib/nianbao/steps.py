"""The annual job's steps, as the notebook calls them: read → check →
compare → render → list outputs. The notebook stays short and readable; the
work happens here, in plain functions an analyst can call one by one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .fsutil import atomic_write_json, atomic_write_text
from .model import Report

#: Output names inside the job folder (ASCII-safe; Chinese names live inside the files).
NAMES = {
    "checks_json": "checks.json",
    "checks_xlsx": "checks.xlsx",
    "report_docx": "report.docx",
    "report_html": "report.html",
    "report_pdf": "report.pdf",
    "compare_csv": "compare.csv",
    "charts": "charts",
    "steps": "steps.json",
}


class FiguresHaveErrors(Exception):
    """Raised in the notebook when the figures have errors and strict is on:
    the job stops before rendering (exit code 1)."""


@dataclass
class AnnualJob:
    workbook: str
    prior_workbook: str = ""
    output_dir: str = "out"
    formats: list[str] = field(default_factory=lambda: ["docx", "html", "pdf"])
    charts_from: str = ""            # charts drawn ahead by the runner (see prerender)
    report: Report | None = None
    prior: Report | None = None
    result: object | None = None
    files: dict = field(default_factory=dict)

    @property
    def out(self) -> Path:
        path = Path(self.output_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path

    # 一、读取 ------------------------------------------------------------
    def read(self) -> tuple[Report, Report | None]:
        from .sources import load_report

        self.report = load_report(self.workbook, documents=False)
        self.prior = load_report(self.prior_workbook) if self.prior_workbook else None
        return self.report, self.prior

    def overview(self) -> pd.DataFrame:
        r = self.report
        return pd.DataFrame({"项目": ["机关", "年度", "工作簿", "上年工作簿"],
                             "内容": [r.agency, r.year, self.workbook, self.prior_workbook or "（未提供）"]})

    # 二、校验 ------------------------------------------------------------
    def check(self):
        from .check import run_checks
        from .check.annotate import write_annotated

        self.result = run_checks(self.report, prior=self.prior)
        checks = self.out / NAMES["checks_json"]
        atomic_write_json(checks, self.result.to_dict())
        self.files["checks_json"] = checks.name
        write_annotated(self.workbook, self.result, self.out / NAMES["checks_xlsx"])
        self.files["checks_xlsx"] = NAMES["checks_xlsx"]
        self._save_steps()
        return self.result

    def findings(self) -> pd.DataFrame:
        df = self.result.to_frame()
        return df if len(df) else pd.DataFrame({"结果": ["未发现问题"]})

    def stop_if_errors(self, strict: bool = True) -> None:
        if self.result.has_errors and strict:
            n = self.result.summary.get("error", 0) if isinstance(self.result.summary, dict) else "若干"
            raise FiguresHaveErrors(
                f"数字有 {n} 处错误，已停止，未生成报告。请按输出文件夹中的标注副本 {NAMES['checks_xlsx']} "
                f"（红色单元格的批注和“校验结果”表）改正工作簿后重新运行。")

    # 三、与上年对比 ------------------------------------------------------
    def compare(self) -> pd.DataFrame:
        from .compare import year_over_year

        df = year_over_year(self.report, self.prior)
        path = self.out / NAMES["compare_csv"]
        atomic_write_text(path, df.to_csv(index=False))
        self.files["compare_csv"] = path.name
        return df

    def charts(self) -> dict[str, Path]:
        charts = self._prerendered() or self._draw_charts()
        self.files["charts"] = [str(Path(p).relative_to(self.out)) for p in charts.values()]
        self._charts = charts
        return charts

    def _draw_charts(self) -> dict[str, Path]:
        from .render import render_charts

        return render_charts(self.report, self.prior, self.out / NAMES["charts"])

    def _prerendered(self) -> dict[str, Path] | None:
        """Charts the runner drew ahead on another core, if drawn from these workbooks."""
        import os

        from .prerender import ready

        found = ready(self.charts_from, self.workbook, self.prior_workbook) if self.charts_from else None
        if not found:
            return None
        target = self.out / NAMES["charts"]
        target.mkdir(parents=True, exist_ok=True)
        moved = {}
        for name, path in found.items():
            os.replace(path, target / path.name)
            moved[name] = target / path.name
        return moved

    def show_charts(self):
        from IPython.display import Image, display

        for path in getattr(self, "_charts", {}).values():
            display(Image(filename=str(path), width=640))

    # 四、生成报告 --------------------------------------------------------
    def render(self) -> dict:
        from .render import docx_to_pdf, render_docx, render_html

        charts = getattr(self, "_charts", None)
        out = self.out
        if "docx" in self.formats or "pdf" in self.formats:
            render_docx(self.report, self.prior, out / NAMES["report_docx"], charts=charts)
            self.files["report_docx"] = NAMES["report_docx"]
        if "html" in self.formats:
            render_html(self.report, self.prior, out / NAMES["report_html"], charts=charts)
            self.files["report_html"] = NAMES["report_html"]
        if "pdf" in self.formats:
            docx_to_pdf(out / NAMES["report_docx"], out / NAMES["report_pdf"])
            self.files["report_pdf"] = NAMES["report_pdf"]
        self._save_steps()
        return self.files

    # 五、输出清单 --------------------------------------------------------
    def outputs(self) -> pd.DataFrame:
        rows = []
        for kind, name in self.files.items():
            for n in (name if isinstance(name, list) else [name]):
                p = self.out / n
                rows.append({"类别": kind, "文件": n, "大小（字节）": p.stat().st_size if p.exists() else None})
        self._save_steps()
        return pd.DataFrame(rows)

    def _save_steps(self) -> None:
        """What the notebook produced, for the runner to summarise in results.json."""
        summary = self.result.summary if self.result is not None else {}
        atomic_write_json(self.out / NAMES["steps"], {"files": self.files, "summary": summary})
