"""The status board after a real batch (six clean departments, one broken
file, one with wrong figures), rendered in real headless Chromium at desktop
and phone width."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest

from conftest import DEMO_2024, edited_copy
from nianbao.batch import plan, run_batch
from nianbao.board import STATUSES, agency_states, write_board
from officekit import AGENCIES, BASE, departments

TODAY = date(2025, 1, 27)                 # four days before the departments' 31 January
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def outroot(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("inputs")
    books = departments(src)
    broken = src / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook")
    wrong = edited_copy(books[0], src / "wrong.xlsx", meta__agency="示例市统计局",
                        requests__new_received__commercial=BASE.values["requests.new_received.commercial"] + 7)
    out = tmp_path_factory.mktemp("batch")
    results = run_batch(plan([*books, broken, wrong], out, formats=("html",)), max_workers=2)
    assert len(results) == 8
    return out


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "名单.csv"
    lines = ["机关,类型,联系邮箱,截止日期"] + [f"{a},部门,," for a in AGENCIES] + \
        ["示例市审计局,部门,audit@example.gov.cn,1月25日", "示例县人民政府,人民政府,county@example.gov.cn,"]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_states_are_right_and_problems_come_first(outroot, roster):
    states = agency_states(outroot, today=TODAY, roster=roster)
    by = {s.agency: s for s in states}
    assert len(states) == 10                                   # 8 jobs + 2 on the roster only
    for a in AGENCIES:
        assert by[a].status == "已生成" and by[a].days_left == 4 and by[a].deadline == date(2025, 1, 31)
        assert by[a].findings["error"] == 0
    assert by["示例市统计局"].status == "有错误" and by["示例市统计局"].findings["error"] >= 1
    broken = [s for s in states if s.status == "有错误" and s.agency != "示例市统计局"]
    assert len(broken) == 1 and "不是 Excel 工作簿" in broken[0].problems[0]
    assert by["示例市审计局"].status == "待填报" and by["示例市审计局"].days_left == -2   # local 25 January
    assert by["示例县人民政府"].status == "待填报" and by["示例县人民政府"].days_left == 63  # 31 March
    order = [STATUSES.index(s.status) for s in states]
    assert order == sorted(order)
    # 实质公开率 of dept1, worked out from the demo's figures
    d1 = by[AGENCIES[0]]
    v = BASE.values
    want = (v["requests.disclosed.total"] + 1 + v["requests.partially_disclosed.total"]) / \
        (v["requests.total_processed.total"] + 1)
    assert d1.rates["实质公开率"] == pytest.approx(want)


def test_board_is_self_contained_and_links_resolve(outroot, roster, cli):
    code, out, _ = cli("board", outroot, "--roster", roster, "--today", "2025-01-27")
    assert code == 0
    html = (outroot / "board.html").read_text(encoding="utf-8")
    for a in [*AGENCIES, "示例市统计局", "示例市审计局", "示例县人民政府"]:
        assert a in html
    assert html.count('class="s s-已生成"') == 6 and html.count('class="s s-有错误"') == 2
    assert html.count('class="s s-待填报"') == 2 and "已逾期 2 天" in html
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html) and "<script" not in html and "url(" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert len(links) == 13       # report + checks.xlsx of six; only checks.xlsx where the figures are wrong
    assert all((outroot / h).is_file() for h in links)
    assert html.count("<svg") == 4


def _shoot(page: Path, width: int, png: Path) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tempfile.mkdtemp()}", "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
           f"--window-size={width},2200", f"--screenshot={png}", page.as_uri()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and png.is_file(), run.stderr[-2000:]
    return run.stderr


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup installs it)")
def test_console_errors_would_be_seen(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<html><body><script>console.error("看板出错")</script></body></html>', encoding="utf-8")
    assert _console(_shoot(page, 390, tmp_path / "bad.png"))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup installs it)")
@pytest.mark.parametrize("width", [1280, 390])
def test_board_renders_in_chromium(outroot, roster, width, tmp_path):
    page = write_board(outroot, today=TODAY, roster=roster)
    png = tmp_path / f"board-{width}.png"
    stderr = _shoot(page, width, png)
    assert _console(stderr) == []
    assert png.stat().st_size > 30_000          # a page with tables and charts, not a blank one
    keep = Path(tempfile.gettempdir()) / f"nianbao-board-{width}.png"   # for a person to look at
    shutil.copy(png, keep)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup installs it)")
def test_rows_stay_compact_at_phone_width(outroot, roster, tmp_path):
    """The links cell (PDF Word 网页 校验结果) must not wrap word by word: at 390 px
    it made every agency's row about 118 px tall (and split 校验结果 at 1280 px)."""
    page = write_board(outroot, today=TODAY, roster=roster)
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", (
        "<script>document.body.setAttribute('data-h', Math.max(...[...document.querySelectorAll('tr')]"
        ".filter(r => !r.querySelector('ul.p')).map(r => r.getBoundingClientRect().height)))</script></body>")),
        encoding="utf-8")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=390,2200", "--dump-dom", probe.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    height = float(re.search(r'data-h="([\d.]+)"', dom).group(1))
    assert height < 70, height


def test_board_of_a_folder_without_jobs_writes_nothing(tmp_path, cli):
    """`nianbao board` on a folder that does not exist, or on one with no job
    results (e.g. the examples folder) and no roster: exit 2, nothing made."""
    code, out, err = cli("board", tmp_path / "没有")
    assert code == 2 and not (tmp_path / "没有").exists()
    (tmp_path / "源文件").mkdir()
    code, out, err = cli("board", tmp_path / "源文件")
    assert code == 2 and "没有任何机关的作业结果" in err and not list((tmp_path / "源文件").iterdir())


def test_agencies_with_numbers_sort_by_value():
    from nianbao.board import natural

    names = ["示例市第10局", "示例市第1局", "示例市第2局", "示例市财政局"]
    assert sorted(names, key=natural) == ["示例市第1局", "示例市第2局", "示例市第10局", "示例市财政局"]
