"""What is recognised of the 2019 试行 format (国办公开办函〔2019〕60号): only
the table-二 labels that differ from 2021, so an imported report that still
uses them can be flagged (rule E5). Reports are read and written in 2021 form.
"""
from __future__ import annotations

KEY = "gov-2019"
ISSUED_BY = "国办公开办函〔2019〕60号"

#: Table-二 labels that exist only in the 2019 format (report-format.md §1.9).
ACTIVE_LABELS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "其他对外管理服务事项", "政府集中采购")

#: Report meta keys the importer fills and the checker reads.
META_FORMAT_SEEN = "format_seen"
META_LABELS_2019 = "format_2019_labels"
