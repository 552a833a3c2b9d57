"""What a batch's kernel template warms before it forks (templatewarm.py):
fontconfig's answers are kept and reused; the HTML template is compiled."""
from __future__ import annotations

import shutil

import pytest
from conftest import DEMO_2023, DEMO_2024

from nianbao import templatewarm
from nianbao.render import fonts, render_docx
from nianbao.render.pdf import requested_fonts
from nianbao.sources import load_report

pytestmark = pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig (fc-match) not installed")


def test_warm_keeps_fontconfigs_answers_for_a_real_report(tmp_path, monkeypatch):
    monkeypatch.delenv("NIANBAO_FONTS", raising=False)     # no office's own fonts folder here
    docx = render_docx(load_report(DEMO_2024), load_report(DEMO_2023), tmp_path / "report.docx").path
    fonts._answers.clear()
    expected = fonts.resolve_families(requested_fonts(docx), fonts.conversion_fontconfig(tmp_path, None))
    assert expected["仿宋_GB2312"]                   # fontconfig answered something
    fonts._answers.clear()
    assert templatewarm.warm() == []
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))   # fc-list / fc-match cannot run now
    folder = tmp_path / "later"
    folder.mkdir()
    assert fonts.resolve_families(requested_fonts(docx), fonts.conversion_fontconfig(folder, None)) == expected
    # an office's own fonts folder is another question: not answered from the cache
    extra = tmp_path / "licensed"
    extra.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    assert fonts.resolve_families(["仿宋_GB2312"], fonts.conversion_fontconfig(other, extra)) == {}


def test_a_failing_part_is_reported_and_the_others_still_run(monkeypatch):
    ran = []

    def broken():
        raise OSError("磁盘已满")

    monkeypatch.setattr(templatewarm, "PARTS", {"broken": broken, "ok": lambda: ran.append(1)})
    assert templatewarm.warm() == ["broken: OSError: 磁盘已满"]
    assert ran == [1]
