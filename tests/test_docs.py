"""The API reference of the documentation lists every public name."""

import importlib
import re
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
MODULES = ["skrnn", "skrnn.preprocessing", "skrnn.datasets", "skrnn.exceptions",
           "skrnn.persistence"]


def documented():
    """``module.name`` of every entry of an autosummary table in docs/api.rst."""
    names, module = set(), None
    for line in API.read_text().splitlines():
        if m := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = m.group(1)
        elif m := re.fullmatch(r"   ([A-Za-z_][A-Za-z0-9_]*)", line):
            names.add(f"{module}.{m.group(1)}")
    return names


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_has_a_page(module):
    mod = importlib.import_module(module)
    public = {n for n in mod.__all__ if not n.startswith("__")}
    on_pages = documented()
    # skrnn re-exports the exceptions, whose pages live under skrnn.exceptions
    missing = sorted(
        n for n in public
        if f"{module}.{n}" not in on_pages
        and f"{getattr(getattr(mod, n), '__module__', module)}.{n}" not in on_pages
    )
    assert not missing, f"docs/api.rst has no entry for {module}: {missing}"


def test_every_entry_exists():
    for name in documented():
        module, attr = name.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), attr), name
