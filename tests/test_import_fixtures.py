"""The synthetic import fixtures are generated (tests/fixtures/import/make_*.py,
from examples/demo-agency/2024.json): the committed copies are current."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "import"


@pytest.mark.parametrize("script", ["make_captures.py", "make_portal.py"])
def test_generated_fixtures_are_current(tmp_path, script):
    (tmp_path / "examples" / "demo-agency").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "demo-agency" / "2024.json", tmp_path / "examples" / "demo-agency")
    here = tmp_path / "tests" / "fixtures" / "import"
    here.mkdir(parents=True)
    shutil.copy(FIX / script, here)
    subprocess.run([sys.executable, str(here / script)], check=True, capture_output=True, timeout=60)
    made = sorted(p.name for p in here.iterdir() if p.name != script)
    assert made, script
    for name in made:
        assert (here / name).read_bytes() == (FIX / name).read_bytes(), \
            f"tests/fixtures/import/{name} is out of date: run python tests/fixtures/import/{script}"
