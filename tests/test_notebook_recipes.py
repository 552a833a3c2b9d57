"""The README's three recipes for analysts, taken verbatim from the README,
put into a copy of the shipped notebook and run through ``nianbao run
--notebook``: what the notebook draws is what Word, HTML and PDF publish."""
from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import nbformat
import openpyxl
from docx import Document

from conftest import DEMO_2023, DEMO_2024, has_soffice
from nianbao.job import NOTEBOOK
from nianbao.render import render_docx
from nianbao.render.chartlist import CHART_TITLES

README = Path(__file__).resolve().parents[1] / "README.md"
STANDARD = list(CHART_TITLES.values())
ADDED = "分析员追加图表"
#: The renderers' chart contract (ChartImage list + omitted) is in place on this
#: branch; before that they take {title: png} and print no caption in Word.
NEW_CONTRACT = "omitted" in inspect.signature(render_docx).parameters


def recipe(name: str) -> str:
    """The code block after ``<!-- 配方:name -->`` in the README."""
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"<!-- 配方:{name} -->\s*```python\n(.*?)```", text, re.S)
    assert m, f"README has no recipe {name}"
    return m.group(1)


def notebook_with(tmp_path: Path, *, before: str | None = None, replace: str | None = None,
                  source: str, name: str = "copy.ipynb") -> Path:
    """A copy of the shipped notebook with ``source`` added before the step
    ``before`` or replacing the step ``replace`` (papermill_description)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    step = before or replace
    i = next(i for i, c in enumerate(nb.cells) if c.metadata.get("papermill_description") == step)
    if replace:
        nb.cells[i].source = source
    else:
        nb.cells.insert(i, nbformat.v4.new_code_cell(source))
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def run(cli, tmp_path, notebook, formats="docx,html,pdf", *extra):
    out = tmp_path / "out"
    formats = formats if has_soffice() else formats.replace(",pdf", "")
    code, stdout, err = cli("run", DEMO_2024, "--prior", DEMO_2023, "-o", out, "-q", "--formats", formats,
                            "--notebook", notebook, *extra)
    return code, stdout + err, out


def published_titles(out: Path) -> dict[str, list[str]]:
    """Chart titles in the order each published document shows them."""
    html = (out / "report.html").read_text(encoding="utf-8")
    found = {"html": re.findall(r"<figcaption>(?:图\d+\s*)?([^<]+)</figcaption>", html)}
    if NEW_CONTRACT:
        doc = Document(out / "report.docx")
        found["docx"] = [m.group(1) for p in doc.paragraphs if (m := re.match(r"^图\d+\s+(.+)$", p.text.strip()))]
        if (out / "report.pdf").exists():
            from pypdf import PdfReader

            text = "\n".join(page.extract_text() for page in PdfReader(out / "report.pdf").pages)
            found["pdf"] = [m.group(1).strip() for m in re.finditer(r"图\d+\s*(\S+)", text)]
    return found


def pictures(out: Path) -> dict[str, int]:
    """How many chart pictures Word and PDF carry."""
    from pypdf import PdfReader

    counts = {"docx": len(Document(out / "report.docx").inline_shapes)}
    if (out / "report.pdf").exists():
        import hashlib       # LibreOffice may list every image in every page's resources

        counts["pdf"] = len({hashlib.sha256(img.data).hexdigest()
                             for page in PdfReader(out / "report.pdf").pages for img in page.images})
    return counts


def test_added_chart_is_published_after_the_standard_ones(tmp_path, cli):
    nb = notebook_with(tmp_path, before="生成报告", source=recipe("加图"))
    code, text, out = run(cli, tmp_path, nb)
    assert code == 0, text
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["notebook"]["shipped"] is False and results["notebook"]["kind"] == "修改过的笔记本"
    for kind, titles in published_titles(out).items():
        assert titles == STANDARD + [ADDED], kind
    assert all(n == len(STANDARD) + 1 for n in pictures(out).values()), pictures(out)
    # the sixth picture in Word is the analyst's figure, as saved from the notebook
    doc = Document(out / "report.docx")
    blobs = [doc.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
             for s in doc.inline_shapes]
    assert blobs[-1] == (out / "charts" / "chart-6.png").read_bytes()


def test_deleting_a_chart_removes_it_everywhere(tmp_path, cli):
    gone = CHART_TITLES["appeals"]
    nb = notebook_with(tmp_path, before="生成报告", source=f'del charts["{gone}"]')
    code, text, out = run(cli, tmp_path, nb)
    assert code == 0, text
    for kind, titles in published_titles(out).items():
        assert titles == [t for t in STANDARD if t != gone], kind
    assert all(n == len(STANDARD) - 1 for n in pictures(out).values()), pictures(out)


def _has_colour(png: Path, rgb: tuple[int, int, int]) -> bool:
    from PIL import Image

    with Image.open(png) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    return any(c == rgb and n > 500 for n, c in colours)


def test_restyled_chart_is_published_restyled(tmp_path, cli):
    nb = notebook_with(tmp_path, replace="图表·办理结果", source=recipe("改图"))
    code, text, out = run(cli, tmp_path, nb, "docx,html")
    assert code == 0, text
    blue = (0x1f, 0x4e, 0x79)
    assert _has_colour(out / "charts" / "chart-1.png", blue)
    assert not _has_colour(out / "charts" / "chart-2.png", blue)       # only that chart changed
    doc = Document(out / "report.docx")
    first = doc.part.related_parts[doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed]
    assert first.blob == (out / "charts" / "chart-1.png").read_bytes()


def test_local_rule_counts_like_a_built_in_one(tmp_path, cli):
    nb = notebook_with(tmp_path, before="校验", source=recipe("本地规则"))
    code, text, out = run(cli, tmp_path, nb, "html")
    assert code == 1, text                                   # an error: no report
    assert "未生成报告" in text and not list(out.glob("report.*"))
    checks = json.loads((out / "checks.json").read_text(encoding="utf-8"))
    mine = [f for f in checks["findings"] if f["rule"] == "L1"]
    assert len(mine) == 2 and all("未审结" in f["message"] for f in mine)     # demo: 复议 1, 直接起诉 1
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["findings"]["error"] == 2
    wb = openpyxl.load_workbook(out / "checks.xlsx")
    listed = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == "L1"]
    assert listed, "the local rule is listed in checks.xlsx"
    comments = [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert any("未审结" in t for t in comments), "the cell is annotated"
    html = (out / "notebook.html").read_text(encoding="utf-8")
    assert "本省要求" in html                                   # in the notebook's findings table


def test_no_chart_reaches_the_report_from_outside_the_notebook(tmp_path, cli):
    """A notebook that keeps no charts publishes none: nothing is drawn ahead
    or added by the runner behind the notebook's back."""
    nb = notebook_with(tmp_path, before="生成报告", source="charts.clear()")
    code, text, out = run(cli, tmp_path, nb, "docx,html")
    assert code == 0, text
    assert published_titles(out)["html"] == [] and "<figure" not in (out / "report.html").read_text("utf-8")
    assert len(Document(out / "report.docx").inline_shapes) == 0
    assert not list(out.rglob("chart-*"))
