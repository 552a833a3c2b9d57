"""What every rule sees: the report, last year's report, and things computed
once per run (placeholder-filled narrative, the figures cited in it).
"""
from __future__ import annotations

from functools import cached_property
from typing import Iterable

from ..figures import FilledSpan, PlaceholderProblem, fill_placeholders
from ..format import FORMAT, OTHER_COMBINED
from ..model import Report
from ..values import NotApplicable, Value
from .narrative import NarrativeFigures, extract

#: Short names of the table-三 rows for messages (一（本年新收） …).
_ROW_NAMES = {"new_received": "一（本年新收）", "carried_over": "二（上年结转）",
              "total_processed": "三（七）总计", "carried_forward": "四（结转下年度）"}


def row_name(row: str) -> str:
    """Short Chinese name of a table-三 row, e.g. "（三）1.属于国家秘密"."""
    if row in _ROW_NAMES:
        return _ROW_NAMES[row]
    if row == OTHER_COMBINED:
        return f"{group_name('other')}（合并行）"
    r = FORMAT.request_row(row)
    group = next(g.label for g in FORMAT.request_groups if g.key == r.group)
    number = group[: group.index("）") + 1]
    name = group if not r.labels[2] else number + r.labels[2]
    return name.split("（区分")[0]


def group_name(group: str) -> str:
    """A table-三 result group without its explanatory note: "（二）部分公开"."""
    return next(g.label for g in FORMAT.request_groups if g.key == group).split("（区分")[0]


def section_heading(number: str) -> str:
    """The official heading of section 一…六, e.g. "六、其他需要报告的事项"."""
    return next(s.heading for s in FORMAT.sections if s.number == number)


def section_title(number: str) -> str:
    """The heading without its number, e.g. "其他需要报告的事项"."""
    return section_heading(number).split("、", 1)[1]


def column_name(column: str) -> str:
    return next(c.label for c in FORMAT.request_columns if c.key == column)


def key_name(key: str) -> str:
    """Short Chinese name of any table key, for messages."""
    parts = key.split(".")
    if parts[0] == "requests" or parts[0] == OTHER_COMBINED:
        row, col = (parts[1], parts[2]) if parts[0] == "requests" else (OTHER_COMBINED, parts[1])
        return f"{row_name(row)}·{column_name(col)}"
    if key in {c.key for c in FORMAT.cells}:
        return FORMAT.cell(key).label
    return key


class Context:
    """One check run's inputs and shared, lazily computed views."""

    def __init__(self, report: Report, prior: Report | None = None):
        self.report = report
        self.prior = prior
        self.notes: list[str] = []       # the current rule's notes (reset by the runner)

    # --- figures ------------------------------------------------------------
    def value(self, key: str, report: Report | None = None) -> Value:
        r = report or self.report
        if key.startswith(OTHER_COMBINED + "."):
            return (r.other_combined or {}).get(key.split(".", 1)[1])
        return r.values.get(key)

    def num(self, key: str, report: Report | None = None) -> int | float:
        v = self.value(key, report)
        return 0 if v is None or isinstance(v, NotApplicable) or isinstance(v, bool) \
            or not isinstance(v, (int, float)) else v

    def total(self, keys: Iterable[str], report: Report | None = None) -> int | float:
        s = sum(self.num(k, report) for k in keys)
        return round(s, 6) if isinstance(s, float) else s

    def is_blank(self, key: str, report: Report | None = None) -> bool:
        """Blank or a "/" mark: counts as 0 but is not a typed 0."""
        v = self.value(key, report)
        return v is None or isinstance(v, NotApplicable)

    @cached_property
    def uses_other_combined(self) -> bool:
        """（六）其他处理 printed as one row: the combined row stands for the three sub-rows."""
        oc = self.report.other_combined
        if not oc:
            return False
        subs = [f"requests.{r.key}.{c.key}" for r in FORMAT.rows_in_group("other")
                for c in FORMAT.request_columns]
        return all(self.is_blank(k) for k in subs)

    def result_rows(self) -> list[str]:
        """Row keys that （七）总计 adds up, honouring a combined （六） row."""
        from ..format import RESULT_ROWS
        if self.uses_other_combined:
            return [r for r in RESULT_ROWS if FORMAT.request_row(r).group != "other"] + [OTHER_COMBINED]
        return list(RESULT_ROWS)

    @staticmethod
    def request_key(row: str, column: str) -> str:
        return f"{OTHER_COMBINED}.{column}" if row == OTHER_COMBINED else f"requests.{row}.{column}"

    # --- narrative ------------------------------------------------------------
    @cached_property
    def _filled(self) -> tuple[dict[str, str], list[tuple[str, PlaceholderProblem]], dict[str, list[FilledSpan]]]:
        texts, problems, spans = {}, [], {}
        for part, t in self.report.narrative.items():
            spans[part] = []
            if "{" in t.text or "｛" in t.text:
                text, probs = fill_placeholders(t.text, self.report, self.prior, spans[part])
                problems += [(part, p) for p in probs]
            else:
                text = t.text
            texts[part] = text
        return texts, problems, spans

    @property
    def texts(self) -> dict[str, str]:
        """Narrative text per part with ``{占位符}`` filled in (as the reader will see it)."""
        return self._filled[0]

    @property
    def placeholder_problems(self) -> list[tuple[str, PlaceholderProblem]]:
        return self._filled[1]

    def text(self, *parts: str) -> str:
        return "\n".join(self.texts.get(p, "") for p in parts)

    @cached_property
    def figures(self) -> NarrativeFigures:
        """Figures cited in the narrative, extracted once per run for all F/B4/D2 rules."""
        return extract(self.texts, self._filled[2])

    def note(self, text: str) -> None:
        self.notes.append(text)


def narrative_key(part: str) -> str:
    return f"narrative.{part}.text"
