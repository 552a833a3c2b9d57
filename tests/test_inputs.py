"""Inputs as offices have them: files and folders, lock files, other files."""
from __future__ import annotations

import shutil

import pytest

from conftest import DEMO_2023, DEMO_2024
from nianbao.errors import InputError
from nianbao.inputs import collect_workbooks


def test_folders_recursively_with_a_line_per_skipped_file(tmp_path):
    (tmp_path / "部门" / "乡镇").mkdir(parents=True)
    a = shutil.copy(DEMO_2024, tmp_path / "部门" / "财政局.xlsx")
    b = shutil.copy(DEMO_2023, tmp_path / "部门" / "乡镇" / "某镇.XLSX")
    (tmp_path / "部门" / "~$财政局.xlsx").write_bytes(b"lock")
    (tmp_path / "部门" / "说明.docx").write_bytes(b"PK")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.xlsx").write_bytes(b"PK")
    job = tmp_path / "out" / "dept-1"
    job.mkdir(parents=True)
    (job / "results.json").write_text("{}", encoding="utf-8")
    (job / "checks.xlsx").write_bytes(b"PK")
    (job / "report.docx").symlink_to(job / "results.json")          # a package's link
    (job / "linked.xlsx").symlink_to(job / "checks.xlsx")
    received = shutil.copy(DEMO_2024, job / "收到的.xlsx")     # `run -o` into the folder of received workbooks
    books, skipped = collect_workbooks([tmp_path])
    assert sorted(books) == sorted([a, b, received])
    text = "\n".join(skipped)
    assert "~$财政局.xlsx" in text and "锁定文件" in text
    assert "说明.docx" in text and "dept-1：这是 nianbao 作业的输出文件夹" in text
    assert "checks.xlsx" not in text
    assert "x.xlsx" not in text                   # inside a hidden folder: not looked into
    assert len(skipped) == 3


def test_named_files_kept_once_and_missing_paths_refused(tmp_path):
    a = shutil.copy(DEMO_2024, tmp_path / "a.xlsx")
    books, skipped = collect_workbooks([a, tmp_path, a])
    assert books == [a] and skipped == []
    with pytest.raises(InputError) as e:
        collect_workbooks([tmp_path / "没有这个文件夹"])
    assert "没有这个文件夹" in e.value.render() and e.value.exit_code == 2
