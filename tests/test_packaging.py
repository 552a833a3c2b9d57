"""environment.yml (conda) and pyproject.toml (pip) ask for the same
packages with the same lower bounds; the test tools stay out of the conda
environment (issue 16)."""
from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _bound(spec: str) -> str | None:
    m = re.search(r">=\s*([0-9][^,; ]*)", spec)
    return m.group(1) if m else None


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    specs: list[str] = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            specs += [s for s in item.get("pip", []) if not s.startswith("-")]
        else:
            specs.append(item)
    return {_name(s): s for s in specs}


def test_every_dependency_is_in_environment_yml_with_the_same_lower_bound():
    conda = _conda()
    for spec in _pyproject()["dependencies"]:
        name = _name(spec)
        assert name in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert _bound(conda[name]) == _bound(spec), f"{name}: {conda[name]!r} vs {spec!r}"


def test_environment_yml_asks_for_nothing_pyproject_does_not():
    project = _pyproject()
    extras = [s for k, v in project.get("optional-dependencies", {}).items() if k != "test" for s in v]
    wanted = {_name(s) for s in [*project["dependencies"], *extras]} | {"python", "pip", "jupyter"}
    assert set(_conda()) <= wanted, set(_conda()) - wanted


def test_test_tools_are_not_forced_on_conda_users():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert ".[test]" not in text.replace('pip install -e ".[test]"', "")
    for tool in _pyproject()["optional-dependencies"]["test"]:
        assert _name(tool) not in _conda()
