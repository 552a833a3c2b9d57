"""A finding: what a clerk needs to fix one problem in a minute.

The fingerprint hashes the rule ID and the subject (cell keys), never the
values, so a reviewer's acceptance survives corrections elsewhere.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from ..workbook.layout import places
from .rule import SEVERITY_ZH

OPEN = "open"
ACCEPTED = "accepted"
STATUS_ZH = {OPEN: "待处理", ACCEPTED: "已说明"}


def fingerprint(rule_id: str, subject: str) -> str:
    return hashlib.sha256(f"{rule_id}|{subject}".encode("utf-8")).hexdigest()[:12]


#: Things an imported document has that no workbook cell holds.
_DOCUMENT_PARTS = {"meta.title": "报告标题", "meta.headings": "报告各部分的标题", "meta.period": "统计期限的说明",
                   "format": "报告表格的格式"}


def cell_ref(key: str) -> str:
    """Staff-facing reference of a report key (``依申请公开!J4``; for a part of
    an imported document, its name)."""
    p = places().get(key)
    return p.ref if p else _DOCUMENT_PARTS.get(key, key)


@dataclass
class Finding:
    rule: str
    severity: str
    title: str
    message: str
    formula: str
    keys: list[str]
    cells: list[str]
    expected: Any = None
    actual: Any = None
    difference: Any = None
    left: str = ""
    right: str = ""
    fingerprint: str = ""
    status: str = OPEN
    reason: str = ""                          # the reviewer's explanation, if accepted
    notes: list[str] = field(default_factory=list)

    @property
    def severity_zh(self) -> str:
        return SEVERITY_ZH[self.severity]

    @property
    def location(self) -> str:
        """The cells, shortened for a terminal line when there are many."""
        if len(self.cells) > 6:
            return "、".join(self.cells[:3]) + f" … {self.cells[-1]}（共 {len(self.cells)} 格）"
        return "、".join(self.cells)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: odd cell contents (dates, objects) become their text."""
        d = asdict(self)
        for k in ("expected", "actual", "difference"):
            if not isinstance(d[k], (int, float, str, bool, type(None))):
                d[k] = str(d[k])
        return d
