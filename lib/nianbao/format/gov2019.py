"""The 2019 试行 format (国办公开办函〔2019〕60号), as far as it differs from 2021.

Only table 二 differs (report-format.md §1.9): other columns (本年新制作数量 /
本年新公开数量 / 对外公开总数量; 上一年项目数量 / 本年增/减 / 处理决定数量),
the rows 其他对外管理服务事项 and 政府集中采购, and no unit on 采购总金额.
Tables 三 and 四 are the 2021 ones (a 2019 report prints （六）其他处理 as one
row; the model keeps that row as ``Report.other_combined``). The column keys
are deliberately none of the 2021 keys, so a 2019 figure can never land in a
2021 column: 对外公开总数量 is not 现行有效件数 (§1.9, cross-year checks).

``GOV_2019`` is used for reports imported from a 2019-format source
(``"format": "gov-2019"``); reports are still written in 2021 form.
"""
from __future__ import annotations

from dataclasses import replace

from .gov2021 import GOV_2021
from .spec import COUNT, MONEY, Block, Column, Row, derive_cells

KEY = "gov-2019"
ISSUED_BY = "国办公开办函〔2019〕60号"

#: Unit of the 本年增/减 cells: whole numbers that may be negative ("减用负值表示，如-8", rule A5).
SIGNED = "件（增减）"

_DOC_COLS = (Column("made", "本年新制作数量"), Column("published", "本年新公开数量"),
             Column("published_total", "对外公开总数量"))
_CHANGE = Column("change", "本年增/减", unit=SIGNED)
_PRIOR = Column("prior_items", "上一年项目数量")
_DECISION_COLS = (_PRIOR, _CHANGE, Column("decisions", "处理决定数量"))

ACTIVE_BLOCKS = (
    Block("第二十条第（一）项", ("信息内容",) + tuple(c.label for c in _DOC_COLS),
          (Row("regulations", ("规章",)),
           Row("normative_documents", ("规范性文件",), aliases=("行政规范性文件",))),
          _DOC_COLS),
    Block("第二十条第（五）项", ("信息内容",) + tuple(c.label for c in _DECISION_COLS),
          (Row("licensing", ("行政许可",)), Row("other_services", ("其他对外管理服务事项",))),
          _DECISION_COLS),
    Block("第二十条第（六）项", ("信息内容",) + tuple(c.label for c in _DECISION_COLS),
          (Row("penalties", ("行政处罚",)), Row("coercion", ("行政强制",))),
          _DECISION_COLS),
    Block("第二十条第（八）项", ("信息内容", _PRIOR.label, _CHANGE.label),
          (Row("fees", ("行政事业性收费",)),), (_PRIOR, _CHANGE)),
    Block("第二十条第（九）项", ("信息内容", "采购项目数量", "采购总金额"),
          (Row("procurement", ("政府集中采购",)),),
          (Column("items", "采购项目数量"), Column("amount", "采购总金额", unit=MONEY))),
)

GOV_2019 = replace(GOV_2021, key=KEY, title="中华人民共和国政府信息公开工作年度报告格式（试行）",
                   issued_by=ISSUED_BY, active_blocks=ACTIVE_BLOCKS, cells=())
GOV_2019 = replace(GOV_2019, cells=derive_cells(GOV_2019))

#: Table-二 labels that exist only in the 2019 format (report-format.md §1.9).
ACTIVE_LABELS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "其他对外管理服务事项", "政府集中采购")

#: Report meta keys the importer fills and the checker reads.
META_FORMAT_SEEN = "format_seen"
META_LABELS_2019 = "format_2019_labels"

__all__ = ["GOV_2019", "KEY", "ISSUED_BY", "SIGNED", "ACTIVE_BLOCKS", "ACTIVE_LABELS_2019",
           "META_FORMAT_SEEN", "META_LABELS_2019", "COUNT"]
