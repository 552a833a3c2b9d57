"""Start next year's workbook from last year's (or from agency and year).

Carried over: agency details, indicator names (last year's values become the
reference column), and 二、上年结转 of every column from last year's
四、结转下年度继续办理. Never carried: the narrative — copying last year's
text is a known fault of published reports (rule E3).
"""
from __future__ import annotations

from .format import FORMAT
from .model import IndicatorValue, Report, empty_report

CARRIED_META = ("agency", "short_name", "agency_kind", "level", "contact_office", "address", "postcode",
                "phone", "fax", "email", "website", "signoff_to", "deadline_override")


def new_year(prior: Report | None = None, agency: str | None = None, year: int | None = None,
             agency_kind: str | None = None) -> Report:
    report = empty_report()
    if prior is not None:
        report.meta = {k: prior.meta.get(k) for k in CARRIED_META}
        report.meta["year"] = (prior.year or 0) + 1 if prior.year else None
        for col in FORMAT.request_columns:
            report.values[f"requests.carried_over.{col.key}"] = prior.values.get(
                f"requests.carried_forward.{col.key}")
        report.indicators = [IndicatorValue(i.key, i.label, i.unit, None, i.value, i.custom)
                             for i in prior.indicators]
    if agency:
        report.meta["agency"] = agency
    if year:
        report.meta["year"] = year
    if agency_kind:
        report.meta["agency_kind"] = agency_kind
    return report
