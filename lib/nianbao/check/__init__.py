"""The checker: the rule catalogue of report-format.md §2 run over a Report.

    result = run_checks(report, prior=last_year)
    print(result.render_text()); result.to_frame(); result.to_dict()

Rules are data (``Rule``) in a registry; ``list_rules()`` lists them. A
warning a reviewer has explained (``report.acceptances[fingerprint] = reason``,
filled from the workbook's 校验说明 sheet) is reported as accepted, never
hidden; errors cannot be accepted.
"""
from __future__ import annotations

from typing import Iterable

from ..model import Report
from .context import Context
from .finding import ACCEPTED, Finding, cell_ref, fingerprint
from .registry import all_rules, get_rule, register, rule
from .result import DUPLICATE, FAILED, NOT_RUN, RUN, CheckResult, RuleRun
from .rule import ERROR, INFO, SEVERITIES, WARNING, Hit, NotRun, Rule

_RANK = {s: i for i, s in enumerate(SEVERITIES)}
ERROR_NOT_ACCEPTABLE = "该项是错误，不能通过“校验说明”接受，必须改正数据"


def _select(rules: Iterable[str | Rule] | None) -> list[Rule]:
    if rules is None:
        return all_rules()
    return [r if isinstance(r, Rule) else get_rule(r) for r in rules]


def _finding(r: Rule, hit: Hit, report: Report) -> Finding:
    keys = list(dict.fromkeys(hit.keys))
    subject = hit.subject or ",".join(sorted(keys))
    f = Finding(rule=r.id, severity=hit.severity or r.severity, title=r.title_zh, message=hit.message,
                formula=r.formula_zh, keys=keys, cells=[cell_ref(k) for k in keys],
                expected=hit.expected, actual=hit.actual, difference=hit.difference,
                left=hit.left, right=hit.right, fingerprint=fingerprint(r.id, subject))
    reason = report.acceptances.get(f.fingerprint)
    if reason is not None:
        if f.severity == ERROR:
            f.notes.append(f"{ERROR_NOT_ACCEPTABLE}（校验说明：{reason}）")
        else:
            f.status, f.reason = ACCEPTED, str(reason)
    return f


def run_checks(report: Report, prior: Report | None = None,
               rules: Iterable[str | Rule] | None = None) -> CheckResult:
    """Run the rules (all by default) on ``report``; cross-year rules need ``prior``."""
    selected = _select(rules)
    ids = {r.id for r in selected}
    ctx = Context(report, prior)
    findings: list[Finding] = []
    runs: list[RuleRun] = []
    for r in selected:
        if r.same_as and r.same_as in ids:
            runs.append(RuleRun(r.id, DUPLICATE, f"与 {r.same_as} 是同一项检查，结果见 {r.same_as}"))
            continue
        if r.needs_prior and prior is None:
            runs.append(RuleRun(r.id, NOT_RUN, "需要上年报告（--prior 上年工作簿）"))
            continue
        ctx.notes = []
        try:
            hits = list(r.func(ctx))
        except NotRun as e:
            runs.append(RuleRun(r.id, NOT_RUN, e.reason))
            continue
        except Exception as e:  # a bug in one rule must not hide the others' findings
            runs.append(RuleRun(r.id, FAILED, f"{type(e).__name__}: {e}"))
            continue
        runs.append(RuleRun(r.id, RUN, notes=list(ctx.notes)))
        findings += [_finding(r, h, report) for h in hits]
    order = {r.id: i for i, r in enumerate(selected)}
    findings.sort(key=lambda f: (_RANK[f.severity], order[f.rule]))
    return CheckResult(findings, runs, report.agency, report.year)


#: When rules whose decorators live elsewhere apply (their own ``applies=`` wins when set).



def applies(r: Rule) -> str:
    """When ``r`` runs, in Chinese, if not on every report: its scope, the prior
    workbook it needs, or the rule it duplicates (the reasons ``check`` gives)."""
    parts = [r.applies]
    if r.needs_prior:
        parts.append("需要上年报告（--prior 上年工作簿）")
    if r.same_as:
        parts.append(f"与 {r.same_as} 是同一项检查，结果见 {r.same_as}")
    return "；".join(p for p in parts if p)


def list_rules(as_frame: bool = False):
    """The catalogue for ``nianbao rules`` and the 填报说明 sheet: a list of dicts
    (id, severity, severity_zh, also, title, formula, needs_prior, source, same_as, applies),
    or a DataFrame. ``severity_zh`` names every severity the rule's findings can have,
    as ``check`` reports them ("警告（未替换的 {占位符}…：错误）")."""
    rows = [{"id": r.id, "severity": r.severity, "title": r.title_zh, "formula": r.formula_zh,
             "needs_prior": r.needs_prior, "source": r.source_tag, "same_as": r.same_as or "",
             "severity_zh": r.severity_zh(), "also": [{"severity": s, "when": when} for s, when in r.also],
             "applies": applies(r)}
            for r in all_rules()]
    if not as_frame:
        return rows
    import pandas as pd
    return pd.DataFrame(rows)


__all__ = ["run_checks", "list_rules", "CheckResult", "Finding", "Rule", "Hit", "NotRun", "RuleRun",
           "register", "rule", "all_rules", "get_rule", "ERROR", "WARNING", "INFO", "fingerprint"]
