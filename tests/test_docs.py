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


# --- what a reader of the README runs into (review of issue 16) -----------------------

def test_files_the_readme_names_are_in_the_repository():
    """A path the README (or docs/rules.md) points to exists in this checkout; the rule
    catalogue is docs/rules.md, not a domain document outside the repository."""
    rules = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for text in (README, rules):
        assert "report-format.md" not in text
    for path in re.findall(r"`((?:lib|docs|benchmarks|scripts|notebooks|templates|tests|examples)/[^`\s*<…]+)`",
                           README):
        assert (ROOT / path.rstrip("/")).exists(), f"README names {path}, which is not in the repository"


def test_every_dependency_is_in_the_readme_dependency_table():
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    table = README.split("### 依赖及理由", 1)[1].split("\n## ", 1)[0].lower()
    for dep in deps:
        name = re.split(r"[<>=!~\[ ]", dep, 1)[0].lower()
        assert name in table, f"{name} (pyproject.toml) is not in the README's dependency table"


def test_benchmark_run_count_is_the_one_the_command_uses():
    # the README's issue-13 figures: "bench_batch.py -n 5 … 5 次的中位数"
    row = next(line for line in README.splitlines() if "benchmarks/bench_batch.py" in line and "中位数" in line)
    runs = int(re.search(r"(\d+) 次的?中位数", row).group(1))
    given = re.search(r"bench_batch\.py -n (\d+)", row)
    default = int(re.search(r'"-n", type=int, default=(\d+)',
                            (ROOT / "benchmarks" / "bench_batch.py").read_text(encoding="utf-8")).group(1))
    assert runs == (int(given.group(1)) if given else default)


def test_every_exit_code_of_the_cli_is_in_the_readme():
    exit_codes = README.split("**退出码**", 1)[1].split("\n\n", 1)[0]
    for code in ("0", "1", "2", "3", "4", "70", "130"):
        assert re.search(rf"(?<!\d){code}(?!\d) ", exit_codes), f"exit code {code} is not explained"
    assert "batch" in exit_codes, "nianbao batch's exit code is not explained"


def test_readme_does_not_promise_threads_for_run_batch():
    # run_batch's own docstring: processes, not threads (papermill changes the working directory)
    assert "takes any\n`concurrent.futures.Executor`" not in README
    assert "thread" in README.split("## Architecture", 1)[1].lower()
