"""The built-in rules, one module per part of the catalogue (report-format.md §2)."""
from . import active, appeals, cells, children, crossyear, document, narrative, requests  # noqa: F401
