"""Executed notebooks to HTML without code (``notebook.html``).

Importing nbconvert and compiling its templates costs more than an export,
so the runner makes the exporter while the kernel works (``job._Exporter``:
in a thread; a batch worker once for all its jobs).
"""
from __future__ import annotations

import re
from pathlib import Path


#: Our template (extends nbconvert's "lab"): no CDN scripts, CJK fonts.
TEMPLATES = Path(__file__).with_name("nbexport_templates")


#: The text alternative of an output image that has none (charts, figures).
IMAGE_ALT = "图表"
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
#: Cells' inputs and outputs reachable from the keyboard (a wide table scrolls
#: with the arrow keys once focused), as nbconvert's own pass makes them.
_FOCUSABLE = re.compile(r'<div class="([^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*)"(?![^>]*\btabindex=)')


def exporter():
    """An HTMLExporter for a self-contained, code-free page: no external
    script, stylesheet or font (require.js, MathJax, mermaid are left out),
    markdown images embedded, a Chinese font stack, images with a Chinese
    text alternative (``IMAGE_ALT``)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    import nbformat

    class Exporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # nbconvert 7's HTMLExporter then re-parses the whole page with
            # BeautifulSoup to give images an English alt text and cells a
            # tabindex: half of the export's time. The same filters are
            # registered as it does; the alt text is ours, in Chinese, the
            # tabindex the same as nbconvert's (by a regular expression).
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html = _FOCUSABLE.sub(r'<div class="\1" tabindex="0"', html)
            return _IMG_WITHOUT_ALT.sub(f'<img alt="{IMAGE_ALT}"', html), resources

    exp = Exporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                       embed_images=True, extra_template_basedirs=[str(TEMPLATES)],
                       template_file=str(TEMPLATES / "notebook.html.j2"), language_code="zh")
    # Warm up: the first export compiles templates and loads the markdown and
    # sanitising machinery; do that now, while the kernel works.
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": "<table><tr><td>1</td></tr></table>",
                                                            "text/plain": "1"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# 预热\n\n*a*"), cell]
    exp.from_notebook_node(nb)
    return exp


def export(exp, nb_path: Path, html_path: Path) -> None:
    from .fsutil import atomic_write_text

    body, _ = exp.from_filename(str(nb_path))
    atomic_write_text(html_path, body)
