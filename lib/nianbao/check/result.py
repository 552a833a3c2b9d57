"""The outcome of one check run: findings plus which rules ran.

Kept free of pandas until a frame is asked for, so the CLI's hot path stays
as cheap as the rules themselves.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .finding import ACCEPTED, STATUS_ZH, Finding
from .rule import ERROR, INFO, SEVERITIES, WARNING

RUN = "run"
NOT_RUN = "not_run"
DUPLICATE = "duplicate"
FAILED = "failed"


@dataclass
class RuleRun:
    rule: str
    status: str                  # run | not_run | duplicate | failed
    reason: str = ""
    notes: list[str] = field(default_factory=list)


FRAME_COLUMNS = ["rule", "severity", "title", "message", "formula", "cells", "keys", "expected",
                 "actual", "difference", "left", "right", "fingerprint", "status", "reason"]


@dataclass
class CheckResult:
    findings: list[Finding]
    runs: list[RuleRun]
    agency: str = ""
    year: int | None = None

    # --- counts ---------------------------------------------------------
    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def errors(self) -> list[Finding]:
        return self.by_severity(ERROR)

    @property
    def warnings(self) -> list[Finding]:
        return self.by_severity(WARNING)

    def of_rule(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule_id]

    def run_of(self, rule_id: str) -> RuleRun | None:
        return next((r for r in self.runs if r.rule == rule_id), None)

    @property
    def summary(self) -> dict[str, Any]:
        counts = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            counts[f.severity] += 1
        return {
            **counts,
            "total": len(self.findings),
            "accepted": sum(f.status == ACCEPTED for f in self.findings),
            "open_warnings": sum(f.severity == WARNING and f.status != ACCEPTED for f in self.findings),
            "rules_run": [r.rule for r in self.runs if r.status == RUN],
            "rules_not_run": [{"rule": r.rule, "reason": r.reason} for r in self.runs
                              if r.status in (NOT_RUN, DUPLICATE)],
            "rules_failed": [{"rule": r.rule, "reason": r.reason} for r in self.runs
                             if r.status == FAILED],
            "notes": [f"{r.rule}：{n}" for r in self.runs for n in r.notes],
        }

    # --- exports --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency, "year": self.year,
                "findings": [f.to_dict() for f in self.findings],
                "summary": self.summary,
                "rules": [asdict(r) for r in self.runs]}

    def to_frame(self):
        """Findings as a pandas DataFrame (one row per finding)."""
        import pandas as pd
        return pd.DataFrame([{c: getattr(f, c) for c in FRAME_COLUMNS} for f in self.findings],
                            columns=FRAME_COLUMNS)

    def render_text(self) -> str:
        """A readable Chinese listing for the terminal, one block per finding."""
        s = self.summary
        who = f"{self.agency} {self.year}年" if self.agency or self.year else ""
        lines = [f"校验结果{('：' + who) if who else ''}",
                 f"错误 {s[ERROR]} 项，警告 {s[WARNING]} 项（已说明 {s['accepted']} 项），提示 {s[INFO]} 项；"
                 f"运行规则 {len(s['rules_run'])} 条，未运行 {len(s['rules_not_run'])} 条。", ""]
        for i, f in enumerate(self.findings, 1):
            status = STATUS_ZH.get(f.status, f.status)
            lines.append(f"[{i}] 规则：{f.rule} {f.title}")
            lines.append(f"    级别：{f.severity_zh}（{status}）")
            lines.append(f"    位置：{f.location}")
            lines.append(f"    说明：{f.message}")
            if f.reason:
                lines.append(f"    审核说明：{f.reason}")
            for n in f.notes:
                lines.append(f"    注意：{n}")
            lines.append("")
        if s["rules_not_run"]:
            lines.append("未运行的规则：")
            lines += [f"  {r['rule']}：{r['reason']}" for r in s["rules_not_run"]]
        if s["rules_failed"]:
            lines.append("运行出错的规则（请报告给维护人员）：")
            lines += [f"  {r['rule']}：{r['reason']}" for r in s["rules_failed"]]
        if s["notes"]:
            lines.append("其他说明：")
            lines += [f"  {n}" for n in s["notes"]]
        if not self.findings:
            lines.append("未发现问题。")
        return "\n".join(lines).rstrip() + "\n"
