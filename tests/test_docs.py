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


# --- the manual covers the tool (issue 16) ------------------------------------

from nianbao import docgen  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("page", sorted(docgen.PAGES))
def test_generated_reference_pages_are_current(page):
    path = ROOT / "docs" / page
    assert path.exists(), f"docs/{page} is missing: run python -m nianbao.docgen"
    assert path.read_text(encoding="utf-8") == docgen.PAGES[page](), \
        f"docs/{page} is out of date: run python -m nianbao.docgen"
    assert f"docs/{page}" in README, f"README does not link docs/{page}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_chinese_help_in_the_reference(name):
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = reference.split(f"## nianbao {name}\n", 1)[1].split("\n## ", 1)[0]
    for action in docgen.options(docgen.commands()[name]):
        label = action.option_strings[-1] if action.option_strings else action.dest
        assert action.help and CJK.search(action.help), f"nianbao {name} {label}: no Chinese help"
        if action.option_strings:
            assert label in section, f"nianbao {name} {label} is not in docs/cli.md"


def test_an_undocumented_option_is_caught():
    """The coverage test above fails for an option added without help."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--new-thing")
    undocumented = [a for a in docgen.options(parser) if not (a.help and CJK.search(a.help))]
    assert [a.dest for a in undocumented] == ["new_thing"]
