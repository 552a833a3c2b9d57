"""The national report format as data (one source of truth)."""
from .gov2021 import GOV_2021, OTHER_COMBINED, RESULT_ROWS
from .spec import COUNT, MONEY, Block, Cell, Column, Format, Group, Row, Section

FORMAT = GOV_2021


def formats() -> dict:
    """Every format a report may be in, by its key ("gov-2021", "gov-2019")."""
    from .gov2019 import GOV_2019
    return {GOV_2021.key: GOV_2021, GOV_2019.key: GOV_2019}


__all__ = ["FORMAT", "formats", "GOV_2021", "OTHER_COMBINED", "RESULT_ROWS", "COUNT", "MONEY",
           "Block", "Cell", "Column", "Format", "Group", "Row", "Section"]
