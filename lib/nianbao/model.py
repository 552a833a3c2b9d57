"""The report model: one agency-year, read from a workbook or report JSON.

Figures live in one flat mapping keyed by the report-JSON path
(``requests.new_received.total``); the three tables are offered as pandas
DataFrames with the official labels, built from the format description.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .format import FORMAT, OTHER_COMBINED, Format
from .format.fields import NARRATIVE_PARTS
from .values import Value, num

if TYPE_CHECKING:  # pandas is imported on use: `nianbao check` must start fast
    import pandas as pd


@dataclass
class Note:
    """Something the reader normalised or noticed (not an error)."""

    message: str
    sheet: str | None = None
    cell: str | None = None

    def render(self) -> str:
        where = f"{self.sheet}!{self.cell}：" if self.sheet and self.cell else ""
        return f"{where}{self.message}"


@dataclass
class IndicatorValue:
    key: str
    label: str
    unit: str
    value: float | int | None = None
    prior: float | int | None = None   # last year's value as typed (reference only)
    custom: bool = False


@dataclass
class NarrativeText:
    title: str = ""                      # the （一） sub-heading, if the part has one
    text: str = ""


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    other_combined: dict[str, Value] | None = None
    indicators: list[IndicatorValue] = field(default_factory=list)
    narrative: dict[str, NarrativeText] = field(default_factory=dict)
    acceptances: dict[str, str] = field(default_factory=dict)   # fingerprint -> reason
    notes: list[Note] = field(default_factory=list)
    source: str | None = None
    format: Format = FORMAT

    # --- identity -------------------------------------------------------
    @property
    def agency(self) -> str:
        return self.meta.get("agency") or ""

    @property
    def year(self) -> int | None:
        return self.meta.get("year")

    # --- figures --------------------------------------------------------
    def get(self, key: str) -> Value:
        return self.values.get(key)

    def num(self, key: str) -> int | float:
        """The figure for arithmetic (blank and "/" count as 0)."""
        return num(self.values.get(key))

    def request(self, row: str, column: str = "total") -> int | float:
        return self.num(f"requests.{row}.{column}")

    def text(self, part: str) -> str:
        t = self.narrative.get(part)
        return t.text if t else ""

    def indicator(self, key: str) -> IndicatorValue | None:
        return next((i for i in self.indicators if i.key == key), None)

    # --- tables as DataFrames -------------------------------------------
    def table(self, name: str, labels: bool = True) -> "pd.DataFrame":
        """Table "active", "requests" or "appeals" as a DataFrame.

        With ``labels`` the index and columns carry the official labels;
        otherwise the JSON keys. Values are as typed (None = blank).
        """
        import pandas as pd

        cells = self.format.cells_of(name)
        # A column is a (key, label) pair: in table 二 the key "value" is 本年处理决定数量 (件)
        # in some blocks and 本年收费金额（单位：万元） in another, which must not share a column.
        rows: dict[str, dict[tuple[str, str], Value]] = {}
        row_labels: dict[str, str] = {}
        for c in cells:
            rows.setdefault(c.row, {})[(c.column, c.column_label)] = self.values.get(c.key)
            row_labels[c.row] = c.row_label
        cols = list(dict.fromkeys((c.column, c.column_label) for c in cells))
        if not labels:                 # by key: one column per key, as before
            cols = list(dict.fromkeys((c.column, c.column) for c in cells))
            rows = {r: {(k, k): v for (k, _), v in vals.items()} for r, vals in rows.items()}
        df = pd.DataFrame([[rows[r].get(c) for c in cols] for r in rows], index=list(rows),
                          columns=[label for _, label in cols], dtype=object)
        if labels:
            df = df.rename(index=row_labels)
        return df

    @property
    def active(self) -> "pd.DataFrame":
        return self.table("active")

    @property
    def requests(self) -> "pd.DataFrame":
        return self.table("requests")

    @property
    def appeals(self) -> "pd.DataFrame":
        return self.table("appeals")

    def facts(self) -> "pd.DataFrame":
        """All figures in long form: key, table, row, column, labels, value."""
        import pandas as pd

        return pd.DataFrame([
            {"key": c.key, "table": c.table, "row": c.row, "column": c.column,
             "row_label": c.row_label, "column_label": c.column_label,
             "unit": c.unit, "value": self.values.get(c.key)}
            for c in self.format.cells])


def empty_report(fmt: Format = FORMAT) -> Report:
    report = Report(format=fmt)
    report.values = {c.key: None for c in fmt.cells}
    report.narrative = {p.key: NarrativeText() for p in NARRATIVE_PARTS}
    return report


__all__ = ["Report", "Note", "IndicatorValue", "NarrativeText", "empty_report", "OTHER_COMBINED"]
