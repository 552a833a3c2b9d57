"""The annual job's steps, as the notebook calls them: read → check →
compare → (the notebook draws its charts) → render → list outputs.

The library keeps the work; the notebook keeps the decisions an analyst may
change. In particular the notebook's chart cells build ``charts`` (an ordered
title → matplotlib Figure mapping, see ``nianbao.charts``) and
``AnnualJob.render(charts)`` publishes exactly that mapping, in that order, in
Word, HTML and PDF — nothing else reaches the report's figures.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import pandas as pd

from .fsutil import atomic_write_json, atomic_write_text, sha256_file
from .model import Report

from .outputnames import KIND_ZH, NAMES  # noqa: E402,F401  (re-exported: steps.NAMES)


class FiguresHaveErrors(Exception):
    """Raised in the notebook when the figures have errors and strict is on:
    the job stops before rendering (exit code 1)."""


def local_rule(id: str, severity: str, title_zh: str, formula_zh: str, *, needs_prior: bool = False):
    """Register a rule from a notebook cell (a province's stricter deadline,
    a local indicator that must be reported …).

    Decorates ``func(ctx) -> Iterable[Hit]`` exactly like the built-in
    ``nianbao.check.registry.rule``; re-running the cell replaces the rule of
    the same ``id`` instead of failing. Its findings go into the findings
    table, checks.json, checks.xlsx and the exit code like built-in ones, so
    the cell must run before the 校验 step. Use an ID outside A–G (e.g. "L1").
    """
    from .check.registry import register
    from .check.rule import Rule

    def wrap(func):
        register(Rule(id, severity, title_zh, formula_zh, func, needs_prior, "LOCAL"), replace=True)
        return func
    return wrap


def _cell(v) -> str:
    from .figures import fmt_number

    if v is None or (isinstance(v, float) and v != v):
        return ""
    return fmt_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def view(df: pd.DataFrame, index: bool = False):
    """A DataFrame as the notebook shows it (and notebook.html prints it):
    numbers as typed (70, 3.62 — never 70.000000), blank for none, and no
    0, 1, 2 … index column unless ``index`` (row labels). The frame itself
    is ``.data`` of the returned pandas Styler."""
    styler = df.style.format(_cell)
    words = [c for c in df.columns
             if not all(isinstance(v, (int, float)) or v is None for v in df[c])]
    if words:
        styler = styler.set_properties(subset=words, **{"text-align": "left"})
    styler = styler.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}])
    if not index:
        styler = styler.hide(axis="index")
    return styler


@dataclass
class AnnualJob:
    workbook: str
    prior_workbook: str = ""
    output_dir: str = "out"
    formats: list[str] = field(default_factory=lambda: ["docx", "html", "pdf"])
    notebook: str = ""               # the notebook that runs (for the record), if known
    report: Report | None = None
    prior: Report | None = None
    result: object | None = None
    files: dict = field(default_factory=dict)
    pdf: dict | None = None          # the PDF conversion: fonts embedded, substitutes (render.pdf)

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
        self._save_steps()
        return self.report, self.prior

    def overview(self) -> pd.DataFrame:
        """机关、年度、输入文件 and what produced this run (version, SHA-256)."""
        p = self.provenance()
        rows = [("机关", self.report.agency), ("年度", str(self.report.year)),
                ("本年工作簿", f"{self.workbook}（SHA-256 {p['workbook_sha256'][:16]}…）"),
                ("上年工作簿", f"{self.prior_workbook}（SHA-256 {p['prior_sha256'][:16]}…）"
                 if self.prior_workbook else "（未提供）"),
                ("笔记本", f"{self.notebook}（SHA-256 {p['notebook_sha256'][:16]}…）"
                 if p.get("notebook_sha256") else "（在 Jupyter 中直接运行）"),
                ("nianbao 版本", p["nianbao"]), ("报告格式", "、".join(self.formats))]
        return view(pd.DataFrame(rows, columns=["项目", "内容"]))

    def provenance(self) -> dict:
        """nianbao version and the SHA-256 of the inputs and of the notebook
        that runs (``notebook``), for the executed notebook and results.json."""
        from . import __version__

        nb = Path(self.notebook) if self.notebook else None
        return {"nianbao": __version__,
                "workbook": str(self.workbook), "workbook_sha256": sha256_file(self.workbook),
                "prior_workbook": str(self.prior_workbook) or None,
                "prior_sha256": sha256_file(self.prior_workbook) if self.prior_workbook else None,
                "notebook": str(nb) if nb else None,
                "notebook_sha256": sha256_file(nb) if nb and nb.is_file() else None}

    def table(self, name: str) -> pd.DataFrame:
        """Table "active" (二), "requests" (三) or "appeals" (四) for reading:
        official labels, whole numbers as integers, no key index."""
        df = self.report.table(name)
        if name == "requests":      # 三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密
            from .format import FORMAT

            df.index = pd.MultiIndex.from_tuples([row.labels for row in FORMAT.request_rows])
        else:
            df.index.name = "项目"
        return view(df, index=True)

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
        """The findings in Chinese columns: 规则, 级别, 名称, 说明, 位置."""
        from .check.rule import SEVERITY_ZH

        fs = self.result.findings
        if not fs:
            return view(pd.DataFrame({"结果": ["未发现问题"]}))
        return view(pd.DataFrame([{"规则": f.rule, "级别": SEVERITY_ZH.get(f.severity, f.severity),
                              "名称": f.title, "说明": f.message, "位置": f.location} for f in fs]))

    def stop_if_errors(self, strict: bool = True) -> None:
        if self.result.has_errors and strict:
            n = self.result.summary.get("error", 0) if isinstance(self.result.summary, dict) else "若干"
            raise FiguresHaveErrors(
                f"数字有 {n} 处错误，已停止，未生成报告。请按输出文件夹中的标注副本 {NAMES['checks_xlsx']} "
                f"（红色单元格的批注和“校验结果”表）改正工作簿后重新运行。")

    # 三、与上年对比 ------------------------------------------------------
    def compare(self) -> pd.DataFrame:
        from .compare import year_over_year
        from .csvout import csv_text

        df = year_over_year(self.report, self.prior)
        atomic_write_text(self.out / NAMES["compare_csv"], csv_text(df))
        self.files["compare_csv"] = NAMES["compare_csv"]
        return view(df)

    # 四、生成报告 --------------------------------------------------------
    def render(self, charts: dict | None = None) -> pd.DataFrame:
        """Publish the report with exactly ``charts`` (title → Figure, in
        order; a ``ChartSet``'s ``omitted`` titles are mentioned as left out).
        Returns the list of report files."""
        from . import charts as charts_mod
        from .render import docx_to_pdf, render_docx, render_html
        from .render.chartpng import write_svg

        charts = charts if charts is not None else {}
        folder, out = self.out / NAMES["charts"], self.out
        html = "html" in self.formats
        images = charts_mod.save(charts, folder, svg=False)        # the PNGs Word needs
        left_out = charts_mod.omitted(charts)
        self._chart_files(images)
        # LibreOffice makes the PDF in its own process while this one draws the
        # SVGs and writes the HTML; a failure of either is raised here all the same
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-pdf") as background:
            pdf = None
            if "docx" in self.formats or "pdf" in self.formats:
                render_docx(self.report, self.prior, out / NAMES["report_docx"], charts=images, omitted=left_out)
                self.files["report_docx"] = NAMES["report_docx"]
                if "pdf" in self.formats:
                    pdf = background.submit(docx_to_pdf, out / NAMES["report_docx"], out / NAMES["report_pdf"])
            if html:
                images = [replace(img, svg=write_svg(fig, img.png.with_suffix(".svg")))   # beside chart-N.png
                          for img, fig in zip(images, charts.values())]
                render_html(self.report, self.prior, out / NAMES["report_html"], charts=images, omitted=left_out)
                self.files["report_html"] = NAMES["report_html"]
            if pdf is not None:
                self.pdf = pdf.result().to_dict()
                self.files["report_pdf"] = NAMES["report_pdf"]
        self._chart_files(images)
        self._save_steps()
        rows = [(KIND_ZH[k], self.files[k]) for k in ("report_docx", "report_html", "report_pdf") if k in self.files]
        if self.pdf:
            from .render.pdf import fonts_summary

            rows.append(("PDF 字体", fonts_summary(self.pdf)))
        rows += [("图表", f"图{i} {img.title}") for i, img in enumerate(images, 1)]
        rows += [("未收入的图表（各项均为 0）", t) for t in left_out]
        return view(pd.DataFrame(rows, columns=["类别", "内容"]))

    def _chart_files(self, images) -> None:
        self.files["charts"] = [str(p.relative_to(self.out)) for img in images
                                for p in (img.png, img.svg) if p is not None]

    # 五、输出清单 --------------------------------------------------------
    def outputs(self) -> pd.DataFrame:
        rows = []
        for kind, name in self.files.items():
            for n in (name if isinstance(name, list) else [name]):
                p = self.out / n
                rows.append({"类别": KIND_ZH.get(kind, kind), "文件": n,
                             "大小（字节）": p.stat().st_size if p.exists() else ""})
        self._save_steps()
        return view(pd.DataFrame(rows))

    def _save_steps(self) -> None:
        """What the notebook produced, for the runner to summarise in results.json."""
        summary = self.result.summary if self.result is not None else {}
        atomic_write_json(self.out / NAMES["steps"],
                          {"files": self.files, "summary": summary, "provenance": self.provenance(),
                           "pdf": self.pdf})
