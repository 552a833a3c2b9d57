"""Many agencies at once: a process pool of independent jobs and a status
board read from their results.json."""
from __future__ import annotations

import csv
import shutil

from conftest import DEMO_2023, DEMO_2024, ZIBO_2023


def test_batch_runs_each_agency_in_its_own_folder(tmp_path, cli):
    now, prior = tmp_path / "2024", tmp_path / "2023"
    now.mkdir()
    prior.mkdir()
    shutil.copy(DEMO_2024, now / "demo.xlsx")
    shutil.copy(DEMO_2023, prior / "demo.xlsx")
    shutil.copy(ZIBO_2023, now / "zibo.xlsx")
    (now / "broken.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out"
    code, stdout, err = cli("batch", now / "demo.xlsx", now / "zibo.xlsx", now / "broken.xlsx",
                            "--prior-dir", prior, "-o", out, "--formats", "html", "--workers", "2")
    assert code == 2, "the worst outcome (one bad workbook) decides the exit code"
    assert (out / "demo" / "report.html").is_file() and (out / "zibo" / "report.html").is_file()
    assert (out / "broken" / "results.json").is_file()
    with open(out / "status.csv", encoding="utf-8") as fh:
        rows = {r["文件夹"].rsplit("/", 1)[-1]: r for r in csv.DictReader(fh)}
    assert rows["demo"]["状态"] == "完成" and rows["demo"]["新收申请总数"] == "70"
    assert rows["zibo"]["机关"] == "淄博市人民政府外事办公室"
    assert rows["broken"]["状态"] == "输入有误"
    assert "示例市市场监督管理局" in stdout
