"""HTML, Word and PDF import from real files built here in the official
table layout (rowspan/colspan, merged Word cells), carrying the seed figures."""
from __future__ import annotations

from conftest import SHARED

import json
import os
import shutil
import subprocess
import uuid
from html import escape
from pathlib import Path

import pytest

from nianbao.format import FORMAT
from nianbao.importer import import_report
from nianbao.reportjson import from_dict, to_dict

SEED = (SHARED / "samples/seed/zibo-fao-2023.txt")
EXPECTED = json.loads((SHARED / "samples/seed/zibo-fao-2023.expected.json").read_text("utf-8"))

Cell = tuple  # (text, rowspan, colspan)


def _fmt(v) -> str:
    return "" if v is None else str(v)


def table_specs(values: dict) -> dict[str, list[list[Cell]]]:
    """The three tables in the official layout (report-format.md §1.4–1.6)."""
    t2: list[list[Cell]] = []
    for blk in FORMAT.active_blocks:
        t2.append([(blk.item, 1, 4)])
        if len(blk.columns) == 1:
            t2.append([(blk.header[0], 1, 1), (blk.header[1], 1, 3)])
        else:
            t2.append([(h, 1, 1) for h in blk.header])
        for row in blk.rows:
            if len(blk.columns) == 1:
                t2.append([(row.label, 1, 1), (_fmt(values[f"active.{row.key}"]), 1, 3)])
            else:
                t2.append([(row.label, 1, 1)] + [(_fmt(values[f"active.{row.key}.{c.key}"]), 1, 1)
                                                  for c in blk.columns])
    cols = FORMAT.request_columns
    t3: list[list[Cell]] = [
        [(FORMAT.request_note, 3, 3), (FORMAT.applicant_header, 1, 7)],
        [(cols[0].label, 2, 1), (cols[1].parent, 1, 5), (cols[-1].label, 2, 1)],
        [(c.label, 1, 1) for c in cols[1:6]],
    ]
    group_seen: set[str] = set()
    first_result = True
    for row in FORMAT.request_rows:
        vals = [(_fmt(values[f"requests.{row.key}.{c.key}"]), 1, 1) for c in cols]
        if not row.group:
            t3.append([(row.labels[0], 1, 3)] + vals)
            continue
        cells: list[Cell] = []
        if first_result:
            cells.append((row.labels[0], 22, 1))
            first_result = False
        n = len(FORMAT.rows_in_group(row.group))
        if not row.labels[2]:
            cells.append((row.labels[1], 1, 2))
        else:
            if row.group not in group_seen:
                cells.append((row.labels[1], n, 1))
            cells.append((row.labels[2], 1, 1))
        group_seen.add(row.group)
        t3.append(cells + vals)
    groups, outs = FORMAT.appeal_groups, FORMAT.appeal_outcomes
    t4: list[list[Cell]] = [
        [(groups[0].label, 1, 5), (groups[1].parent, 1, 10)],
        [(o.label, 2, 1) for o in outs] + [(groups[1].label, 1, 5), (groups[2].label, 1, 5)],
        [(o.label, 1, 1) for o in outs] * 2,
        [(_fmt(values[f"appeals.{g.key}.{o.key}"]), 1, 1) for g in groups for o in outs],
    ]
    return {"二": t2, "三": t3, "四": t4}


def seed_parts() -> list[tuple[str, str | None]]:
    """The seed's text lines, with each table replaced by a marker ("二" …)."""
    lines = SEED.read_text("utf-8").splitlines()
    out: list[tuple[str, str | None]] = []
    skip = None
    for ln in lines:
        t = ln.strip()
        heading = next((s.number for s in FORMAT.sections if t == s.heading), None)
        if heading:
            out.append((t, None))
            skip = heading if heading in ("二", "三", "四") else None
            if skip:
                out.append(("", skip))
            continue
        if skip or not t:
            continue
        out.append((t, None))
    return out


def seed_values(blank: tuple[str, ...] = (), na: tuple[str, ...] = ()) -> dict:
    values = dict(from_dict(EXPECTED).values)
    for k in blank:
        values[k] = None
    for k in na:
        values[k] = "/"
    return values


def write_html(path: Path, values: dict) -> None:
    specs = table_specs(values)
    body = []
    for text, table in seed_parts():
        if table:
            rows = "".join("<tr>" + "".join(
                f'<td rowspan="{rs}" colspan="{cs}">{escape(t)}</td>' for t, rs, cs in row) + "</tr>"
                for row in specs[table])
            body.append(f'<table border="1">{rows}</table>')
        else:
            body.append(f"<p>{escape(text)}</p>")
    path.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title>'
        '<script>document.write("<p>一、总体情况</p>")</script>'
        '<link rel="stylesheet" href="http://example.invalid/x.css"></head><body>'
        '<img src="http://example.invalid/track.png">' + "".join(body) + "</body></html>", "utf-8")


def _positions(spec: list[list[Cell]]):
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(spec):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, rs, cs, text))
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            c += cs
    ncols = max(c + cs for _, c, _, cs, _ in out)
    return out, len(spec), ncols


def write_docx(path: Path, values: dict) -> None:
    import docx
    d = docx.Document()
    specs = table_specs(values)
    for text, table in seed_parts():
        if not table:
            d.add_paragraph(text)
            continue
        cells, nrows, ncols = _positions(specs[table])
        t = d.add_table(rows=nrows, cols=ncols)
        t.style = "Table Grid"
        grid = t._cells   # one snapshot: Table.cell() recomputes the grid on every call
        for r, c, rs, cs, txt in cells:
            cell = grid[r * ncols + c]
            if rs > 1 or cs > 1:
                cell = cell.merge(grid[(r + rs - 1) * ncols + c + cs - 1])
            cell.text = txt
    d.save(str(path))


def _figures(result) -> dict:
    return to_dict(result.report, extras=False)


def test_html_tables_with_rowspan_colspan(tmp_path):
    p = tmp_path / "report.html"
    write_html(p, seed_values())
    r = import_report(p)
    assert _figures(r) == EXPECTED
    assert r.report.meta["phone"] == "0533-2771826"
    assert r.report.narrative["active"].title == "主动公开及时全面"
    assert [h[:2] for h in r.report.meta["headings"]] == ["一、", "二、", "三、", "四、", "五、", "六、"]


def test_html_blank_and_na_cells_kept(tmp_path):
    blank = tuple(f"requests.new_received.{c.key}" for c in FORMAT.request_columns[1:6])
    values = seed_values(blank=blank, na=("active.regulations.issued",))
    p = tmp_path / "report.htm"
    write_html(p, values)
    r = import_report(p)
    got = _figures(r)
    assert got["requests"]["new_received"]["commercial"] is None
    assert got["requests"]["new_received"]["total"] == 2
    assert got["active"]["regulations"]["issued"] == "/"


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory) -> Path:
    """Built once and shared with the PDF test."""
    p = tmp_path_factory.mktemp("docx") / "report.docx"
    write_docx(p, seed_values())
    return p


def test_docx_tables_with_merged_cells(seed_docx):
    r = import_report(seed_docx)
    assert _figures(r) == EXPECTED
    assert r.report.meta["email"] == "xuandiaokewb@zb.shandong.cn"
    assert r.report.narrative["oversight"].title == "监督保障情况良好"


def test_docx_changed_figures_follow_the_labels(tmp_path):
    values = seed_values()
    values["requests.withheld_third_party.natural_person"] = 3
    values["appeals.litigation_after_review.pending"] = 4
    values["active.normative_documents.in_force"] = 12
    p = tmp_path / "report.docx"
    write_docx(p, values)
    r = import_report(p, accept_uncertain=True)
    assert r.report.values["requests.withheld_third_party.natural_person"] == 3
    assert r.report.values["appeals.litigation_after_review.pending"] == 4
    assert r.report.values["active.normative_documents.in_force"] == 12
    assert r.report.values["appeals.litigation_direct.pending"] == 0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_text_layer(tmp_path, seed_docx):
    src = tmp_path / "report.docx"
    shutil.copy(seed_docx, src)
    profile = tmp_path / f"lo-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    r = import_report(tmp_path / "report.pdf", accept_uncertain=True)
    assert _figures(r) == EXPECTED, r.warnings
    assert r.report.meta["year"] == 2023
