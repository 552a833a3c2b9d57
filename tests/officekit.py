"""Department workbooks for the 政务公开办 tests (rollup, board, remind, cluster):
copies of the demo workbook as other agencies, each internally consistent."""
from __future__ import annotations

from pathlib import Path

from conftest import DEMO_2024, edited_copy
from nianbao.sources import load_report

BASE = load_report(DEMO_2024)
AGENCIES = ["示例市财政局", "示例市教育局", "示例市民政局", "示例市交通运输局", "示例市卫生健康委员会", "示例市商务局"]
#: The demo's requests narrative without "{新收申请总数比上年}" (it needs last year's workbook).
REQUESTS_TEXT = BASE.narrative["requests"].text.replace("{新收申请总数比上年}，", "")


def department(src: Path, dst: Path, i: int, agency: str) -> Path:
    """The demo workbook as another department: i more applications from
    natural persons, all disclosed (every 勾稽 identity still holds), its own
    fees, and "/" for regulations (departments make none)."""
    v = BASE.values
    cells = {"meta__agency": agency, "narrative__requests__text": REQUESTS_TEXT, "meta__email": f"dept{i}@example.gov.cn",
             "active__fees_wan_yuan": round(0.25 * i + 0.1, 2), "active__regulations__issued": "/"}
    if i <= 3:
        cells["active__regulations__repealed"] = "/"
    for row in ("new_received", "disclosed", "total_processed"):
        for col in ("natural_person", "total"):
            cells[f"requests__{row}__{col}"] = v[f"requests.{row}.{col}"] + i
    return edited_copy(src, dst, **cells)


def departments(folder: Path, n: int = 6) -> list[Path]:
    """``n`` department workbooks dept1.xlsx … in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [department(DEMO_2024, folder / f"dept{i}.xlsx", i, AGENCIES[i - 1]) for i in range(1, n + 1)]
