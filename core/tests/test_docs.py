"""The docs cannot drift from the code: every hook spec, with its arguments, has a section in docs/hooks.md,
and every entry-point group is in the plugin author guide's table."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from mlplug import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs"
# A hook's section starts with a heading like: ### `mlplug_flavor(name)`
SECTION = re.compile(r"^#{2,4} `(mlplug_\w+)\(([^)]*)\)`", re.MULTILINE)


def hook_specs() -> dict[str, inspect.Signature]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {name: inspect.signature(fn) for name, fn in vars(hookspecs).items()
            if callable(fn) and hasattr(fn, marker)}


def documented_hooks() -> dict[str, list[str]]:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    return {name: [a.strip() for a in args.split(",") if a.strip()] for name, args in SECTION.findall(text)}


def test_there_are_hook_specs_to_check():
    assert len(hook_specs()) >= 14


@pytest.mark.parametrize("hook", sorted(hook_specs()))
def test_every_hook_spec_has_a_section_with_its_arguments(hook):
    documented = documented_hooks()
    assert hook in documented, f"docs/hooks.md has no section for {hook}: add '### `{hook}(...)`'"
    assert documented[hook] == list(hook_specs()[hook].parameters), (
        f"docs/hooks.md documents {hook}({', '.join(documented[hook])}), but the spec takes "
        f"({', '.join(hook_specs()[hook].parameters)})")


def test_no_section_documents_a_hook_that_does_not_exist():
    assert sorted(set(documented_hooks()) - set(hook_specs())) == []


@pytest.mark.parametrize("hook", sorted(hook_specs()))
def test_every_hook_spec_has_a_docstring_with_an_example(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert "Example::" in doc, f"{hook}'s docstring needs an Example:: block"


@pytest.mark.parametrize("group", hookspecs.ALL_GROUPS)
def test_the_plugin_guide_lists_every_entry_point_group(group):
    assert f"`{group}`" in (DOCS / "plugins.md").read_text(encoding="utf-8")
