"""nianbao (年报): the statutory government information disclosure annual report,
from one standard Excel workbook to a checked, rendered and signed-off report.
"""
__version__ = "0.1.0"
