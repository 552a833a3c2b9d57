"""Shared fixtures: paths to the examples and the shared samples, and a
helper that runs the real ``nianbao`` CLI in-process."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_JSON = SHARED / "samples" / "seed" / "zibo-fao-2023.expected.json"
SAMPLE_JSONS = [SEED_JSON, *sorted((SHARED / "samples" / "published").glob("*/expected.json"))]
EXAMPLES = ROOT / "examples"
DEMO_2023 = EXAMPLES / "demo-agency" / "2023.xlsx"
DEMO_2024 = EXAMPLES / "demo-agency" / "2024.xlsx"
ZIBO_2023 = EXAMPLES / "zibo-fao" / "2023.xlsx"


def has_soffice() -> bool:
    return shutil.which("soffice") is not None


@pytest.fixture
def cli(capsys):
    """Run ``nianbao ARGS…`` in-process; return (exit code, stdout, stderr)."""
    from nianbao.cli import main

    def run(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def load_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def edited_copy(src: Path, dst: Path, **cells) -> Path:
    """Copy a workbook with some input cells changed, as a clerk would type
    them (keys use "__" for ".": requests__new_received__commercial=12)."""
    import openpyxl

    from nianbao.workbook import layout

    wb = openpyxl.load_workbook(src)
    for key, value in cells.items():
        p = layout.place(key.replace("__", "."))
        wb[p.sheet][p.coord].value = value
    wb.save(dst)
    return dst


#: The demo workbook with one figure wrong (C1 and C3 fail on 依申请公开!E4).
WRONG_CELL = "requests.new_received.commercial"
