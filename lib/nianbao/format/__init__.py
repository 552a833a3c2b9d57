"""The national report format as data (one source of truth)."""
from .gov2021 import GOV_2021, OTHER_COMBINED, RESULT_ROWS
from .spec import COUNT, MONEY, Block, Cell, Column, Format, Group, Row, Section

FORMAT = GOV_2021

__all__ = ["FORMAT", "GOV_2021", "OTHER_COMBINED", "RESULT_ROWS", "COUNT", "MONEY",
           "Block", "Cell", "Column", "Format", "Group", "Row", "Section"]
