"""Charts drawn ahead on the second core are used only when drawn from the
very same workbooks; otherwise the notebook draws them itself."""
from __future__ import annotations

import shutil
import time

from conftest import DEMO_2023, DEMO_2024
from nianbao.prerender import MARK, main, ready


def test_prerendered_charts_are_used_only_for_the_same_inputs(tmp_path):
    target = tmp_path / ".charts-pre"
    main([str(DEMO_2024), str(DEMO_2023), str(target)])
    found = ready(target, DEMO_2024, DEMO_2023)
    assert found and set(found) == {"outcomes", "applicants", "active", "appeals", "indicators"}
    assert not (tmp_path / (target.name + MARK)).exists()
    other = tmp_path / "other.xlsx"
    shutil.copy(DEMO_2023, other)
    assert ready(target, other, DEMO_2023, wait=0) is None       # drawn from another workbook
    assert ready(target, DEMO_2024, None, wait=0) is None        # drawn with a prior; now without


def test_a_failed_drawing_is_not_waited_for(tmp_path):
    target = tmp_path / ".charts-pre"
    main([str(tmp_path / "missing.xlsx"), "", str(target)])
    t = time.monotonic()
    assert ready(target, DEMO_2024, None, wait=10) is None
    assert time.monotonic() - t < 1


def test_the_notebook_step_draws_when_nothing_was_prepared(tmp_path):
    from nianbao.steps import AnnualJob

    job = AnnualJob(str(DEMO_2024), str(DEMO_2023), str(tmp_path / "out"), ["html"],
                    charts_from=str(tmp_path / "nothing-here"))
    job.read()
    charts = job.charts()
    assert len(charts) == 5 and all(p.is_file() for p in charts.values())
