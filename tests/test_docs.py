"""The README is the manual (after sqlite-utils): every command is in it and
has Chinese help; the two quick-start commands are the ones that exist."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT
from nianbao.cli import COMMANDS, build_parser

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_documented_and_has_help(name, cli):
    assert f"`nianbao {name}" in README, f"README does not document `nianbao {name}`"
    code, out, _ = cli(name, "-h")
    assert code == 0 and "用法：" in out and re.search(r"[\u4e00-\u9fff]", out)


def test_top_level_help_lists_every_command(cli):
    code, out, _ = cli("-h")
    assert code == 0
    for name in COMMANDS:
        assert name in out


def test_quick_start_scripts_exist():
    for script in ("scripts/demo", "scripts/test"):
        assert f"bash {script}" in README
        assert (ROOT / script).is_file()
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_parser_builds():
    assert build_parser().prog == "nianbao"
