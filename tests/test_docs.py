"""The API reference of the documentation lists every public name."""

import importlib
import importlib.util
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


# modules of an optional extra, importable only where it is installed (the site is built
# without aeon: its pages come from docs/conf.py's autodoc_mock_imports)
EXTRAS = {"skrnn.aeon": "aeon"}


def test_every_entry_exists():
    for name in documented():
        module, attr = name.rsplit(".", 1)
        if module in EXTRAS and importlib.util.find_spec(EXTRAS[module]) is None:
            continue
        assert hasattr(importlib.import_module(module), attr), name


def test_the_optional_aeon_module_is_listed_in_full():
    """The aeon adapter's public names are on pages, read from the module's source."""
    source = (API.parents[1] / "skrnn" / "aeon.py").read_text()
    public = set(re.search(r"__all__ = \[([^\]]*)\]", source).group(1).replace('"', "")
                 .replace(",", " ").split())
    assert public and {f"skrnn.aeon.{n}" for n in public} <= documented()
