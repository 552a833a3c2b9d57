"""Round trip: what we render, the importer reads back to the same figures.

For the demo report (2024, with 2023 as prior, charts included) and every
sample ``expected.json`` (seed and published), render HTML and Word once,
import each with ``nianbao.importer.import_report`` and compare
``to_dict(..., extras=False)``: every figure, blanks and "/" included, and
the agency and year. Hongze's samples print （六）其他处理 as one row
(``other_combined``), so this also covers that layout.
"""
from __future__ import annotations

from conftest import SHARED, needs_shared

from pathlib import Path

import pytest

from nianbao import reportjson
from nianbao.importer import import_report
from nianbao.render import render_charts, render_docx, render_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = (SHARED / "samples")
if not SAMPLES.is_dir():
    SAMPLES = ROOT.parent / "shared" / "samples"

CASES: dict[str, tuple[Path, Path | None]] = {
    "demo-2024": (ROOT / "examples/demo-agency/2024.json", ROOT / "examples/demo-agency/2023.json"),
}
CASES.update({p.name.removesuffix(".expected.json"): (p, None)
              for p in sorted((SAMPLES / "seed").glob("*.expected.json"))})
CASES.update({p.parent.name: (p, None)
              for p in sorted((SAMPLES / "published").glob("*/expected.json"))})

#: Cases whose agency does not come back, and why (the importer, not the renderer).

KINDS = ("html", "docx")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[dict, Path, Path]]:
    """Each case rendered once: (source dict, html path, docx path)."""
    out = tmp_path_factory.mktemp("roundtrip")
    done = {}
    for name, (src, prior_src) in CASES.items():
        report = reportjson.load(src)
        prior = reportjson.load(prior_src) if prior_src else None
        charts = render_charts(report, prior, out / f"{name}-charts") if prior else None
        html = render_html(report, prior, out / f"{name}.html", charts=charts).path
        docx = render_docx(report, prior, out / f"{name}.docx", charts=charts).path
        done[name] = (reportjson.to_dict(report, extras=False), html, docx)
    return done


@pytest.fixture(scope="module")
def imported(rendered) -> dict[tuple[str, str], dict]:
    """Each rendered file imported once."""
    out = {}
    for name, (_, html, docx) in rendered.items():
        for kind, path in zip(KINDS, (html, docx)):
            out[(name, kind)] = reportjson.to_dict(import_report(path).report, extras=False)
    return out


def _diff(want: dict, got: dict, prefix: str = "") -> list[tuple[str, object, object]]:
    out = []
    for k in sorted(set(want) | set(got)):
        a, b = want.get(k), got.get(k)
        if isinstance(a, dict) or isinstance(b, dict):
            out += _diff(a or {}, b or {}, f"{prefix}{k}.")
        elif a != b or type(a) is not type(b):
            out.append((prefix + k, a, b))
    return out


@needs_shared
def test_cases_found():
    assert len(CASES) >= 7, sorted(CASES)
    assert any("hongze" in n for n in CASES)   # the （六）其他处理-as-one-row layout


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_figures_come_back(rendered, imported, name, kind):
    want = dict(rendered[name][0])
    got = dict(imported[(name, kind)])
    for k in ("agency", "year"):
        want.pop(k), got.pop(k)
    assert _diff(want, got) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_agency_and_year_come_back(rendered, imported, name, kind):
    want, got = rendered[name][0], imported[(name, kind)]
    assert (got["agency"], got["year"]) == (want["agency"], want["year"])
    assert want["agency"] and want["year"]


@needs_shared
def test_other_combined_printed_as_one_row(rendered):
    """Hongze: the three （六） sub-rows are blank, so one （六）其他处理 row carries the figures."""
    from test_render_support import docx_text

    name = next(n for n in CASES if "hongze" in n)
    want, html, docx = rendered[name]
    assert want["_other_combined"] is not None
    text = docx_text(docx)
    assert "（六）其他处理" in text
    assert "3.其他" not in text
    page = html.read_text("utf-8")
    assert "（六）其他处理" in page and "3.其他" not in page


def test_report_table_keeps_decisions_and_fees_in_their_own_columns():
    """Table 二's key "value" is 本年处理决定数量 (件) for some blocks and
    本年收费金额（单位：万元） for another: never one column (2103 under 万元)."""
    from nianbao.sources import load_report

    from conftest import DEMO_2024

    df = load_report(DEMO_2024, documents=False).table("active")
    assert df.loc["行政许可", "本年处理决定数量"] == 2103 and df.loc["行政许可", "本年收费金额（单位：万元）"] is None
    assert df.loc["行政事业性收费", "本年收费金额（单位：万元）"] == 2.95
