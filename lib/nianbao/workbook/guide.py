"""The 填报说明 sheet: how to fill in, the 勾稽 note, deadlines, and the rules
the checker applies (listed from the checker's own registry)."""
from __future__ import annotations

from ..format import FORMAT
from . import layout, styles

INTRO = [
    ("title", "政府信息公开工作年度报告填报工作簿"),
    ("text", f"本工作簿按 {FORMAT.issued_by}《{FORMAT.title}》编制。填好后由 nianbao 校验数字、生成报告（Word、网页、PDF）并发送签发。"),
    ("head", "怎样填写"),
    ("text", "1. 只有浅黄色单元格可以填写，灰色和蓝色是标签，已锁定。请不要插入或删除行列，不要改工作表名称。"),
    ("text", "2. 先填“基本信息”：机关全称、机关类型（部门 / 人民政府）、报告年度、联系方式、计划发布日期、签发人邮箱。"),
    ("text", "3. “主动公开”“依申请公开”“复议诉讼”三张表与国家格式完全一致。件数填整数，没有就填 0，不要留空；本机关没有该职能的，可填“/”。收费金额单位为万元，可有小数。"),
    ("text", f"4. “依申请公开”表每一列都要满足勾稽关系{FORMAT.request_note}。表格下方和右侧的 ✓ / ✗ 会即时提示；这些提示只供参考，nianbao 会重新计算。"),
    ("text", "5. “工作指标”填写正文要引用的工作数字（门户网站发布信息、政策解读等），可增加本机关的指标。"),
    ("text", "6. “文字材料”填写报告正文：总体情况的开篇段落和（一）至（五）五个方面、五、存在的主要问题及改进情况、六、其他需要报告的事项。正文中的数字可用占位符自动引用表格，如 {新收申请总数}。不要照搬上年的文字。"),
    ("text", "7. 新的一年请用 nianbao new --prior 上年工作簿.xlsx 生成工作簿：机关信息和指标名称自动带入，“二、上年结转”自动取上年“四、结转下年度继续办理”。"),
    ("head", "公布时限（《政府信息公开条例》第四十九条）"),
    ("text", "县级以上人民政府部门：每年 1 月 31 日前向本级政府信息公开工作主管部门提交并向社会公布上一年度报告。"),
    ("text", "县级以上地方人民政府：其政府信息公开工作主管部门于每年 3 月 31 日前公布本级政府上一年度报告。"),
    ("text", "统计期限为上一年 1 月 1 日至 12 月 31 日。"),
]


def _rules() -> list[tuple[str, str, str, str]]:
    try:
        from ..check import list_rules
    except ImportError:
        return []
    rows = []
    for r in list_rules():
        formula = r["formula"]
        for also in r.get("also", []):
            formula += f"\n{SEVERITY_ZH[also['severity']]}：{also['when']}"
        if r.get("applies"):
            formula += f"\n适用范围：{r['applies']}"
        rows.append((r["id"], SEVERITY_ZH.get(r["severity"], r["severity"]), r["title"], formula))
    return rows


SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
#: Points per printed line of 11-pt text, and the widths (in Excel character units) of the columns.
LINE_PT = 15
WIDTHS = {"A": 7, "B": 7, "C": 30, "D": 86}


def text_lines(text: str, width: float) -> int:
    """Printed lines of ``text`` wrapped in a column ``width`` characters wide (a CJK character
    takes two width units, ASCII one), so rows can be made tall enough to print without overlap."""
    lines = 0
    for para in str(text).split("\n"):
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in para)
        lines += max(1, -(-int(units * 1.1) // max(1, int(width))))
    return lines


def write_guide(ws) -> None:
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    full = sum(WIDTHS.values())
    r = 1
    for kind, text in INTRO:
        cell = ws.cell(r, 1, text)
        if kind == "title":
            cell.font = styles.TITLE_FONT
            ws.row_dimensions[r].height = 28
        elif kind == "head":
            cell.font = styles.HEAD_FONT
            ws.row_dimensions[r].height = 22
        else:
            cell.font = styles.LABEL_FONT
            cell.alignment = styles.LEFT
            ws.row_dimensions[r].height = LINE_PT * text_lines(text, full) + 4
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        r += 1
    rules = _rules()
    if rules:
        r += 1
        ws.cell(r, 1, "校验规则（nianbao check 逐条检查）").font = styles.HEAD_FONT
        r += 1
        for c, text in enumerate(("规则", "级别", "名称", "公式或说明"), 1):
            styles.label(ws.cell(r, c, text), head=True)
        ws.print_title_rows = f"{r}:{r}"
        for row in rules:
            r += 1
            for c, text in enumerate(row, 1):
                cell = ws.cell(r, c, text)
                styles.label(cell, align=styles.LEFT)
            ws.row_dimensions[r].height = LINE_PT * max(
                text_lines(text, WIDTHS[col]) for col, text in zip("ABCD", row)) + 4
    ws.protection.sheet = True
    _ = layout  # sheet names referenced in the text above
