"""The files a job writes into its package, by kind (ASCII-safe names; the
Chinese names live inside the files), and how the notebook lists them.

A module of its own so that the command line can name the outputs without
importing the notebook's libraries (pandas, matplotlib).
"""

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

#: How the outputs are called in the notebook's listing.
KIND_ZH = {"checks_json": "校验结果（JSON）", "checks_xlsx": "标注副本", "report_docx": "报告 Word",
           "report_html": "报告网页", "report_pdf": "报告 PDF", "compare_csv": "与上年对比表",
           "charts": "图表"}
