"""CSV files we write for Excel (batch's ``status.csv`` …), safe from CSV
injection: every text cell beginning with ``=``, ``+``, ``-``, ``@``, tab or
CR (the OWASP rule) is neutralised by ``defusedcsv`` (a leading ``'``), while
numbers stay numbers. Encoded UTF-8 with a BOM so Excel on Windows reads the
Chinese columns correctly.
"""
from __future__ import annotations

import io
import math


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:
        pass
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value[:1] in ("\t", "\r"):    # defusedcsv covers = + - @ | %
        return "'" + value
    return value


def csv_text(frame) -> str:
    """A pandas DataFrame as CSV text (header row first, no index), with a
    leading BOM; formula-like text escaped, numbers left numeric."""
    from defusedcsv import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_cell(v) for v in row])
    return "\ufeff" + buf.getvalue()
